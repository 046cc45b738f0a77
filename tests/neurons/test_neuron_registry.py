"""A neuron registered as one step function runs unchanged in torch (training's module,
SpikingNet) and in the float fallback, with identical spikes and voltages."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pytest
import torch

import neurons
from export.errors import NetworkError
from export.fallback import simulate
from export.from_torch import from_torch
from export.network import Layer
from neurons.functional.spike import hard_reset


class AdaptParams(NamedTuple):
    dv: float = 0.1
    vth: float = 1.0
    bias: float = 0.0
    da: float = 0.05  # decay of the threshold adaptation
    jump: float = 0.5  # threshold increase per spike


class AdaptState(NamedTuple):
    v: Any
    a: Any


def adaptive_lif_step(x, state, p, spike_fn):
    v_pre = state.v * (1 - p.dv) + x + p.bias
    s = spike_fn(v_pre - (p.vth + state.a))
    return s, v_pre, AdaptState(v=hard_reset(v_pre, s), a=state.a * (1 - p.da) + p.jump * s)


@pytest.fixture(autouse=True)
def registered():
    neurons.register_neuron("test_alif", adaptive_lif_step, AdaptParams, AdaptState)


def test_torch_and_fallback_agree_bit_for_bit():
    from spikeprop.model import NetConfig, SpikingNet

    torch.manual_seed(0)
    cfg = NetConfig(sizes=[30, 20, 6], neuron="test_alif", neuron_params={"da": 0.2}, init_gain=3.0)
    net = SpikingNet(cfg).double().eval()
    assert net.neurons[0].params.da == pytest.approx(0.2) and float(net.neurons[0].threshold) == 1.0
    x = (torch.rand(25, 4, 30) < 0.3).double()
    with torch.no_grad():
        s_t, v_t = net(x)
    network = from_torch(net)
    assert network.layers[0].neuron == "test_alif" and network.layers[0].params["jump"] == 0.5
    res = simulate(network, x.numpy(), record=True)
    assert s_t.sum() > 0  # the comparison is about real spikes
    np.testing.assert_array_equal(res.spikes, s_t.numpy() != 0)
    # adaptation really acts: a plain LIF with the same weights fires more
    plain = SpikingNet(NetConfig(sizes=[30, 20, 6], init_gain=3.0, beta=0.9)).double()
    plain.load_state_dict({k: v for k, v in net.state_dict().items() if k.startswith("fcs")}, strict=False)
    with torch.no_grad():
        assert plain(x)[0].sum() > s_t.sum()


def test_surrogate_gradient_flows_through_registered_step():
    m = neurons.StepNeuron("test_alif", vth=0.5)
    x = torch.full((3, 4), 0.6, requires_grad=True)
    s, _, _ = m(x)
    s.sum().backward()
    assert float(s.detach().sum()) == 12 and x.grad.abs().sum() > 0


def test_bad_registrations_and_uses_get_clear_errors():
    with pytest.raises(ValueError, match="built in"):
        neurons.register_neuron("lif", adaptive_lif_step, AdaptParams, AdaptState)
    with pytest.raises(TypeError, match="'vth'"):
        neurons.register_neuron("x1", adaptive_lif_step, AdaptState, AdaptState)
    with pytest.raises(ValueError, match="unknown neuron kind 'nope'"):
        neurons.StepNeuron("nope")
    with pytest.raises(ValueError, match="unknown parameter"):
        neurons.StepNeuron("test_alif", tau=3.0)
    params = AdaptParams()._asdict()
    with pytest.raises(NetworkError, match="no fixed-point model"):
        Layer(weights=np.ones((2, 2)), neuron="test_alif", params=params, precision="fixed")
    with pytest.raises(NetworkError, match="unknown neuron 'nope'"):
        Layer(weights=np.ones((2, 2)), neuron="nope", params=params)


def test_builtin_config_unchanged_and_custom_round_trips():
    from spikeprop.errors import ConfigError
    from spikeprop.model import NetConfig

    assert "neuron_params" not in NetConfig().to_dict()  # old config.json / checkpoints compare equal
    cfg = NetConfig(neuron="test_alif", neuron_params={"jump": 1.0})
    assert NetConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="registered neuron kinds"):
        NetConfig(neuron="lif", neuron_params={"jump": 1.0})
