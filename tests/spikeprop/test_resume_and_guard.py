"""Resume is exact (2 epochs == 1 + resume 1, bitwise); NaN stops training, keeps last.pt."""
import json

import pytest
import torch

from spikeprop.checkpoint import load_checkpoint
from spikeprop.config import TrainConfig
from spikeprop.errors import NonFiniteLossError
from spikeprop.model import NetConfig
from toy_data import toy_dataset
from spikeprop.trainer import Trainer

torch.set_num_threads(1)
TRAIN = toy_dataset(40, T=8, seed=1)
TEST = toy_dataset(12, T=8, seed=2)


def make(method, epochs, out):
    cfg = TrainConfig(method=method, T=8, batch_size=16, epochs=epochs, lr=5e-3, n_classes=4,
                      update_every=4, target_density=0.25)
    return Trainer(NetConfig(sizes=[48, 16, 4], init_gain=2.0), cfg, out, progress=False, plot=False)


@pytest.mark.parametrize("method", ["sp-surrogate", "drtp-two-compartment", "sp-dendritic", "bptt"])
def test_resume_is_bitwise_exact(tmp_path, method):
    full = make(method, 2, tmp_path / "full")
    full.fit(TRAIN, test=TEST)
    first = make(method, 1, tmp_path / "part")
    first.fit(TRAIN, test=TEST)
    resumed = make(method, 2, tmp_path / "part")
    resumed.resume(tmp_path / "part" / "last.pt")
    resumed.fit(TRAIN, test=TEST)
    for a, b in zip(full.net.state_dict().values(), resumed.net.state_dict().values()):
        assert torch.equal(a, b)
    lines = (tmp_path / "part" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(s)["epoch"] for s in lines] == [1, 2]
    assert json.loads(lines[1])["loss"] == full.history[1]["loss"]


def test_same_seed_same_weights():
    a, b = make("sp-voltage", 1, None), make("sp-voltage", 1, None)
    a.fit(TRAIN)
    b.fit(TRAIN)
    assert all(torch.equal(x, y) for x, y in zip(a.net.parameters(), b.net.parameters()))


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    tr = make("sp-surrogate", 1, tmp_path)
    tr.fit(TRAIN, test=TEST)
    good = load_checkpoint(tmp_path / "last.pt")
    tr.cfg.epochs = 2
    with torch.no_grad():
        tr.net.fcs[0].weight[0, 0] = float("nan")
    with pytest.raises(NonFiniteLossError) as info:
        tr.fit(TRAIN, test=TEST)
    msg = str(info.value)
    assert "\n" not in msg and "epoch 2" in msg and "last.pt" in msg
    kept = load_checkpoint(tmp_path / "last.pt")
    assert kept["epoch"] == 1
    assert torch.equal(kept["model"]["fcs.0.weight"], good["model"]["fcs.0.weight"])


def test_two_compartment_nan_guard(tmp_path):
    tr = make("sp-dendritic", 1, None)
    with torch.no_grad():
        tr.net.fcs[1].weight[0, 0] = float("inf")
    with pytest.raises(NonFiniteLossError):
        tr.fit(TRAIN)
