"""Artifacts are checked: checkpoint content hash, netx weights Loihi cannot hold, damaged HDF5,
and `export -o` that would destroy its input or a non-file; every error one line, naming the
user's path (never a temporary name)."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from procs import tiny_checkpoint

from spikeprop.checkpoint import DIGEST_KEY, load_checkpoint
from spikeprop.cli.__main__ import main
from spikeprop.errors import CheckpointError


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("art") / "best.pt")


@pytest.fixture(scope="module")
def netx(ckpt):
    out = ckpt.parent / "net.h5"
    assert main(["export", str(ckpt), "--format", "netx", "-o", str(out)]) == 0
    return out


def one_error(capsys, command: str) -> str:
    err = capsys.readouterr().err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"spikeprop {command}: error: "), err
    return lines[0]


def test_flipped_bytes_in_weights_are_caught(ckpt, tmp_path, capsys):
    ck = torch.load(ckpt, weights_only=True)
    assert DIGEST_KEY in ck
    w = max(ck["model"].values(), key=lambda t: t.numel())
    data = bytearray(ckpt.read_bytes())
    at = max(data.find(w.contiguous().numpy().tobytes()[:400]), data.find(w.T.contiguous().numpy().tobytes()[:400]))
    assert at > 0
    for k in range(at + 1, at + 400, 4):  # 100 flipped low bytes of float32 weights: torch.load does not notice
        data[k] ^= 0x01
    bad = tmp_path / "bad.pt"
    bad.write_bytes(bytes(data))
    assert not torch.equal(max(torch.load(bad, weights_only=True)["model"].values(), key=lambda t: t.numel()), w)
    with pytest.raises(CheckpointError, match="does not match its hash"):
        load_checkpoint(bad)
    assert main(["evaluate", str(bad)]) == 1
    assert str(bad) in one_error(capsys, "evaluate")


def test_checkpoint_without_hash_still_loads_with_a_note(ckpt, tmp_path, capsys):
    ck = torch.load(ckpt, weights_only=True)
    del ck[DIGEST_KEY]
    old = tmp_path / "old.pt"
    torch.save(ck, old)
    assert load_checkpoint(old)["epoch"] == ck["epoch"]
    assert "written before content hashes" in capsys.readouterr().err


def test_directory_given_as_checkpoint(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 1
    assert "is a folder" in one_error(capsys, "evaluate")


def test_netx_weight_beyond_loihi_refused(netx, tmp_path, capsys):
    bad = tmp_path / "big.h5"
    bad.write_bytes(netx.read_bytes())
    with h5py.File(bad, "r+") as f:
        w = f["layer/1/weight"][()]
        w[0, 0] = 1e9
        del f["layer/1/weight"]
        f["layer/1/weight"] = w
    assert main(["deploy", str(bad), "--backend", "fallback", "--n-samples", "2", "--no-progress"]) == 1
    line = one_error(capsys, "deploy")
    assert "layer 1" in line and "outside what Loihi holds" in line


@pytest.mark.parametrize("command", ["deploy", "export"])
def test_damaged_hdf5_metadata(netx, tmp_path, capsys, command):
    data = bytearray(netx.read_bytes())
    at = data.find(b"TREE")
    data[at + 4:at + 40] = bytes(b ^ 0xFF for b in data[at + 4:at + 40])
    bad = tmp_path / "damaged.h5"
    bad.write_bytes(bytes(data))
    argv = (["deploy", str(bad), "--backend", "fallback", "--n-samples", "2", "--no-progress"] if command == "deploy"
            else ["export", str(bad), "--format", "lava", "-o", str(tmp_path / "x.npz")])
    assert main(argv) == 1
    line = one_error(capsys, command)
    assert str(bad) in line and "damaged HDF5" in line


def test_export_refuses_its_own_input(ckpt, tmp_path, capsys):
    before = ckpt.read_bytes()
    assert main(["export", str(ckpt), "--format", "netx", "-o", str(ckpt)]) == 1
    assert "refusing to overwrite" in one_error(capsys, "export")
    assert ckpt.read_bytes() == before


def test_export_refuses_a_device(ckpt, capsys):
    assert Path("/dev/null").exists()
    assert main(["export", str(ckpt), "--format", "netx", "-o", "/dev/null"]) == 1
    assert "not a regular file" in one_error(capsys, "export")
    assert not Path("/dev/null").is_file()


def test_export_under_a_file(ckpt, tmp_path, capsys):
    (tmp_path / "text.pt").write_text("x")
    assert main(["export", str(ckpt), "--format", "netx", "-o", str(tmp_path / "text.pt" / "net.h5")]) == 1
    assert "is a file, not a folder" in one_error(capsys, "export")


def test_write_error_names_the_users_path(ckpt, tmp_path, capsys, monkeypatch):
    import export.netx

    def fail(network, tmp, h5py):
        raise PermissionError(13, "Permission denied", str(tmp))

    monkeypatch.setattr(export.netx, "_write_layers", fail)
    out = tmp_path / "net.net"
    assert main(["export", str(ckpt), "--format", "netx", "-o", str(out)]) == 1
    line = one_error(capsys, "export")
    assert str(out) in line and ".tmp" not in line
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary file left
