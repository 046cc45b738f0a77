"""Torch model / checkpoint -> Network, and the float fallback against the torch model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from export.fallback import simulate
from export.errors import NetworkError
from export.from_torch import from_torch, neuron_params
from spikeprop.artifacts import load_network
from spikeprop.errors import CheckpointError
from spikeprop.model import NetConfig, SpikingNet


@pytest.mark.parametrize("neuron", ["lif", "cuba_lif", "two_compartment"])
def test_parameters_in_lava_units(neuron):
    m = SpikingNet(NetConfig(sizes=[12, 7, 3], neuron=neuron, beta=0.8, du=0.3, dv_dend=0.2, g=0.5,
                             threshold=1.5, bias=0.1))
    net = from_torch(m)
    assert net.sizes == [12, 7, 3] and net.precision == "float"
    p = net.layers[0].params
    assert p["dv"] == pytest.approx(0.2) and p["vth"] == 1.5 and p["bias"] == pytest.approx(0.1)
    if neuron != "lif":
        assert p["du"] == pytest.approx(0.3)
    if neuron == "two_compartment":
        assert p["g"] == 0.5 and p["dv_dend"] == pytest.approx(0.2)
    assert np.array_equal(net.layers[1].weights, m.fcs[1].weight.detach().double().numpy())


@pytest.mark.parametrize("neuron", ["lif", "cuba_lif"])
def test_float_fallback_equals_torch_float64(nmnist, neuron):
    torch.manual_seed(1)
    m = SpikingNet(NetConfig(sizes=[2312, 50, 10], neuron=neuron, beta=0.9, du=0.5, init_gain=6.0)).double()
    x = nmnist(4, 80)
    with torch.no_grad():
        out, _ = m(torch.from_numpy(x.astype(np.float64)))
    fb = simulate(from_torch(m), x)
    assert out.sum() > 0
    assert np.array_equal(out.numpy() != 0, fb.spikes)


def test_unknown_modules_get_one_clear_error():
    with pytest.raises(NetworkError, match="cannot export neuron module ReLU"):
        neuron_params(nn.ReLU())
    with pytest.raises(NetworkError, match="SpikingNet-like"):
        from_torch(nn.Linear(3, 4))


def test_checkpoint_round_trip_and_foreign_files(tmp_path):
    from spikeprop.checkpoint import save_checkpoint
    from spikeprop.config import TrainConfig
    from spikeprop.rules.signal import TargetSignal

    cfg = NetConfig(sizes=[20, 8, 4])
    m = SpikingNet(cfg)
    train = TrainConfig()
    signal = TargetSignal(train.n_classes, 20, train.target_density, train.seed)
    save_checkpoint(tmp_path / "ok.pt", {"net": cfg.to_dict(), "train": train.__dict__, "model": m.state_dict(),
                                         "signal": signal.state_dict(), "epoch": 3})
    net, model = load_network(tmp_path / "ok.pt")
    assert net.sizes == [20, 8, 4] and np.array_equal(net.layers[0].weights, m.fcs[0].weight.detach().double().numpy())

    torch.save({"state_dict": m.state_dict()}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a spikeprop checkpoint"):
        load_network(tmp_path / "foreign.pt")
    other = SpikingNet(NetConfig(sizes=[20, 9, 4]))
    save_checkpoint(tmp_path / "other.pt", {"net": cfg.to_dict(), "train": train.__dict__,
                                            "model": other.state_dict(), "signal": signal.state_dict(), "epoch": 1})
    with pytest.raises(CheckpointError, match="another model"):
        load_network(tmp_path / "other.pt")
