"""``deploy --learn`` from the CLI honours --data, --window-ms and --n-samples; every command
that prints an accuracy for one checkpoint uses (and names) the same readout by default."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from procs import tiny_checkpoint

from spikeprop.cli.__main__ import main

RAW = Path(__file__).resolve().parents[3] / "shared" / "data" / "nmnist-small"


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("learn") / "best.pt", sizes=(2312, 30, 10), T=8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A Train/ + Test/ folder of real recordings (hard links to the shared raw subset)."""
    if not (RAW / "test100.txt").is_file():
        pytest.skip("raw N-MNIST subset not found beside the repository")
    root = tmp_path_factory.mktemp("nmnist")
    for split, labels in (("Train", "train1K.txt"), ("Test", "test100.txt")):
        rows = [l.split() for l in (RAW / labels).read_text().splitlines() if l.strip() and l[0] != "#"]
        for name, label in rows[:40]:
            (root / split / label).mkdir(parents=True, exist_ok=True)
            os.link(RAW / f"{name}.bs2", root / split / label / f"{name}.bin")
    return root


def test_learn_refuses_missing_data(ckpt, tmp_path, capsys):
    code = main(["deploy", str(ckpt), "--learn", "--backend", "fallback", "--data", str(tmp_path / "nope"),
                 "--learn-out", str(tmp_path / "out")])
    err = [l for l in capsys.readouterr().err.splitlines() if l.strip() and not l.startswith("note:")]
    assert code == 1 and len(err) == 1 and "nope: no such directory" in err[0]
    assert not (tmp_path / "out").exists()


def test_learn_honours_data_window_and_n_samples(ckpt, folder, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["deploy", str(ckpt), "--learn", "--backend", "fallback", "--data", str(folder), "--n-samples", "7",
                 "--window-ms", "250", "--learn-samples", "12", "--learn-eval-every", "6", "--learn-out", str(out)])
    assert code == 0, capsys.readouterr().err
    rep = json.loads((out / "learning.json").read_text())
    assert (rep["data"], rep["window_ms"], rep["test_samples"], rep["samples"]) == (str(folder), 250.0, 7, 12)
    assert rep["passes"] == 3 and rep["samples_curve"] == [0, 6, 12, 18, 24, 30, 36]  # sp: 3 passes by default


def test_one_readout_across_commands(ckpt, tmp_path, capsys):
    assert main(["evaluate", str(ckpt), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert main(["deploy", str(ckpt), "--backend", "fallback", "--json"]) == 0
    dep = json.loads(capsys.readouterr().out)
    assert main(["deploy", str(ckpt), "--learn", "--backend", "fallback", "--learn-samples", "5",
                 "--learn-eval-every", "5", "--learn-out", str(tmp_path / "l")]) == 0
    printed = capsys.readouterr().out
    rep = json.loads((tmp_path / "l" / "learning.json").read_text())
    assert ev["readout"] == dep["readout"] == rep["readouts"]["checkpoint"] == "spikes+voltage"
    assert ev["readout_accuracy"] == pytest.approx(dep["torch_accuracy"]) == pytest.approx(rep["torch_test_acc"])
    assert rep["checkpoint_fixed_test_acc"] == pytest.approx(dep["accuracy"])  # same quantised network, same readout
    assert "checkpoint (spikes+voltage readout, as deploy)" in printed
