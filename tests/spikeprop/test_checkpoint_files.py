"""Checkpoints: atomic write, round trip, one-line errors for foreign or corrupt files."""
import pytest
import torch

from spikeprop.checkpoint import load_checkpoint, restore_model, save_checkpoint
from spikeprop.config import TrainConfig
from spikeprop.errors import CheckpointError
from spikeprop.model import NetConfig
from spikeprop.trainer import Trainer

torch.set_num_threads(1)


def trainer(sizes, out=None):
    return Trainer(NetConfig(sizes=sizes), TrainConfig(n_classes=4, T=4), out, progress=False)


def test_round_trip_and_no_temp_files(tmp_path):
    tr = trainer([48, 16, 4])
    save_checkpoint(tmp_path / "a.pt", tr.payload())
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]
    net, signal, net_cfg, cfg = restore_model(load_checkpoint(tmp_path / "a.pt"))
    assert net_cfg.sizes == [48, 16, 4] and cfg.n_classes == 4
    assert torch.equal(net.fcs[0].weight, tr.net.fcs[0].weight)
    assert torch.equal(signal.pattern, tr.signal.pattern)


def test_checkpoint_from_another_model_is_rejected(tmp_path):
    save_checkpoint(tmp_path / "other.pt", trainer([48, 20, 4]).payload())
    with pytest.raises(CheckpointError) as info:
        trainer([48, 16, 4]).resume(tmp_path / "other.pt")
    msg = str(info.value)
    assert "other.pt" in msg and "another model" in msg and "\n" not in msg


def test_tampered_weights_are_rejected(tmp_path):
    payload = trainer([48, 16, 4]).payload()
    payload["model"]["fcs.0.weight"] = torch.zeros(3, 3)
    save_checkpoint(tmp_path / "bad.pt", payload)
    with pytest.raises(CheckpointError, match="bad.pt.*another model"):
        restore_model(load_checkpoint(tmp_path / "bad.pt"), tmp_path / "bad.pt")


def _truncated_and_flipped(tmp_path):
    save_checkpoint(tmp_path / "good.pt", trainer([48, 16, 4]).payload())
    good = (tmp_path / "good.pt").read_bytes()
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0xFF
    return [good[: len(good) // 2], bytes(flipped)]


@pytest.mark.parametrize("content", [b"", b"junk", b"garbage not a zip", b"PK\x03\x04broken", b"\x80\x02}q\x00.",
                                     "truncated", "bit-flipped"])
def test_corrupt_files_give_one_line(tmp_path, content):
    if isinstance(content, str):  # a real checkpoint, damaged
        content = _truncated_and_flipped(tmp_path)[0 if content == "truncated" else 1]
    p = tmp_path / "corrupt.pt"
    p.write_bytes(content)
    try:
        load_checkpoint(p)
    except CheckpointError as exc:  # a flipped byte may also land in a tensor's data: then it loads
        assert "corrupt.pt" in str(exc) and "\n" not in str(exc)
    else:
        assert content.startswith(b"PK") and len(content) > 1000


def test_foreign_torch_file_and_missing_file(tmp_path):
    torch.save({"state_dict": {}}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a spikeprop checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
