"""``spikeprop deploy --data`` reads only the samples it needs and keeps them sparse: peak RSS
for 10 samples of a 10,000-file test folder at T=100 stays under 1 GB (it was 2.56 GB when the
whole split was binned densely first). The folder replicates the real recordings (hard links)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from procs import start, tiny_checkpoint

RAW = Path(__file__).resolve().parents[3] / "shared" / "data" / "nmnist-small"
N_FILES = 10_000
LIMIT_BYTES = 1 << 30


def _replicated_test_folder(root: Path) -> Path:
    rows = [l.split() for l in (RAW / "test100.txt").read_text().splitlines() if l.strip() and l[0] != "#"]
    for d in range(10):
        (root / "Test" / str(d)).mkdir(parents=True)
    for k in range(N_FILES):
        name, label = rows[k % len(rows)]
        os.link(RAW / f"{name}.bs2", root / "Test" / label / f"{k:05d}.bin")
    return root


def test_deploy_10_of_10000_files_under_1gb(tmp_path):
    if not (RAW / "test100.txt").is_file():
        pytest.skip("raw N-MNIST subset not found beside the repository")
    data = _replicated_test_folder(tmp_path / "nmnist")
    ckpt = tiny_checkpoint(tmp_path / "tiny.pt", T=100)
    proc = start(["deploy", str(ckpt), "--data", str(data), "--n-samples", "10", "--T", "100",
                  "--backend", "fallback", "--json"], tmp_path)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = (tmp_path / "run.err").read_text()
    assert proc.returncode == 0, err[-2000:]
    assert '"n_samples": 10' in (tmp_path / "run.out").read_text()
    peak = usage.ru_maxrss * 1024  # kB on Linux
    print(f"peak RSS {peak / 2**20:.0f} MB")
    assert peak < LIMIT_BYTES, f"peak RSS {peak / 2**20:.0f} MB"
