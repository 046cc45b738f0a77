"""Build and run a ``LearningNetwork`` on Lava in fixed point (Loihi 2 semantics, CPU simulation).

Input and target both reach the chip as spikes from ``RingBuffer`` sources; each plastic layer is a
``LearningDense`` with a ``Loihi3FLearningRule`` whose y2/y3 come from the post ``SPNeuron``.
Lava is imported inside functions only; the runtime is always stopped.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from export.lava import require_lava
from export.learning.network import LearningNetwork


class LavaLearningRun(NamedTuple):
    weights: list[np.ndarray]
    out_spikes: np.ndarray  # (T, n_out) bool, last layer
    build_s: float
    run_s: float


def _connection(layer):
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
    from lava.proc.dense.process import Dense, LearningDense

    if layer.plastic:
        rule = Loihi3FLearningRule(**layer.rule.lava_kwargs())
        return LearningDense(weights=layer.weights.copy(), weight_exp=layer.weight_exp,
                             learning_rule=rule)
    return Dense(weights=layer.weights.copy(), weight_exp=layer.weight_exp)


def run_learning_lava(net: LearningNetwork, x: np.ndarray, target: np.ndarray,
                      read_weights: bool = True, reset_interval: int = 0) -> LavaLearningRun:
    """Stream ``x`` (T, n_in) with ``target`` (T, n_classes) spikes through ``net`` on Lava.

    ``reset_interval`` > 0: layer ``l`` zeroes its state every ``reset_interval`` steps, at the
    step a new sample's first input reaches it (same as ``run_learning_fixed``)."""
    require_lava()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    from export.lava.sp_neuron.process import SPNeuron

    t0 = time.perf_counter()
    x = np.asarray(x, dtype=bool)
    target = np.asarray(target, dtype=bool)
    T = len(x)
    src = Source(data=x.T.astype(np.int32))
    tsrc = Source(data=target.T.astype(np.int32))
    prev = src.s_out
    conns, neurons = [], []
    for j, layer in enumerate(net.layers):
        n_out = layer.shape[0]
        conn = _connection(layer)
        p = layer.neuron
        neuron = SPNeuron(shape=(n_out,), du=p.du, dv=p.dv, vth=p.vth, dd=p.dd, fb=p.fb,
                          e_shift=p.e_shift, gate_lo=p.gate_lo, gate_hi=p.gate_hi,
                          reset_interval=reset_interval,
                          reset_offset=(j + 2) % reset_interval if reset_interval else 0)
        prev.connect(conn.s_in)
        conn.a_out.connect(neuron.a_in)
        if layer.target_weights is not None:
            tconn = Dense(weights=layer.target_weights.copy(), weight_exp=layer.target_exp)
            tsrc.s_out.connect(tconn.s_in)
            tconn.a_out.connect(neuron.a_dend)
        if layer.plastic:
            neuron.s_out_bap.connect(conn.s_in_bap)
            neuron.s_out_y1.connect(conn.s_in_y1)
            neuron.s_out_y2.connect(conn.s_in_y2)
            neuron.s_out_y3.connect(conn.s_in_y3)
        conns.append(conn)
        neurons.append(neuron)
        prev = neuron.s_out
    sink = Sink(shape=(net.layers[-1].shape[0],), buffer=T)
    prev.connect(sink.a_in)
    build_s = time.perf_counter() - t0
    try:
        t1 = time.perf_counter()
        src.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        run_s = time.perf_counter() - t1
        out = sink.data.get().T.astype(bool)
        weights = [c.weights.get().astype(np.int32) if (read_weights and l.plastic) else None
                   for c, l in zip(conns, net.layers)]
    finally:
        src.stop()
    return LavaLearningRun(weights=weights, out_spikes=out, build_s=build_s, run_s=run_s)
