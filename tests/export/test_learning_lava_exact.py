"""Fallback vs Lava fixed point: identical weights after >= 200 learning steps on real N-MNIST."""
from __future__ import annotations

import numpy as np
import pytest

from export.lava import lava_available
from export.learning.stream import target_stream
from export.learning.fallback import run_learning_fixed
from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams
from export.learning.rule import ThreeFactorRule
from spikeprop.onchip.data import load_spike_frames as load_frames

pytestmark = [pytest.mark.lava, pytest.mark.skipif(not lava_available(), reason="lava-nc is not installed")]


def _two_plastic_layers() -> LearningNetwork:
    """2312-24-10, both plastic, random initial weights, large learning rate (exercises rounding,
    saturation, both error channels)."""
    rng = np.random.default_rng(3)
    hid = LearningLayer(weights=(rng.integers(-100, 100, (24, 2312)) // 2) * 2,
                        neuron=SPNeuronParams(vth=200, fb=24, e_shift=0, gate_lo=-400, gate_hi=400),
                        rule=ThreeFactorRule(lr_exp=-5, x1_impulse=20, x1_tau=4, rng_seed=11),
                        target_weights=rng.choice([-10, 10], size=(24, 10)))
    out = LearningLayer(weights=(rng.integers(-60, 60, (10, 24)) // 2) * 2, weight_exp=1,
                        neuron=SPNeuronParams(vth=128, fb=32, e_shift=0),
                        rule=ThreeFactorRule(lr_exp=-3, x1_impulse=30, x1_tau=3, rng_seed=5),
                        target_weights=np.eye(10, dtype=int) * 8)
    return LearningNetwork([hid, out])


def test_weights_bit_exact_after_240_learning_steps_on_nmnist():
    from export.lava.learning import run_learning_lava

    T = 60
    x, y = load_frames("train", T)
    x, y = x[:4], y[:4]  # 4 samples x 60 bins = 240 learning steps
    stream, target = x.reshape(-1, 2312), target_stream(y, T, period=2)
    net = _two_plastic_layers()
    fb = run_learning_fixed(net, stream, target)
    lv = run_learning_lava(net, stream, target)
    for i, (wf, wl, layer) in enumerate(zip(fb.weights, lv.weights, net.layers)):
        changed = (wf != ((layer.weights >> 1) << 1)).mean()
        assert changed > 0.05, f"layer {i}: too few weights changed ({changed:.3f}) for a meaningful test"
        np.testing.assert_array_equal(wf, wl, err_msg=f"layer {i} weights differ")
    np.testing.assert_array_equal(fb.out_spikes, lv.out_spikes)
    assert fb.out_spikes.sum() > 0


def test_rule_products_match_lava_parser():
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

    for lr in (-7, -4, 0, 3):
        rule = ThreeFactorRule(lr_exp=lr)
        lava_rule = Loihi3FLearningRule(**rule.lava_kwargs())
        got = [(p.s_mantissa, p.s_exp, p.dependency, tuple(f.state_var for f in p.factors))
               for p in lava_rule.active_product_series["dw"].products]
        assert got == [tuple(p) for p in rule.products]
