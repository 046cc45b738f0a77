"""The numpy replica of Lava's fixed-point learning engine, without Lava."""
from __future__ import annotations

import numpy as np
import pytest

from export.learning.engine_fixed import (ACC_SHIFT, W_ACC_U, W_MAX, W_MIN, W_WEIGHTS_U, FixedLearningState,
                                          add_impulse, apply_products, decay_trace, learning_step, round_weights,
                                          stochastic_round)
from export.learning.stream import target_stream
from export.learning.fallback import infer_fixed, run_learning_fixed
from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams, initial_state, sp_neuron_fixed_step
from export.learning.rule import ThreeFactorRule


def test_rule_string_and_validation():
    assert ThreeFactorRule(lr_exp=-4).dw == "2^-4*u0*x1*y2 - 2^-4*u0*x1*y3"
    with pytest.raises(ValueError, match="lr_exp"):
        ThreeFactorRule(lr_exp=-8)
    with pytest.raises(ValueError, match="x1_impulse"):
        ThreeFactorRule(x1_impulse=200)


def test_trace_decay_and_impulse_by_hand():
    # exp(-1/4) * 100 = 77.88: floor 77, +1 when the random number is below 0.88
    assert decay_trace(np.array([[100]]), 4, 0.5)[0, 0] == 78
    assert decay_trace(np.array([[100]]), 4, 0.95)[0, 0] == 77
    assert add_impulse(np.array([120]), 0, 16)[0] == 127  # saturates at 7 bits


def test_one_product_by_hand():
    # 2^-3 * x1 * y2 with x1 = 10, y2 = 20: 200 * 1 >> 3 (18-bit product) << (7 - 3) = 400;
    # the accumulator holds weights << 7, so dw = 400 / 128 = 3.125 -> 3 or 4 by stochastic rounding.
    rule = ThreeFactorRule(lr_exp=-3)
    acc = apply_products(np.zeros((1, 1), dtype=np.int32), rule.products[:1],
                         {"u": 1, "x1": np.array([[10]]), "y2": np.array([[20]])})
    assert acc[0, 0] == 400
    assert round_weights(acc, 0.5)[0, 0] == 3 and round_weights(acc, 0.1)[0, 0] == 4


def test_signs_determinism_and_range():
    rule = ThreeFactorRule(lr_exp=0, x1_impulse=127, rng_seed=3)
    w0 = np.zeros((2, 3), dtype=np.int32)
    runs = []
    for _ in range(2):
        st = FixedLearningState.create(w0, rule)
        for _ in range(50):
            learning_step(st, rule, np.array([1, 0, 1], bool), np.array([127, 0]), np.array([0, 127]))
        runs.append(st.weights.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    w = runs[0]
    assert (w[0, [0, 2]] == 255).all() and (w[1, [0, 2]] == -256).all()  # saturates at 8 bits
    assert (w[:, 1] == 0).all()  # no pre activity, no change


def test_neuron_error_channels():
    p = SPNeuronParams(vth=10_000, dd=0, fb=0, e_shift=0)
    s, y2, y3, st = sp_neuron_fixed_step(np.zeros(2), np.array([50, -50]), initial_state(2), p)
    assert list(y2) == [50, 0] and list(y3) == [0, 50] and not s.any()


def test_output_layer_learns_two_patterns():
    """Two disjoint input patterns, targets on two output neurons: after learning the frozen
    layer answers each pattern with its own neuron."""
    rng = np.random.default_rng(0)
    T, n_in = 20, 40
    pats = np.zeros((2, n_in), bool)
    pats[0, :20], pats[1, 20:] = True, True
    labels = rng.integers(0, 2, 60)
    x = (rng.random((60, T, n_in)) < 0.3) & pats[labels][:, None, :]
    layer = LearningLayer(weights=np.zeros((2, n_in), int), neuron=SPNeuronParams(vth=100, fb=32, e_shift=2),
                          rule=ThreeFactorRule(lr_exp=-5, x1_impulse=16, x1_tau=4),
                          target_weights=np.eye(2, dtype=int) * 8)
    net = LearningNetwork([layer], n_classes=2)
    run = run_learning_fixed(net, x.reshape(-1, n_in), target_stream(labels, T, 2))
    counts = infer_fixed(net.with_weights(run.weights).frozen(), np.swapaxes(x[:20], 0, 1))
    assert (counts.argmax(1) == labels[:20]).mean() >= 0.9


def round_weights_lava(acc: np.ndarray, random: float) -> np.ndarray:
    """Lava's float formulation of ``round_weights`` (the reference the integer version must equal)."""
    exp_mant = 2 ** (W_ACC_U - W_WEIGHTS_U)
    q = acc / exp_mant
    q = stochastic_round(np.floor(q), random, q % 1)
    w = (q * exp_mant).astype(acc.dtype) >> ACC_SHIFT
    return np.clip(w, W_MIN, W_MAX).astype(np.int32)


def test_integer_rounding_equals_lavas_float_rounding():
    rng = np.random.default_rng(1)
    acc = rng.integers(-(2 ** 15) - 1, 2 ** 15, 20000).astype(np.int32)
    for r in rng.random(20):
        np.testing.assert_array_equal(round_weights(acc, r), round_weights_lava(acc, r))


@pytest.mark.parametrize("lr_exp,impulse", [(-7, 4), (-5, 40), (-2, 127), (3, 20)])
def test_sparse_update_equals_lavas_arithmetic_on_every_synapse(lr_exp, impulse):
    """``learning_step`` (only the synapses that change) == ``learning_step_dense`` (Lava's
    accumulate, round and clip on every active synapse), including saturation at both ends."""
    from export.learning.engine_fixed import learning_step_dense

    rng = np.random.default_rng(lr_exp + 10)
    rule = ThreeFactorRule(lr_exp=lr_exp, x1_impulse=impulse, x1_tau=4, rng_seed=3)
    w0 = rng.integers(-256, 256, (40, 200))
    a, b = FixedLearningState.create(w0, rule), FixedLearningState.create(w0, rule)
    for _ in range(150):
        s = rng.random(200) < 0.1
        e = rng.integers(-127, 128, 40) * (rng.random(40) < 0.5)
        learning_step(a, rule, s, np.clip(e, 0, 127), np.clip(-e, 0, 127))
        learning_step_dense(b, rule, s, np.clip(e, 0, 127), np.clip(-e, 0, 127))
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.x1, b.x1)
    assert np.abs(a.weights - ((w0 >> 1) << 1)).mean() > 1


def test_block_draws_are_the_per_step_sequence():
    """The engine draws Lava's per-step random numbers in blocks: numpy gives the same numbers."""
    from export.learning.engine_fixed import BLOCK, ConnVarRandom, TraceRandom

    tr, cv = TraceRandom(5, 6), ConnVarRandom()
    rd, ri, rw = np.random.default_rng(5), np.random.default_rng(6), np.random.default_rng(2)
    for _ in range(BLOCK + 10):
        assert tr.decay == rd.random(1)[0] and tr.impulse == ri.integers(0, 128, size=1, dtype=int)[0]
        assert cv.value == rw.random(1)[0]
        tr.advance(), cv.advance()
