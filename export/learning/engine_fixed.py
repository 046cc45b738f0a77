"""Numpy replica of Lava's fixed-point learning engine (``LearningConnectionModelBitApproximate``
with a ``Loihi3FLearningRule``, t_epoch=1, binary spikes, mixed-sign weights).

Written from lava-nc 0.10.0's ``magma/core/model/py/connection.py`` and
``learning/learning_rule_applier.py`` so weights match Lava bit for bit. Lava's stochastic rounding
draws ONE random number per step for all synapses from numpy generators seeded by the rule's
``rng_seed`` (traces) and by the constant 2 (weights); replaying the same generators in the same
order makes it deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from export.learning.rule import Y_TAU_3F, Product, ThreeFactorRule

W_TRACE = 7
W_TRACE_FRAC = 8
W_S_MANT = 4
W_ACC_U = 15
W_WEIGHTS_U = 8
ACC_SHIFT = (W_ACC_U + 1) - (W_WEIGHTS_U + 1)  # weights live << 7 in the 16-bit accumulator
FACTOR_WIDTH = {"x0": 1, "y0": 1, "x1": W_TRACE, "x2": W_TRACE, "y1": W_TRACE, "y2": W_TRACE, "y3": W_TRACE}
W_MIN, W_MAX = -(2 ** W_WEIGHTS_U), 2 ** W_WEIGHTS_U - 1  # Lava's clip_weights, mixed sign


class TraceRandom:
    """Lava's ``TraceRandom``: one float (decay rounding) and one int (impulse rounding) per step."""

    def __init__(self, seed_decay: int, seed_impulse: int) -> None:
        self._rd = np.random.default_rng(seed=seed_decay)
        self._ri = np.random.default_rng(seed=seed_impulse)
        self.advance()

    def advance(self) -> None:
        self.decay = self._rd.random(1)[0]
        self.impulse = self._ri.integers(0, 2 ** W_TRACE, size=1, dtype=int)[0]


class ConnVarRandom:
    """Lava's ``ConnVarRandom`` (default seed 2): one float per step for weight rounding."""

    def __init__(self, seed: int = 2) -> None:
        self._r = np.random.default_rng(seed=seed)
        self.advance()

    def advance(self) -> None:
        self.value = self._r.random(1)[0]


def truncate_mixed(weights: np.ndarray) -> np.ndarray:
    """What Lava's learning Dense does once before the first step: drop the lowest bit (mixed sign)."""
    return (np.asarray(weights).astype(np.int32) >> 1) << 1


def stochastic_round(values: np.ndarray, random, probabilities) -> np.ndarray:
    return (values + np.asarray(random < probabilities).astype(int)).astype(int)


def decay_trace(trace: np.ndarray, tau: int, random: float) -> np.ndarray:
    """Exponential decay by one step with stochastic rounding (Lava ``_decay_trace``)."""
    scaled = np.exp(-1 / np.array([[tau]])) * trace
    return stochastic_round(np.floor(scaled), random, scaled % 1)


def add_impulse(trace: np.ndarray, random: int, impulse: float) -> np.ndarray:
    """Add a trace impulse, round its fraction stochastically, saturate to 7 bits (``_add_impulse``)."""
    i_int = int(np.floor(impulse))
    i_frac = int(np.round((impulse - i_int) * 2 ** W_TRACE_FRAC))
    out = stochastic_round(trace + i_int, random, i_frac)
    return np.clip(out, 0, 2 ** W_TRACE - 1)


def apply_products(acc: np.ndarray, products: tuple[Product, ...], values: dict) -> np.ndarray:
    """Lava's ``LearningRuleApplierBitApprox.apply`` on the shifted weights ``acc``."""
    result = acc
    for p in products:
        cur = np.ones(acc.shape, dtype=np.int32) * values[p.dependency]
        width = 0
        for f in p.factors:
            w = FACTOR_WIDTH[f]
            width += w
            cur *= np.clip(values[f], -(2 ** w), 2 ** w - 1).astype(np.int32)
        width += W_S_MANT
        cur *= p.mantissa
        cur = np.right_shift(cur, max(0, width - W_ACC_U))
        cur = np.left_shift(cur, p.s_exp)
        cur = np.clip(cur, -(2 ** W_ACC_U) - 1, 2 ** W_ACC_U - 1)
        result = np.clip(result + cur, -(2 ** W_ACC_U) - 1, 2 ** W_ACC_U - 1)
    return result


def round_weights(acc: np.ndarray, random: float) -> np.ndarray:
    """Stochastic rounding to the 8-bit weight grid, shift back, saturate (Lava's three steps).

    Lava computes ``q = acc / 128; floor(q) + (random < q % 1)``; for integer ``acc`` that is
    exactly ``(acc >> 7) + ((acc & 127) > random * 128)`` (all values are exact binary fractions),
    which is what runs here, in integers, for speed."""
    frac_bits = W_ACC_U - W_WEIGHTS_U  # 7
    w = (acc >> frac_bits) + ((acc & (2 ** frac_bits - 1)) > random * 2 ** frac_bits)
    return np.clip(w, W_MIN, W_MAX).astype(np.int32)


@dataclass
class FixedLearningState:
    """State of one plastic connection (post x pre weights) in fixed point."""

    weights: np.ndarray
    x1: np.ndarray
    x_rand: TraceRandom
    y_rand: TraceRandom
    w_rand: ConnVarRandom = field(default_factory=ConnVarRandom)
    time_step: int = 0

    @classmethod
    def create(cls, weights: np.ndarray, rule: ThreeFactorRule) -> "FixedLearningState":
        w = np.asfortranarray(truncate_mixed(weights))  # column (pre) slices are contiguous
        s = rule.rng_seed
        return cls(weights=w, x1=np.zeros(w.shape[1], dtype=int),
                   x_rand=TraceRandom(s, s + 1), y_rand=TraceRandom(s + 2, s + 3))


def learning_step(st: FixedLearningState, rule: ThreeFactorRule, s_pre: np.ndarray,
                  y2: np.ndarray, y3: np.ndarray) -> None:
    """One time step of spike bookkeeping + learning phase, in place.

    ``s_pre``: pre spikes received this step; ``y2``/``y3``: third factors the post neuron sent this
    step. The post spike (bAP) does not enter this rule. Weights used for this step's synaptic
    output must be read BEFORE calling (Lava computes activations, then learns).
    """
    st.time_step += 1
    # run_spk: recv_traces advances the trace generators twice (before and after the post side).
    for _ in range(2):
        st.x_rand.advance()
        st.y_rand.advance()
    # run_lrn
    st.w_rand.advance()
    spiked = np.asarray(s_pre, dtype=bool)
    x1 = decay_trace(st.x1[np.newaxis, :], rule.x1_tau, st.x_rand.decay)[0]
    if spiked.any():
        x1[spiked] = add_impulse(x1[spiked], st.x_rand.impulse, rule.x1_impulse)
    st.x1 = x1
    # y traces are the received third factors, decayed one step (tau = 65535) with rounding.
    y = np.stack([np.asarray(y2, dtype=int), np.asarray(y3, dtype=int)])
    y = decay_trace(y, Y_TAU_3F, st.y_rand.decay)
    rows = np.flatnonzero((y[0] != 0) | (y[1] != 0))
    cols = np.flatnonzero(x1 != 0)
    if rows.size == 0 or cols.size == 0:
        return  # dw == 0 everywhere; the rounding of unchanged integer weights is the identity
    all_rows = rows.size == st.weights.shape[0]
    sub = (st.weights[:, cols] if all_rows else st.weights[np.ix_(rows, cols)]) << ACC_SHIFT
    values = {"u": 1, "x1": x1[cols][np.newaxis, :], "x2": np.zeros((1, cols.size), dtype=int),
              "y2": y[0, rows][:, np.newaxis], "y3": y[1, rows][:, np.newaxis]}
    acc = apply_products(sub, rule.products, values)
    new = round_weights(acc, st.w_rand.value)
    if all_rows:
        st.weights[:, cols] = new
    else:
        st.weights[np.ix_(rows, cols)] = new
