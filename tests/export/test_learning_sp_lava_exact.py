"""Two-phase SP rule: fallback vs Lava fixed point, identical weights, output spikes and neuron
states (u, v, dendrite, free voltage) after >= 200 learning steps with every layer plastic."""
from __future__ import annotations

import numpy as np
import pytest

from export.lava import lava_available
from export.learning import LearningSpec
from export.learning.adapters import to_learning_network
from export.learning.builders import untrained_network
from export.learning.fallback import run_learning_fixed
from export.learning.stream import sp_stream
from spikeprop.onchip.data import load_spike_frames as load_frames

pytestmark = [pytest.mark.lava, pytest.mark.skipif(not lava_available(), reason="lava-nc is not installed")]


def _sp_net(sizes=(2312, 24, 16, 10)):
    """Every layer plastic from untrained, large rates (exercise rounding, saturation, both channels)."""
    spec = LearningSpec.for_rule("sp", layers="all", target_steps=8, learn_skip=2, lr_exp=-4, hidden_lr_exp=-5,
                                 x1_impulse=20, e_shift=0, hidden_amp=120, hidden_vth=200)
    return to_learning_network(untrained_network(sizes), spec)


def test_sp_rule_bit_exact_with_lava_after_200_learning_steps():
    from export.lava.learning import run_learning_lava

    T, Tt, N = 30, 8, 8  # 8 samples x (30 - 2 skipped) input steps = 224 learning steps
    x, y = load_frames("train", T)
    net = _sp_net()
    xs, tg = sp_stream(x[:N], y[:N], net.target_patterns, Tt, label_delay=len(net.layers) - 1)
    fb = run_learning_fixed(net, xs, tg, reset_interval=T + Tt)
    lv = run_learning_lava(net, xs, tg, reset_interval=T + Tt)
    for i, (wf, wl, layer) in enumerate(zip(fb.weights, lv.weights, net.layers)):
        changed = (wf != ((layer.weights >> 1) << 1)).mean()
        assert changed > 0.05, f"layer {i}: too few weights changed ({changed:.3f}) for a meaningful test"
        np.testing.assert_array_equal(wf, wl, err_msg=f"layer {i} weights differ")
    np.testing.assert_array_equal(fb.out_spikes, lv.out_spikes)
    assert fb.out_spikes.sum() > 0
    for i, (sf, sl) in enumerate(zip(fb.states, lv.states)):
        for name, a, b in zip("uvdf", sf, sl):
            np.testing.assert_array_equal(a, b, err_msg=f"layer {i} state {name} differs")
    assert any(np.abs(s[2]).sum() > 0 for s in fb.states), "dendrites never held a target"
