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


BLOCK = 4096  # random numbers drawn per generator call (same sequence as one call per step)


class _Stream:
    """Successive draws of one generator, fetched ``BLOCK`` at a time: numpy's ``random(n)`` and
    ``integers(0, k, n)`` give the same numbers as ``n`` calls of size 1 (checked in a test)."""

    def __init__(self, rng: np.random.Generator, draw) -> None:
        self._rng, self._draw, self._buf, self._i = rng, draw, None, BLOCK

    def next(self):
        if self._i == BLOCK:
            self._buf, self._i = self._draw(self._rng), 0
        self._i += 1
        return self._buf[self._i - 1]


class TraceRandom:
    """Lava's ``TraceRandom``: one float (decay rounding) and one int (impulse rounding) per step."""

    def __init__(self, seed_decay: int, seed_impulse: int) -> None:
        self._rd = _Stream(np.random.default_rng(seed=seed_decay), lambda r: r.random(BLOCK))
        self._ri = _Stream(np.random.default_rng(seed=seed_impulse),
                           lambda r: r.integers(0, 2 ** W_TRACE, size=BLOCK, dtype=int))
        self.advance()

    def advance(self) -> None:
        self.decay = self._rd.next()
        self.impulse = self._ri.next()


class ConnVarRandom:
    """Lava's ``ConnVarRandom`` (default seed 2): one float per step for weight rounding."""

    def __init__(self, seed: int = 2) -> None:
        self._r = _Stream(np.random.default_rng(seed=seed), lambda r: r.random(BLOCK))
        self.advance()

    def advance(self) -> None:
        self.value = self._r.next()


def truncate_mixed(weights: np.ndarray) -> np.ndarray:
    """What Lava's learning Dense does once before the first step: drop the lowest bit (mixed sign)."""
    return (np.asarray(weights).astype(np.int32) >> 1) << 1


def stochastic_round(values: np.ndarray, random, probabilities) -> np.ndarray:
    return (values + np.asarray(random < probabilities).astype(int)).astype(int)


_DECAY_FACTORS: dict = {}


def _decay_factor(tau: int) -> float:
    """``exp(-1/tau)`` exactly as ``decay_trace`` computes it (the same numpy call), cached."""
    if tau not in _DECAY_FACTORS:
        _DECAY_FACTORS[tau] = np.exp(-1 / np.array([[tau]]))[0, 0]
    return _DECAY_FACTORS[tau]


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

    Same result as :func:`learning_step_dense` (Lava's arithmetic transcribed step by step), but
    only the synapses whose weight changes are touched (see :func:`_sparse_update`).
    """
    x1, y = _advance_traces(st, rule, s_pre, y2, y3)
    rows = np.flatnonzero((y[0] != 0) | (y[1] != 0))
    cols = np.flatnonzero(x1 != 0)
    if rows.size == 0 or cols.size == 0:
        return  # dw == 0 everywhere; the rounding of unchanged integer weights is the identity
    if not _sparse_update(st, rule, x1, y, rows, cols):
        _dense_update(st, rule, x1, y, rows, cols)


def learning_step_dense(st: FixedLearningState, rule: ThreeFactorRule, s_pre: np.ndarray,
                        y2: np.ndarray, y3: np.ndarray) -> None:
    """:func:`learning_step` with Lava's arithmetic on every (active row, active column) synapse:
    the direct transcription, kept as the reference the sparse update is tested against."""
    x1, y = _advance_traces(st, rule, s_pre, y2, y3)
    rows = np.flatnonzero((y[0] != 0) | (y[1] != 0))
    cols = np.flatnonzero(x1 != 0)
    if rows.size and cols.size:
        _dense_update(st, rule, x1, y, rows, cols)


def _advance_traces(st: FixedLearningState, rule: ThreeFactorRule, s_pre, y2, y3) -> tuple[np.ndarray, np.ndarray]:
    """Spike bookkeeping of one step: the random draws, x1 decayed + impulses, y decayed.
    Zero traces stay zero under Lava's decay (floor 0, fraction 0), so only non-zero ones are decayed."""
    st.time_step += 1
    # run_spk: recv_traces advances the trace generators twice (before and after the post side).
    for _ in range(2):
        st.x_rand.advance()
        st.y_rand.advance()
    # run_lrn
    st.w_rand.advance()
    x1 = st.x1
    nz = np.flatnonzero(x1)
    spiked = np.flatnonzero(s_pre)
    if nz.size or spiked.size:
        x1 = x1.copy()
    if nz.size:  # decay_trace on the non-zero traces, with its factor computed once per rule
        scaled = _decay_factor(rule.x1_tau) * x1[nz]
        x1[nz] = np.floor(scaled).astype(int) + (st.x_rand.decay < scaled % 1)
    if spiked.size:
        x1[spiked] = add_impulse(x1[spiked], st.x_rand.impulse, rule.x1_impulse)
    st.x1 = x1
    # y traces are the received third factors, decayed one step (tau = 65535) with rounding.
    y = np.stack([np.asarray(y2, dtype=int), np.asarray(y3, dtype=int)])
    ynz = np.flatnonzero(y)
    if ynz.size:
        flat = y.reshape(-1)
        scaled = _decay_factor(Y_TAU_3F) * flat[ynz]
        flat[ynz] = np.floor(scaled).astype(int) + (st.y_rand.decay < scaled % 1)
    return x1, y


def _dense_update(st: FixedLearningState, rule: ThreeFactorRule, x1, y, rows, cols) -> None:
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


def _product_delta(p: np.ndarray, prod: Product, r: float) -> np.ndarray:
    """Weight change of one synapse whose product term is ``x1 * y = p`` (the other product is 0).

    Lava: ``acc = (w << 7) + c`` with ``c = clip(((m * p) >> 3) << s_exp)`` (16 bits), then
    ``w' = clip((acc >> 7) + ((acc & 127) > r * 128))``. As ``w << 7`` has no low bits, that is
    ``clip(w + (c >> 7) + ((c & 127) > r * 128))`` (the accumulator's 16-bit clip only ever
    saturates where the final 8-bit clip saturates too), a function of ``p`` alone."""
    width = sum(FACTOR_WIDTH[f] for f in prod.factors) + W_S_MANT
    c = np.left_shift(np.right_shift(p * prod.mantissa, max(0, width - W_ACC_U)), prod.s_exp)
    c = np.clip(c, -(2 ** W_ACC_U) - 1, 2 ** W_ACC_U - 1)
    return (c >> ACC_SHIFT) + ((c & (2 ** ACC_SHIFT - 1)) > r * 2 ** ACC_SHIFT)


def _sparse_update(st: FixedLearningState, rule: ThreeFactorRule, x1, y, rows, cols) -> bool:
    """The update of :func:`_dense_update` restricted to the synapses that change. The rule is
    ``+x1*y2 - x1*y3`` and a neuron sends only one of y2/y3, so a synapse's change depends only
    on (x1_j, y_i) (:func:`_product_delta`); x1 takes few distinct values, so the change is
    computed per (value, row) and applied to the columns holding that value. Returns False
    (nothing done) for a rule or input outside that form."""
    prods = rule.products
    if (len(prods) != 2 or any(p.dependency != "u" or p.factors != ("x1", f) for p, f in zip(prods, ("y2", "y3")))
            or np.any((y[0, rows] != 0) & (y[1, rows] != 0))):
        return False
    r = st.w_rand.value
    xv = x1[cols]
    vals, inv = np.unique(np.clip(xv, -(2 ** W_TRACE), 2 ** W_TRACE - 1), return_inverse=True)
    b = np.clip(y[:, rows], -(2 ** W_TRACE), 2 ** W_TRACE - 1)
    pos = b[0] != 0
    p = vals[:, np.newaxis] * np.where(pos, b[0], b[1])[np.newaxis, :]  # (values, rows)
    delta = np.where(pos, _product_delta(p, prods[0], r), _product_delta(p, prods[1], r))
    w = st.weights
    for k in np.flatnonzero(delta.any(axis=1)):
        ch = np.flatnonzero(delta[k])
        ri, cj = rows[ch], cols[inv == k]
        idx = np.ix_(ri, cj)
        w[idx] = np.clip(w[idx] + delta[k, ch][:, np.newaxis], W_MIN, W_MAX)
    return True
