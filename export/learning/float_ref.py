"""Float64 reference of the on-chip SP rule: the same network, neuron and three-factor rule as
``export.learning.fallback`` (same units, same step order), without Loihi's integer arithmetic.
It is also the fallback of Lava's float learning (``SPNeuron`` floating_pt model + Lava's float
``LearningDense`` engine): same operations in the same order, so weights agree to float64 rounding.

What the reference drops, relative to the fixed-point device model (Lava ``fixed_pt``):

* neuron: decays multiply by ``1 - d/4096`` exactly (fixed: ``>> 12`` toward zero); the third
  factor is ``d / 2^(6+e_shift)`` unrounded and not saturated at 7 bits (fixed: toward zero, 0..127);
* traces: ``x1 <- x1 * exp(-1/tau) + impulse`` exactly (fixed: stochastic rounding, 7-bit saturation);
  the y traces are the received error decayed once by ``exp(-1/65535)`` (Lava's 3-factor y tau,
  applied by both engines before the rule reads them; fixed: then rounded);
* weights: real-valued, updated by ``dw = 2^(lr_exp-3) * x1 * (y2 - y3)`` and NOT clipped: Lava's
  float engine does not saturate mixed-sign weights (fixed: 16-bit accumulator, stochastic
  rounding to 8 bits, clipped to [-256, 255]).
  The ``-3`` is Lava's own fixed-point scaling: the 18-bit product x1*y2 (7+7 bits + 4-bit
  mantissa) is shifted right by 3 to fit the 15-bit accumulator, so ``2^lr_exp`` in the rule
  string means ``2^(lr_exp-3)`` weight units per unit of x1*y; the reference applies the same
  factor so the two are the same rule (Lava's float engine has no such shift and rejects
  exponents below -7, so the float Lava build folds the ``2^-3`` into the x1 impulse:
  ``ThreeFactorRule.lava_float_kwargs``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from export.learning.network import LearningLayer, LearningNetwork
from export.learning.engine_fixed import truncate_mixed
from export.learning.fallback import sample_step
from export.learning.neuron import lava_dense_weights, phase_reset
from export.learning.neuron import sp_neuron_float_step as neuron_float_step
from export.learning.rule import Y_TAU_3F

PRODUCT_SHIFT = 3  # (W_TRACE + W_TRACE + W_S_MANT) - W_ACC_U = 18 - 15
Y_DECAY = np.exp(-1 / Y_TAU_3F)  # Lava decays the received y2/y3 by one step before the rule reads them


class FloatRun(NamedTuple):
    weights: list[np.ndarray]
    out_spikes: np.ndarray


def _zeros(shape):
    return (np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape))


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
                k = sample_step(t, i, reset_interval)
                st[i] = phase_reset(st[i], k, l.neuron, 0.0)
                s, y2, y3, st[i] = neuron_float_step(buff[i], tbuff[i], st[i], l.neuron, k)
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
                lr = 2.0 ** (l.rule.lr_exp - PRODUCT_SHIFT)
                if 2 * rows.size * cols.size >= W[i].size:  # dense (the float trace rarely reaches 0)
                    W[i] += lr * np.outer(ys[i] * Y_DECAY, x1[i])  # zero products add exactly nothing
                elif rows.size and cols.size:
                    W[i][np.ix_(rows, cols)] += lr * np.outer(ys[i][rows] * Y_DECAY, x1[i][cols])
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
