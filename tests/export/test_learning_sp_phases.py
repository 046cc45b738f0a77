"""The two-phase SP neuron and stream, by hand (no Lava)."""
from __future__ import annotations

import numpy as np
import pytest

from export.errors import NetworkError
from export.learning import LearningSpec
from export.learning.adapters import to_learning_network
from export.learning.builders import untrained_network
from export.learning.neuron import SPNeuronParams, initial_state, phase_reset, sp_neuron_fixed_step
from export.learning.stream import sp_stream


def _run(p, a_in, a_dend):
    st, out = initial_state(1), []
    for k, (a, b) in enumerate(zip(a_in, a_dend)):
        st = phase_reset(st, k, p)
        s, y2, y3, st = sp_neuron_fixed_step(np.array([a]), np.array([b]), st, p, k)
        out.append((int(y2[0]), int(y3[0]), int(st.d[0]), int(st.f[0])))
    return out


def test_hidden_dendrite_holds_target_response_and_error_sign():
    p = SPNeuronParams(vth=1000, dv=410, two_phase=True, target_steps=4, learn_skip=1, act_lo=0, act_hi=200,
                       e_shift=0)
    # strong target pass (10 per step), weak input pass (2 per step): the error must be positive
    out = _run(p, [10] * 4 + [2] * 6, [0] * 10)
    assert all(y2 == y3 == 0 for y2, y3, _, _ in out[:5])  # target phase and the skipped step: no learning
    assert out[3][2] == out[3][3] > 0 and all(o[2] == out[3][2] for o in out[4:])  # d = f at phase end, held
    assert out[4][3] == 2 << 6  # soma restarted from rest at the input phase
    assert all(y2 > 0 and y3 == 0 for y2, y3, _, _ in out[5:])
    out = _run(p, [2] * 4 + [10] * 6, [0] * 10)  # weak target, strong input: negative error
    assert all(y3 > 0 and y2 == 0 for y2, y3, _, _ in out[5:])


def test_output_dendrite_holds_the_label_drive():
    p = SPNeuronParams(vth=1000, two_phase=True, target_steps=3, act_lo=0, act_hi=100, self_target=False)
    out = _run(p, [50] * 3 + [0] * 3, [100] * 3 + [0] * 3)
    assert out[2][2] == 100 << 6 and out[5][2] == 100 << 6  # own response ignored, label kept


def test_sp_stream_layout_and_label_delay():
    x = np.zeros((2, 5, 6), dtype=bool)
    x[:, :, 0] = True
    pat = np.eye(3, 6, k=3, dtype=bool)
    xs, tg = sp_stream(x, np.array([1, 2]), pat, 2, label_delay=1)
    assert xs.shape == (14, 6) and tg.shape == (14, 3)
    assert xs[0, 4] and xs[1, 4] and xs[2:7, 0].all() and xs[7, 5] and not xs[7, 0]
    assert tg[:, 1].nonzero()[0].tolist() == [1, 2] and tg[:, 2].nonzero()[0].tolist() == [8, 9]


def test_sp_spec_builds_two_phase_network_and_validates():
    spec = LearningSpec.for_rule("sp", layers="all", target_steps=6)
    net = to_learning_network(untrained_network((40, 8, 3)), spec)
    assert net.target_steps == 6 and net.target_patterns.shape == (3, 40)
    hid, out = net.layers
    assert hid.neuron.two_phase and hid.neuron.self_target and hid.target_weights is None
    assert not out.neuron.self_target and (out.target_weights << out.target_exp).max() == out.neuron.act_hi
    assert np.all(out.weights == 0) and hid.plastic and out.plastic
    with pytest.raises(NetworkError, match="unknown learning rule"):
        LearningSpec(rule="bp")
    with pytest.raises(NetworkError, match="target_steps"):
        LearningSpec(rule="sp", target_steps=0)
