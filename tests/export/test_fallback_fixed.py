"""Fixed-point fallback: Lava's integer arithmetic on hand-computed cases, and input handling.

(Bit-exactness against Lava itself is in test_lava_equivalence.py.)
"""
from __future__ import annotations

import numpy as np
import pytest

from export.fallback import InputError, simulate
from export.fallback.fixed import dense, lava_weights, trunc_mul
from export.network import Layer, Network


def one_neuron(weights, weight_exp=0, **params):
    p = dict(dv=410, vth=20, bias_mant=0, bias_exp=6)
    p.update(params)
    w = np.atleast_2d(weights)
    return Network([Layer(w, "lif", p, precision="fixed", weight_exp=weight_exp)], w.shape[1])


def test_decay_rounds_toward_zero():
    x = np.array([-5.0, 5.0, -4096.0, 4097.0])
    assert trunc_mul(x, 4095).tolist() == [-4, 4, -4095, 4095]  # 4095.999 -> 4095


def test_weights_clipped_and_mixed_sign_loses_lowest_bit():
    def lw(w):
        return lava_weights(Layer(np.array([w]), "lif", dict(dv=0, vth=1, bias_mant=0, bias_exp=0),
                                  precision="fixed")).tolist()[0]

    assert lw([-300, 3, 255, -3]) == [-256, 2, 254, -4]
    assert lw([300, 5, 0]) == [255, 5, 0]
    assert lw([-300, -5]) == [-255, -5]


def test_negative_weight_exp_is_an_arithmetic_shift():
    layer = Layer(np.array([[-3, -2], [3, 2]]), "lif", dict(dv=0, vth=1, bias_mant=0, bias_exp=0),
                  precision="fixed", weight_exp=-1)
    # mixed sign: -3 -> -4 first; sums -4 -> -2, -6 -> -3 (floor), 2 -> 1, 4 -> 2
    a = dense(layer, np.array([[1, 0], [1, 1], [0, 1], [1, 1]], dtype=bool))
    assert a.tolist() == [[-2, 1], [-3, 2], [-1, 1], [-3, 2]]


def test_hand_computed_voltage_sequence():
    """u = 10 << 6 = 640 each step; v = trunc(v * 3686 / 4096) + 640; fire above 20 << 6."""
    r = simulate(one_neuron([[10]]), np.ones((6, 1)), record=True)
    assert r.layers[0]["v"][:, 0].tolist() == [640, 1215, 0, 640, 1215, 0]
    assert r.spikes[:, 0].tolist() == [False, False, True, False, False, True]
    neg = simulate(one_neuron([[-10]]), np.ones((3, 1)), record=True)
    assert neg.layers[0]["v"][:, 0].tolist() == [-640, -1215, -1733]  # -575.9 -> -575


def test_u_wraps_at_24_bits_exactly_like_lava():
    # two inputs x 255 << 9 << 6 = 16,711,680 > 2**23 -> 16,711,680 - 2**24 = -65,536
    r = simulate(one_neuron([[255, 255]], weight_exp=9, vth=131071), np.ones((1, 2)), record=True)
    assert r.layers[0]["u"][0, 0] == -65_536
    # exactly 2**23 is not wrapped, exactly -2**23 is (Lava's comparisons are > and <=)
    up = simulate(one_neuron([[128]], weight_exp=10, vth=131071), np.ones((1, 1)), record=True)
    down = simulate(one_neuron([[-128]], weight_exp=10, vth=131071), np.ones((1, 1)), record=True)
    assert up.layers[0]["u"][0, 0] == 2**23 and down.layers[0]["u"][0, 0] == 2**23


def test_v_saturates_at_24_bits():
    r = simulate(one_neuron([[-255]], weight_exp=7, dv=0, vth=131071), np.ones((5, 1)), record=True)
    assert r.layers[0]["v"][:, 0].tolist() == [-2088960, -4177920, -6266880, -8355840, -(2**23 - 1)]


def test_bias_is_mantissa_shifted_by_exponent():
    r = simulate(one_neuron([[0]], dv=4096, vth=131071, bias_mant=-3, bias_exp=7), np.zeros((2, 1)), record=True)
    assert r.layers[0]["v"][:, 0].tolist() == [-384, -384]


def test_lava_time_is_aligned_time_delayed_by_one_step_per_layer():
    rng = np.random.default_rng(0)
    net = Network([Layer(rng.integers(-256, 256, (8, 10)), "cuba_lif",
                         dict(du=1000, dv=300, vth=100, bias_mant=0, bias_exp=6), precision="fixed"),
                   Layer(rng.integers(-256, 256, (4, 8)), "lif", dict(dv=300, vth=100, bias_mant=0, bias_exp=6),
                         precision="fixed")], 10)
    x = rng.random((40, 3, 10)) < 0.3
    raw = simulate(net, x, align=False).spikes
    aligned = simulate(net, x, align=True).spikes
    assert aligned.sum() > 0
    assert np.array_equal(raw[2:], aligned[:-2]) and not raw[:2].any()


def test_layouts_and_single_sample():
    rng = np.random.default_rng(1)
    net = one_neuron(rng.integers(0, 200, (3, 5)), vth=100)
    x = rng.random((20, 4, 5)) < 0.5
    tbn = simulate(net, x).spikes
    btn = simulate(net, x.transpose(1, 0, 2), layout="BTN").spikes
    assert np.array_equal(btn, tbn.transpose(1, 0, 2))
    assert np.array_equal(simulate(net, x[:, 2]).spikes, tbn[:, 2])
    assert simulate(net, x.astype(np.float32) * 3).spikes.tolist() == tbn.tolist()  # any non-zero = spike


def test_bad_inputs_get_one_clear_error():
    net = one_neuron(np.ones((2, 5), int))
    with pytest.raises(InputError, match="width 4.*5 inputs"):
        simulate(net, np.zeros((10, 2, 4)))
    with pytest.raises(InputError, match="must be \\(T, N\\)"):
        simulate(net, np.zeros(5))
    with pytest.raises(InputError, match="layout"):
        simulate(net, np.zeros((3, 5)), layout="NTB")
    with pytest.raises(InputError, match="dendritic input"):
        simulate(net, np.zeros((3, 5)), dendrite=[np.zeros((3, 2))])
