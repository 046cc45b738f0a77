"""Quantisation to Loihi fixed point: ranges, units, report, and behaviour kept."""
from __future__ import annotations

import numpy as np
import pytest

from export.fallback import simulate
from export.network import Layer, Network, NetworkError
from export.quantize import dequantize, quantize, to_precision


def float_net(rng, scale=0.3, vth=1.0, neuron="cuba_lif", bias=0.0):
    params = dict(dv=0.1, vth=vth, bias=bias)
    if neuron != "lif":
        params["du"] = 0.5
    return Network([Layer(rng.normal(0, scale, (20, 40)), neuron, params),
                    Layer(rng.normal(0, scale, (5, 20)), neuron, params)], 40)


def test_ranges_and_units():
    rng = np.random.default_rng(0)
    q, report = quantize(float_net(rng, bias=0.01))
    for layer, rep in zip(q.layers, report.layers):
        w = layer.weights
        assert w.min() >= -256 and w.max() <= 254 and np.all(w % 2 == 0)  # mixed sign: even
        assert max(w.max(), -w.min()) >= 250  # the 8-bit range is used
        assert layer.params["dv"] == 410 and layer.params["du"] == 2048
        assert layer.params["vth"] == round(rep.scale * 1.0)
        assert layer.params["bias_exp"] == 6 and layer.params["bias_mant"] == round(0.01 * rep.scale)
        assert rep.weight_rel_rms_error < 0.02 and rep.worst_case_input_ratio < 1
    assert "layer 0" in str(report) and "k=" in str(report)


def test_large_weights_are_rescaled_not_overflowed():
    rng = np.random.default_rng(1)
    q, report = quantize(float_net(rng, scale=1e4, vth=1e4))
    assert all(abs(layer.weights).max() <= 256 for layer in q.layers)
    assert report.layers[0].scale < 1


def test_threshold_limited_scale_is_reported():
    rng = np.random.default_rng(2)
    q, report = quantize(float_net(rng, scale=1e-4, vth=10.0))
    assert any("threshold" in w for w in report.warnings)
    assert all(layer.params["vth"] <= 2**17 - 1 for layer in q.layers)


def test_fixed_run_follows_float_run():
    """Quantised spikes stay close to float spikes on a random input (not bit-equal)."""
    rng = np.random.default_rng(3)
    net = float_net(rng, neuron="lif")
    x = rng.random((100, 8, 40)) < 0.2
    f = simulate(net, x).counts()
    q = simulate(net, x, precision="fixed").counts()
    assert f.sum() > 50
    assert abs(int(q.sum()) - int(f.sum())) <= 0.05 * f.sum()


def test_dequantize_and_to_precision():
    rng = np.random.default_rng(4)
    net = float_net(rng)
    q, report = quantize(net)
    back = dequantize(q)
    assert back.precision == "float"
    for a, b, k in zip(net.layers, back.layers, report.scales):
        assert np.allclose(a.weights, b.weights, atol=1.0 / k)  # even grid: step 2 / k
    assert to_precision(net, "float") is net
    assert to_precision(q, "fixed") is q
    with pytest.raises(NetworkError, match="precision"):
        to_precision(net, "double")
    with pytest.raises(NetworkError, match="already fixed"):
        quantize(q)
