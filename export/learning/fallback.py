"""Numpy fallback of a learning network in Lava's fixed-point arithmetic (bit-exact with
``export.lava.learning``): neurons via ``sp_neuron_fixed_step``, plasticity via ``engine_fixed``.

Time-major inputs ``(T, n_in)`` bool. Step order follows Lava's LoihiProtocol: neurons read the
activations their Dense buffered last step, then every Dense buffers this step's input with the
current weights, then plastic Denses learn from this step's pre spikes and third factors.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from export.learning.engine_fixed import FixedLearningState, learning_step
from export.learning.network import LearningNetwork
from export.learning.neuron import (dense_fixed, initial_state, lava_dense_weights, phase_reset, shift,
                                    sp_neuron_fixed_step)


class LearningRun(NamedTuple):
    weights: list[np.ndarray]  # final weights per layer
    out_spikes: np.ndarray  # (T, n_out) bool, last layer (as the neuron emits them)
    states: list | None = None  # final (u, v, d, f) of every layer's neurons


def run_learning_fixed(net: LearningNetwork, x: np.ndarray, target: np.ndarray,
                       callback: Callable[[int, list[np.ndarray]], None] | None = None,
                       callback_every: int = 0, reset_interval: int = 0) -> LearningRun:
    """Stream ``x`` (T, n_in) with ``target`` (T, n_classes) spikes through ``net``, learning online.

    ``callback(t, weights)`` runs every ``callback_every`` steps (e.g. to record accuracy).
    ``reset_interval`` (e.g. the samples' T): layer ``l`` zeroes its neuron state when sample
    ``i``'s first input reaches it (Lava time step ``i*T + l + 2``), as ``SPNeuron(reset_interval)``
    does on Lava; the pre-synaptic traces x1 are not reset (they decay within a few steps).
    Two-phase (sp rule) neurons need it: it is their clock (``k`` = step within the sample).
    """
    x = np.asarray(x, dtype=bool)
    target = np.asarray(target, dtype=bool)
    layers = net.layers
    learn = [FixedLearningState.create(l.weights, l.rule) if l.plastic else None for l in layers]
    weights = [st.weights if st is not None else lava_dense_weights(l.weights) for st, l in zip(learn, layers)]
    tweights = [None if l.target_weights is None else lava_dense_weights(l.target_weights) for l in layers]
    states = [initial_state(l.shape[0]) for l in layers]
    buff = [np.zeros(l.shape[0], dtype=np.int64) for l in layers]
    tbuff = [np.zeros(l.shape[0], dtype=np.int64) for l in layers]
    out = np.zeros((len(x), layers[-1].shape[0]), dtype=bool)
    frozen_t = [None if learn[i] is not None else weights[i].T.astype(np.int64) for i in range(len(layers))]
    target_t = [None if tw is None else tw.T.astype(np.int64) for tw in tweights]
    for t in range(len(x)):
        spikes, ys = [], []
        for i, l in enumerate(layers):
            k = sample_step(t, i, reset_interval)
            states[i] = phase_reset(states[i], k, l.neuron)
            s, y2, y3, states[i] = sp_neuron_fixed_step(buff[i], tbuff[i], states[i], l.neuron, k)
            spikes.append(s)
            ys.append((y2, y3))
        out[t] = spikes[-1]
        pre = [x[t]] + spikes[:-1]
        for i, l in enumerate(layers):
            if learn[i] is not None:
                a = learn[i].weights[:, pre[i]].sum(axis=1, dtype=np.int64)
            else:
                a = frozen_t[i][pre[i]].sum(axis=0)
            buff[i] = shift(a, l.weight_exp)
            if target_t[i] is not None:
                tbuff[i] = shift(target_t[i][target[t]].sum(axis=0), l.target_exp)
        for i, l in enumerate(layers):
            if learn[i] is not None:
                learning_step(learn[i], l.rule, pre[i], *ys[i])
        if callback is not None and callback_every and (t + 1) % callback_every == 0:
            callback(t + 1, [st.weights if st is not None else w for st, w in zip(learn, weights)])
    final = [st.weights.copy() if st is not None else w for st, w in zip(learn, weights)]
    return LearningRun(weights=final, out_spikes=out, states=[tuple(st) for st in states])


def sample_step(t: int, layer: int, interval: int) -> int | None:
    """Step within the current sample seen by ``layer`` at stream step ``t`` (0-based; Lava's
    ``time_step`` is ``t + 1``; layer ``l`` receives the stream ``l + 1`` steps late)."""
    return (t + 1 - (layer + 2)) % interval if interval else None


def infer_fixed(net: LearningNetwork, x: np.ndarray) -> np.ndarray:
    """Frozen inference, batched: ``x`` (T, B, n_in) -> output spike counts (B, n_out).

    Each sample starts from rest; same arithmetic as the learning run (no target, no learning)."""
    x = np.asarray(x, dtype=bool)
    layers = net.layers
    weights = [lava_dense_weights(l.weights) for l in layers]  # frozen: what a static Lava Dense applies
    B = x.shape[1]
    states = [initial_state((B, l.shape[0])) for l in layers]
    buff = [np.zeros((B, l.shape[0]), dtype=np.int64) for l in layers]
    zero = [np.zeros((B, l.shape[0]), dtype=np.int64) for l in layers]
    counts = np.zeros((B, layers[-1].shape[0]), dtype=np.int64)
    for t in range(x.shape[0] + len(layers)):  # + one step of Dense delay per layer
        xt = x[t] if t < x.shape[0] else np.zeros_like(x[0])
        spikes = []
        for i, l in enumerate(layers):
            s, _, _, states[i] = sp_neuron_fixed_step(buff[i], zero[i], states[i], l.neuron)
            spikes.append(s)
        counts += spikes[-1]
        pre = [xt] + spikes[:-1]
        for i, l in enumerate(layers):
            buff[i] = dense_fixed(weights[i], pre[i], l.weight_exp)
    return counts
