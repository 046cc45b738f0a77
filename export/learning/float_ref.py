"""Float64 reference of the on-chip SP rule: the same network, neuron and three-factor rule as
``export.learning.fallback`` (same units, same step order), without Loihi's integer arithmetic.

What the reference drops, relative to the fixed-point device model (Lava ``fixed_pt``):

* neuron: decays multiply by ``1 - d/4096`` exactly (fixed: ``>> 12`` toward zero); the third
  factor is ``d / 2^(6+e_shift)`` unrounded and not saturated at 7 bits (fixed: toward zero, 0..127);
* traces: ``x1 <- x1 * exp(-1/tau) + impulse`` exactly (fixed: stochastic rounding, 7-bit saturation);
  the y traces are the received error itself (fixed: decayed once by exp(-1/65535), rounded);
* weights: real-valued, updated by ``dw = 2^(lr_exp-3) * x1 * (y2 - y3)`` and clipped to
  Loihi's [-256, 255] range (fixed: 16-bit accumulator, stochastic rounding to 8 bits).
  The ``-3`` is Lava's own scaling: the 18-bit product x1*y2 (7+7 bits + 4-bit mantissa) is
  shifted right by 3 to fit the 15-bit accumulator, so ``2^lr_exp`` in the rule string means
  ``2^(lr_exp-3)`` weight units per unit of x1*y; the reference applies the same factor so
  the two are the same rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SHIFT, lava_dense_weights
from export.learning.engine_fixed import truncate_mixed

PRODUCT_SHIFT = 3  # (W_TRACE + W_TRACE + W_S_MANT) - W_ACC_U = 18 - 15


class FloatRun(NamedTuple):
    weights: list[np.ndarray]
    out_spikes: np.ndarray


def neuron_float_step(a_in, a_dend, st, p):
    u, v, d = st
    u = u * (1 - p.du / 4096) + a_in * 2.0 ** SHIFT
    v_pre = v * (1 - p.dv / 4096) + u
    s = v_pre > p.vth * 2.0 ** SHIFT
    v = np.where(s, 0.0, v_pre)
    d = d * (1 - p.dd / 4096) + a_dend * 2.0 ** SHIFT - s * p.fb * 2.0 ** SHIFT
    e = d / 2.0 ** (SHIFT + p.e_shift)
    y2, y3 = np.maximum(e, 0.0), np.maximum(-e, 0.0)
    if p.gate_lo is not None:
        open_ = (v_pre >= p.gate_lo * 2.0 ** SHIFT) & (v_pre <= p.gate_hi * 2.0 ** SHIFT)
        y2, y3 = y2 * open_, y3 * open_
    return s, y2, y3, (u, v, d)


def _zeros(shape):
    return (np.zeros(shape), np.zeros(shape), np.zeros(shape))


@dataclass
class FloatLearningNetwork:
    layers: list[LearningLayer]
    weights: list[np.ndarray]  # float64, same units as the 8-bit mantissas
    n_classes: int = 10

    @classmethod
    def from_fixed(cls, net: LearningNetwork) -> "FloatLearningNetwork":
        ws = [(truncate_mixed(l.weights) if l.plastic else lava_dense_weights(l.weights)).astype(np.float64)
              for l in net.layers]
        return cls(list(net.layers), ws, net.n_classes)

    def learn(self, x: np.ndarray, target: np.ndarray, callback: Callable | None = None, callback_every: int = 0,
              reset_interval: int = 0) -> FloatRun:
        """Same stream, order and resets as ``run_learning_fixed``; updates ``self.weights``."""
        x = np.asarray(x, dtype=bool)
        target = np.asarray(target, dtype=bool)
        L = self.layers
        W = [w.copy() for w in self.weights]
        x1 = [np.zeros(l.shape[1]) for l in L]
        decay = [np.exp(-1.0 / l.rule.x1_tau) if l.plastic else 0.0 for l in L]
        tw = [None if l.target_weights is None else lava_dense_weights(l.target_weights).astype(float) for l in L]
        st = [_zeros(l.shape[0]) for l in L]
        buff = [np.zeros(l.shape[0]) for l in L]
        tbuff = [np.zeros(l.shape[0]) for l in L]
        out = np.zeros((len(x), L[-1].shape[0]), dtype=bool)
        for t in range(len(x)):
            spikes, ys = [], []
            for i, l in enumerate(L):
                if reset_interval and (t + 1) % reset_interval == (i + 2) % reset_interval:
                    st[i] = _zeros(l.shape[0])
                s, y2, y3, st[i] = neuron_float_step(buff[i], tbuff[i], st[i], l.neuron)
                spikes.append(s)
                ys.append(y2 - y3)
            out[t] = spikes[-1]
            pre = [x[t]] + spikes[:-1]
            for i, l in enumerate(L):
                buff[i] = W[i][:, pre[i]].sum(axis=1) * 2.0 ** l.weight_exp
                if tw[i] is not None:
                    tbuff[i] = tw[i][:, target[t]].sum(axis=1) * 2.0 ** l.target_exp
            for i, l in enumerate(L):
                if not l.plastic:
                    continue
                x1[i] = x1[i] * decay[i] + l.rule.x1_impulse * pre[i]
                rows, cols = np.flatnonzero(ys[i]), np.flatnonzero(x1[i])
                if rows.size and cols.size:
                    lr = 2.0 ** (l.rule.lr_exp - PRODUCT_SHIFT)
                    W[i][np.ix_(rows, cols)] = np.clip(
                        W[i][np.ix_(rows, cols)] + lr * np.outer(ys[i][rows], x1[i][cols]), -256, 255)
            if callback is not None and callback_every and (t + 1) % callback_every == 0:
                callback(t + 1, W)
        self.weights = W
        return FloatRun([w.copy() for w in W], out)

    def infer(self, x: np.ndarray) -> np.ndarray:
        """Frozen inference, batched: ``x`` (T, B, n_in) -> output spike counts (B, n_out)."""
        x = np.asarray(x, dtype=bool)
        L = self.layers
        B = x.shape[1]
        st = [_zeros((B, l.shape[0])) for l in L]
        buff = [np.zeros((B, l.shape[0])) for l in L]
        counts = np.zeros((B, L[-1].shape[0]))
        for t in range(x.shape[0] + len(L)):
            xt = x[t] if t < x.shape[0] else np.zeros_like(x[0])
            spikes = []
            for i, l in enumerate(L):
                s, _, _, st[i] = neuron_float_step(buff[i], 0.0, st[i], l.neuron)
                spikes.append(s)
            counts += spikes[-1]
            pre = [xt] + spikes[:-1]
            for i, l in enumerate(L):
                buff[i] = (pre[i].astype(np.float64) @ self.weights[i].T) * 2.0 ** l.weight_exp
        return counts
