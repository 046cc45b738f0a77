"""Lava (lava-nc) vs the numpy fallback vs the torch model: same spikes, same states.

Every comparison is exact (``array_equal``), per layer and per step. Batches run as one
Lava sequence with per-layer resets (``align=True``); one test per precision also runs
plain Lava time (``align=False``) to pin down the one-step-per-Dense delay.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from export.fallback import simulate
from export.from_torch import from_torch
from export.lava import lava_available
from export.network import Layer, Network
from export.quantize import quantize

pytestmark = [
    pytest.mark.lava,
    pytest.mark.skipif(not lava_available(), reason="lava-nc is not installed (./run install adds it)"),
]


def run_lava(*args, **kwargs):
    from export.lava.build import run_lava as _run

    return _run(*args, **kwargs)


def torch_layers(model, x: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Per-layer spikes and post-reset voltages of the torch model, (T, B, N) each."""
    xs = torch.from_numpy(x.astype(np.float64))
    states, rec = None, []
    with torch.no_grad():
        for t in range(xs.shape[0]):
            spikes, _, states = model.step(xs[t], states)
            rec.append(([s.numpy() != 0 for s in spikes], [st.v.numpy().copy() for st in states]))
    n = len(rec[0][0])
    return [{"s": np.stack([r[0][l] for r in rec]), "v": np.stack([r[1][l] for r in rec])} for l in range(n)]


def assert_same(a, b, keys=("s", "u", "v")) -> None:
    for l, (la, lb) in enumerate(zip(a.layers, b.layers)):
        for k in keys:
            if k in la or k in lb:
                assert np.array_equal(la[k], lb[k]), f"layer {l} {k} differs ({a.backend} vs {b.backend})"


def model(neuron: str, sizes: list[int], gain: float, seed: int = 0):
    from spikeprop.model import NetConfig, SpikingNet

    torch.manual_seed(seed)
    return SpikingNet(NetConfig(sizes=sizes, neuron=neuron, beta=0.9, du=0.4, init_gain=gain)).double()


@pytest.mark.parametrize("neuron,sizes", [("lif", [2312, 64, 32, 10]), ("cuba_lif", [2312, 48, 10])])
def test_float_torch_fallback_lava_identical(nmnist, neuron, sizes):
    x = nmnist(3, 60)
    m = model(neuron, sizes, gain=6.0)
    net = from_torch(m)
    ref = torch_layers(m, x)
    fb = simulate(net, x, record=True)
    lv = run_lava(net, x, record=True)
    for l, r in enumerate(ref):
        assert r["s"].sum() > 0, f"layer {l} is silent: the test would prove nothing"
        assert np.array_equal(r["s"], fb.layers[l]["s"]), f"torch vs fallback, layer {l}"
        assert np.array_equal(r["v"], fb.layers[l]["v"]), f"torch vs fallback voltages, layer {l}"
    assert_same(fb, lv)


def test_float_lava_time_delay(nmnist):
    """Plain Lava time: output lags by one step per layer; fallback matches it exactly."""
    x = nmnist(1, 40)
    net = from_torch(model("lif", [2312, 40, 10], gain=6.0))
    raw_fb = simulate(net, x, align=False, record=True)
    raw_lv = run_lava(net, x, align=False, record=True)
    assert_same(raw_fb, raw_lv)
    aligned = simulate(net, x, align=True).spikes
    L = net.delay
    assert raw_fb.spikes.sum() > 0
    assert np.array_equal(raw_fb.spikes[L:], aligned[:-L])
    assert not raw_fb.spikes[:L].any()


def test_fixed_real_samples_spikes_and_states(nmnist):
    x = nmnist(3, 60)
    q, _ = quantize(from_torch(model("cuba_lif", [2312, 64, 32, 10], gain=6.0)))
    fb = simulate(q, x, record=True)
    lv = run_lava(q, x, record=True)
    assert all(layer["s"].sum() > 0 for layer in fb.layers)
    assert_same(fb, lv)


def test_fixed_saturation_wraparound_lava_time():
    """Random inputs that saturate v, wrap u at 24 bits and overflow int32 intermediates."""
    rng = np.random.default_rng(7)
    layers = [
        # excitatory only: u can only turn negative by wrapping around
        Layer(rng.integers(200, 256, (8, 24)), "lif",
              dict(dv=40, vth=60000, bias_mant=0, bias_exp=0), precision="fixed", weight_exp=6),
        # int32 intermediates overflow here (weight_exp 12)
        Layer(rng.integers(-256, 256, (6, 8)), "cuba_lif",
              dict(du=100, dv=20, vth=100000, bias_mant=-4096, bias_exp=7), precision="fixed", weight_exp=12),
        Layer(-rng.integers(0, 256, (4, 6)), "cuba_lif",
              dict(du=0, dv=0, vth=0, bias_mant=4095, bias_exp=7), precision="fixed", weight_exp=-3),
    ]
    net = Network(layers, 24)
    x = rng.random((50, 24)) < 0.5
    fb = simulate(net, x, align=False, record=True)
    lv = run_lava(net, x, align=False, record=True)
    assert_same(fb, lv)
    l0, l1 = fb.layers[0], fb.layers[1]
    assert (l0["u"] < 0).any(), "no 24-bit wrap-around of u happened"
    assert l0["s"].any() and l1["s"].any()
    assert np.abs(l1["u"]).max() > 2**24, "u never left the 24-bit range"
    for layer in (l0, l1):
        assert (np.abs(layer["v"]) == 2**23 - 1).any(), "v never saturated"
    xb = rng.random((30, 2, 24)) < 0.5  # and the batched (reset) path
    assert_same(simulate(net, xb, record=True), run_lava(net, xb, record=True))


def test_fixed_voltage_clips_at_24_bits():
    rng = np.random.default_rng(3)
    layer = Layer(rng.integers(0, 256, (5, 16)), "cuba_lif",
                  dict(du=10, dv=1, vth=131071, bias_mant=0, bias_exp=0), precision="fixed", weight_exp=1)
    net = Network([layer], 16)
    x = rng.random((40, 2, 16)) < 0.6
    fb = simulate(net, x, record=True)
    assert fb.layers[0]["v"].max() == 2**23 - 1 or fb.layers[0]["s"].any()
    assert_same(fb, run_lava(net, x, record=True))


def two_compartment_net(precision: str) -> tuple[Network, list]:
    rng = np.random.default_rng(11)
    if precision == "fixed":
        l1 = Layer(rng.integers(-256, 256, (8, 12)), "two_compartment",
                   dict(du=1000, dv=300, dv_dend=200, g=3000, vth=300, bias_mant=10, bias_exp=6),
                   precision="fixed")
        l2 = Layer(rng.integers(-256, 256, (5, 8)), "two_compartment",
                   dict(du=4096, dv=300, dv_dend=4000, g=-2000, vth=200, bias_mant=0, bias_exp=6),
                   precision="fixed", weight_exp=1)
        dend = [rng.integers(-100, 100, (30, 2, 8)), rng.integers(-50, 50, (30, 2, 5))]
    else:
        l1 = Layer(rng.normal(0, 0.8, (8, 12)), "two_compartment",
                   dict(du=0.3, dv=0.1, dv_dend=0.05, g=0.7, vth=1.0, bias=0.02))
        l2 = Layer(rng.normal(0, 0.8, (5, 8)), "two_compartment",
                   dict(du=1.0, dv=0.2, dv_dend=0.9, g=-0.4, vth=1.0, bias=0.0))
        dend = [rng.normal(0, 0.3, (30, 2, 8)), rng.normal(0, 0.3, (30, 2, 5))]
    return Network([l1, l2], 12), dend


@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_two_compartment_fallback_equals_lava(precision):
    net, dend = two_compartment_net(precision)
    x = np.random.default_rng(5).random((30, 2, 12)) < 0.4
    fb = simulate(net, x, record=True, dendrite=dend)
    lv = run_lava(net, x, record=True, dendrite=dend)
    assert fb.layers[-1]["s"].sum() > 0
    assert_same(fb, lv, keys=("s", "u", "v", "v_dend"))


def test_two_compartment_float_matches_torch_module():
    from neurons import TwoCompartment

    net, dend = two_compartment_net("float")
    x = np.random.default_rng(5).random((30, 2, 12)) < 0.4
    fb = simulate(net, x, record=True, dendrite=dend)
    h = torch.from_numpy(x.astype(np.float64))
    for l, layer in enumerate(net.layers):
        p = layer.params
        mod = TwoCompartment(du=p["du"], dv=p["dv"], dv_dend=p["dv_dend"], g=p["g"],
                             threshold=p["vth"], bias=p["bias"]).double()
        a = h @ torch.from_numpy(layer.weights).T
        s, _, _ = mod.sequence(a, torch.from_numpy(dend[l]))
        assert np.array_equal(s.numpy() != 0, fb.layers[l]["s"])
        h = s


def test_output_only_record_equals_full_record_on_both_backends(nmnist):
    """``record=[-1]`` (what the deploy readout probes) gives the output layer's full-record
    states and nothing for the hidden layers, identically on Lava and the fallback."""
    x = nmnist(2, 40)
    q, _ = quantize(from_torch(model("lif", [2312, 32, 10], gain=6.0)))
    full = simulate(q, x, record=True)
    for res in (simulate(q, x, record=[-1]), run_lava(q, x, record=[-1])):
        assert "v" not in res.layers[0] and "u" not in res.layers[0]
        for k in ("s", "u", "v"):
            assert np.array_equal(res.layers[-1][k], full.layers[-1][k]), (res.backend, k)
