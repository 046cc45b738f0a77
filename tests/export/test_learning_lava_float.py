"""Lava float learning (``SPNeuron`` floating_pt model + Lava's float ``LearningDense`` engine) vs the
fallback's float path (``export.learning.float_ref``) on real N-MNIST: same weights after learning.

Tolerance: both sides run float64 with the same operations in the same order (the rule's ``2^-3``
and the weight exponent are powers of two, exact in float), so on this machine the weights are
bit-identical (max difference 0). The test allows 1e-9 relative / 1e-6 absolute (weights are
O(100)) so that a different numpy summation order or Lava's asteval evaluation order (a few ulps
per step) does not fail it; it is not float32-level slack. Unlike fixed point there is no shared
random stream to replay, so exactness is a property of the arithmetic, not of the seeds.
"""
from __future__ import annotations

import numpy as np
import pytest

from export.lava import lava_available
from export.learning import LearningSpec, to_fallback
from export.network import Layer, Network
from spikeprop.onchip.data import load_spike_frames as load_frames

pytestmark = [pytest.mark.lava, pytest.mark.skipif(not lava_available(), reason="lava-nc is not installed")]

T, N_SAMPLES = 20, 8  # 8 samples x 20 bins = 160 learning steps


def _network() -> Network:
    """Fixed-point 2312-24-10 LIF network; the output layer has weight_exp 1 (exercises the float
    Dense's missing weight exponent: Lava float holds w * 2^weight_exp)."""
    rng = np.random.default_rng(3)
    w0 = (rng.integers(-100, 100, (24, 2312)) // 2) * 2
    w1 = (rng.integers(-60, 60, (10, 24)) // 2) * 2
    p0 = {"dv": 410, "vth": 200, "bias_mant": 0, "bias_exp": 6}
    p1 = {"dv": 410, "vth": 128, "bias_mant": 0, "bias_exp": 6}
    return Network([Layer(w0, "lif", p0, precision="fixed"),
                    Layer(w1, "lif", p1, precision="fixed", weight_exp=1)], 2312)


def test_lava_float_learning_matches_fallback_float_on_nmnist():
    from export.lava.build import to_lava

    x, y = load_frames("train", T)
    x, y = x[:N_SAMPLES], y[:N_SAMPLES]
    # both layers plastic from the network's weights, large rates, per-sample state resets, hidden gate
    spec = LearningSpec(layers="all", reset_weights=False, lr_exp=-3, hidden_lr_exp=-5, x1_impulse=20,
                        e_shift=0, fb=24, target_w=10, gate=(-400, 400), target_period=2)
    lava = to_lava(_network(), precision="float", learning=spec)
    ref = to_fallback(_network(), spec, precision="float")
    assert lava.net.layers[1].weight_exp == 1
    rl = lava.learn(x, y)
    rf = ref.learn(x, y)
    assert rl.steps == rf.steps == N_SAMPLES * T
    for i in range(2):
        changed = (rf.weights[i] != rf.weights_before[i]).mean()
        assert changed > 0.05, f"layer {i}: too few weights changed ({changed:.3f}) for a meaningful test"
        assert np.abs(rf.weights[i] - rf.weights_before[i]).max() > 1.0, f"layer {i} barely moved"
        assert rl.weights[i].dtype == np.float64 and not np.all(rl.weights[i] == np.round(rl.weights[i]))
        np.testing.assert_allclose(rl.weights[i], rf.weights[i], rtol=1e-9, atol=1e-6, err_msg=f"layer {i}")
    np.testing.assert_array_equal(rl.out_spikes, rf.out_spikes)
    assert rf.out_spikes.sum() > 0
    # the learner keeps the learned float weights; frozen inference is the same numpy path
    np.testing.assert_array_equal(lava.counts(x[:4]), ref.counts(x[:4]))


def test_sp_rule_lava_float_matches_fallback_float():
    """The two-phase sp rule, every layer plastic from untrained (2312-24-10), per-sample clock:
    Lava float (SPNeuron floating_pt + float LearningDense) == the fallback's float path."""
    from export.learning.builders import untrained_network

    x, y = load_frames("train", 16, limit=6)  # 6 samples x (6 target + 16 input) steps, 72 learning steps
    spec = LearningSpec.for_rule("sp", layers="all", target_steps=6, learn_skip=2, lr_exp=-4, hidden_lr_exp=-5,
                                 x1_impulse=20, e_shift=0, hidden_e_shift=0, hidden_amp=120, hidden_vth=200)
    lava = learner_for(untrained_network((2312, 24, 10)), spec, "lava")
    ref = learner_for(untrained_network((2312, 24, 10)), spec, "fallback")
    rl, rf = lava.learn(x, y), ref.learn(x, y)
    assert rl.steps == rf.steps == 6 * 22 and rf.learning_steps == 6 * 16
    for i in range(2):
        moved = np.abs(rf.weights[i] - rf.weights_before[i])
        assert (moved > 0).mean() > 0.05 and moved.max() > 1.0, f"layer {i} barely learned"
        np.testing.assert_allclose(rl.weights[i], rf.weights[i], rtol=1e-9, atol=1e-6, err_msg=f"layer {i}")
    np.testing.assert_array_equal(rl.out_spikes, rf.out_spikes)
    assert rf.out_spikes.sum() > 0


def learner_for(network: Network, spec: LearningSpec, backend: str):
    from export.backend import learner

    return learner(network, spec, backend, "float", quiet=True)
