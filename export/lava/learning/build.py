"""Build and run a ``LearningNetwork`` on Lava (Loihi 2 semantics, CPU simulation), in fixed point
(bit-exact with ``export.learning.fallback``) or floating point (agrees with ``export.learning.float_ref``).

Input and target both reach the chip as spikes from ``RingBuffer`` sources; each plastic layer is a
``LearningDense`` with a ``Loihi3FLearningRule`` whose y2/y3 come from the post ``SPNeuron``.
Float: Lava's float Dense has no weight exponent, so every Dense holds ``w * 2^weight_exp``
(real-valued, from ``weights``) and the rule is rescaled to match (``ThreeFactorRule.lava_float_kwargs``).
Lava is imported inside functions only; the runtime is always stopped.
"""
from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np

from export.lava import require_lava
from export.learning.network import LearningNetwork


class LavaLearningRun(NamedTuple):
    weights: list[np.ndarray]
    out_spikes: np.ndarray  # (T, n_out) bool, last layer
    build_s: float
    run_s: float
    states: list | None = None  # final (u, v, d, f) of every layer's neurons


def _connection(layer, precision: str = "fixed", weights: np.ndarray | None = None):
    """Fixed: the layer's 8-bit mantissas and weight exponent. Float: ``weights`` (mantissa units,
    real-valued) scaled by ``2^weight_exp`` into one float matrix."""
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
    from lava.proc.dense.process import Dense, LearningDense

    if precision == "float":
        w = np.asarray(weights, dtype=np.float64) * 2.0 ** layer.weight_exp
        if layer.plastic:
            rule = Loihi3FLearningRule(**layer.rule.lava_float_kwargs(layer.weight_exp))
            return LearningDense(weights=w, learning_rule=rule)
        return Dense(weights=w)
    if layer.plastic:
        rule = Loihi3FLearningRule(**layer.rule.lava_kwargs())
        return LearningDense(weights=layer.weights.copy(), weight_exp=layer.weight_exp,
                             learning_rule=rule)
    return Dense(weights=layer.weights.copy(), weight_exp=layer.weight_exp)


def _target_connection(layer, precision: str):
    from lava.proc.dense.process import Dense

    if precision == "float":
        from export.learning.neuron import lava_dense_weights

        return Dense(weights=lava_dense_weights(layer.target_weights) * 2.0 ** layer.target_exp)
    return Dense(weights=layer.target_weights.copy(), weight_exp=layer.target_exp)


def _wire_layer(j: int, layer: Any, prev: Any, tsrc: Any, precision: str, weight: np.ndarray | None,
                reset_interval: int) -> tuple[Any, Any]:
    """Layer ``j``: its (plastic) Dense from ``prev``, its SPNeuron, the target into the dendrite,
    and the neuron's learning traces back into the Dense."""
    from export.lava.sp_neuron.process import SPNeuron

    conn = _connection(layer, precision, weight)
    p = layer.neuron
    neuron = SPNeuron(shape=(layer.shape[0],), **p._asdict(), reset_interval=reset_interval,
                      reset_offset=(j + 2) % reset_interval if reset_interval else 0)
    prev.connect(conn.s_in)
    conn.a_out.connect(neuron.a_in)
    if layer.target_weights is not None:
        tconn = _target_connection(layer, precision)
        tsrc.s_out.connect(tconn.s_in)
        tconn.a_out.connect(neuron.a_dend)
    if layer.plastic:
        neuron.s_out_bap.connect(conn.s_in_bap)
        neuron.s_out_y1.connect(conn.s_in_y1)
        neuron.s_out_y2.connect(conn.s_in_y2)
        neuron.s_out_y3.connect(conn.s_in_y3)
    return conn, neuron


def run_learning_lava(net: LearningNetwork, x: np.ndarray, target: np.ndarray,
                      read_weights: bool = True, reset_interval: int = 0, precision: str = "fixed",
                      weights: list[np.ndarray] | None = None) -> LavaLearningRun:
    """Stream ``x`` (T, n_in) with ``target`` (T, n_classes) spikes through ``net`` on Lava.

    ``reset_interval`` > 0: layer ``l`` zeroes its state every ``reset_interval`` steps, at the
    step a new sample's first input reaches it (same as ``run_learning_fixed``).
    ``precision="float"``: Lava's floating_pt models; ``weights`` are the real-valued starting
    weights per layer in mantissa units (default: ``FloatLearningNetwork.from_fixed(net).weights``,
    what the float fallback starts from); the returned weights are in the same units."""
    require_lava()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    if precision not in ("fixed", "float"):
        raise ValueError(f"precision must be 'fixed' or 'float', got {precision!r}")
    if precision == "float" and weights is None:
        from export.learning.float_ref import FloatLearningNetwork

        weights = FloatLearningNetwork.from_fixed(net).weights
    dtype = np.float64 if precision == "float" else np.int32
    t0 = time.perf_counter()
    x = np.asarray(x, dtype=bool)
    target = np.asarray(target, dtype=bool)
    T = len(x)
    src = Source(data=x.T.astype(dtype))
    tsrc = Source(data=target.T.astype(dtype))
    prev = src.s_out
    conns, neurons = [], []  # keep every Process referenced until the run ends
    for j, layer in enumerate(net.layers):
        conn, neuron = _wire_layer(j, layer, prev, tsrc, precision, None if weights is None else weights[j],
                                   reset_interval)
        conns.append(conn)
        neurons.append(neuron)
        prev = neuron.s_out
    sink = Sink(shape=(net.layers[-1].shape[0],), buffer=T)
    prev.connect(sink.a_in)
    build_s = time.perf_counter() - t0
    from export.lava.shutdown import guarded

    with guarded(src.stop):  # stops the runtime on any exit, Ctrl-C and SIGTERM included
        t1 = time.perf_counter()
        tag = "floating_pt" if precision == "float" else "fixed_pt"
        src.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag=tag))
        run_s = time.perf_counter() - t1
        out = sink.data.get().T.astype(bool)
        learned = [_read_weights(c, l, precision) if (read_weights and l.plastic) else None
                   for c, l in zip(conns, net.layers)]
        states = [tuple(np.asarray(var.get()) for var in (n.u, n.v, n.d, n.f)) for n in neurons]
    return LavaLearningRun(weights=learned, out_spikes=out, build_s=build_s, run_s=run_s, states=states)


def _read_weights(conn, layer, precision: str) -> np.ndarray:
    w = conn.weights.get()
    if precision == "float":
        return np.asarray(w, dtype=np.float64) / 2.0 ** layer.weight_exp
    return w.astype(np.int32)
