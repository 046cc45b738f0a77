"""``Network`` -> Lava processes, run on Lava's CPU simulator, results as a ``SimResult``.

Graph: ``RingBuffer`` source -> (``Dense`` -> ``LIF`` / ``TwoCompartment``) per layer ->
``SpikeRecorder`` (a sink that saves its buffer to a file: ``Var.get`` of a RingBuffer
sink moves one value per message), plus ``Monitor``s for ``u``/``v`` when recording. Weights and
parameters go through the constructors (``Var.set`` of a large matrix takes seconds).
``precision`` picks ``Loihi2SimCfg(select_tag="floating_pt" | "fixed_pt")``. The runtime
is always stopped, also on error.

Batches (see ``export.result`` for the time convention):

``align=True`` (default): all samples run as one sequence of ``B * T + delay`` steps, no gaps.
    Layer ``l`` is a ``LIFReset`` (or a ``TwoCompartment`` with ``reset_interval``) that
    zeroes its state every ``T`` steps at offset ``l + 2``, the step at which sample ``i``'s
    first input reaches it; each Dense's one-step buffer then already holds the new
    sample's input, so every sample sees exactly a fresh, delay-free network. One compile
    for the whole batch; this is what deployment and the benchmark use.
``align=False``: plain ``LIF``s, one build + compile + run of ``T`` steps per sample, outputs
    in Lava time (delayed by one step per layer). Slow; meant for checking the delay itself.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from export.lava import require_lava
from export.network import Network
from export.result import InputError, SimResult, as_spikes, recorded_layers, restore_layout

TAGS = {"float": "floating_pt", "fixed": "fixed_pt"}


@dataclass
class _Graph:
    source: Any
    neurons: list[Any]
    sinks: dict[int, Path]  # layer -> .npy file its SpikeRecorder writes at the last step
    monitors: dict[int, dict[str, Any]] = field(default_factory=dict)  # layer -> var -> Monitor
    workdir: Path | None = None


def _neuron(layer: Any, precision: str, reset: tuple[int, int] | None) -> Any:
    """The Lava neuron process of one layer, in the units of ``precision``."""
    from lava.proc.lif.process import LIF, LIFReset

    from export.lava.two_compartment.process import TwoCompartment

    p = layer.params
    shape = (layer.n_out,)
    if precision == "float":
        common = dict(shape=shape, dv=float(p["dv"]), vth=float(p["vth"]), bias_mant=p["bias"], bias_exp=0)
        du = float(layer.param("du"))
    else:
        common = dict(shape=shape, dv=int(p["dv"]), vth=int(p["vth"]),
                      bias_mant=p["bias_mant"], bias_exp=p["bias_exp"])
        du = int(layer.param("du"))
    if layer.neuron == "two_compartment":
        cast = float if precision == "float" else int
        interval, offset = reset or (0, 0)
        return TwoCompartment(du=du, dv_dend=cast(p["dv_dend"]), g=cast(p["g"]),
                              reset_interval=interval, reset_offset=offset, **common)
    if precision == "fixed":
        du -= 1  # Lava's fixed LIF adds ds_offset = 1 to its du register
    if reset:
        return LIFReset(du=du, reset_interval=reset[0], reset_offset=reset[1], **common)
    return LIF(du=du, **common)


def build_graph(
    network: Network,
    data: np.ndarray,
    *,
    reset_interval: int | None = None,
    record: bool | Sequence[int] = False,
    layer_spikes: bool = False,
    dendrite: list[np.ndarray | None] | None = None,
) -> _Graph:
    """Create and connect the processes. ``data``: (N_in, steps) source buffer (Lava layout);
    ``dendrite``: per layer None or an (N, steps) buffer wired straight to ``a_dend``."""
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.monitor.process import Monitor

    from export.lava.spike_recorder.process import SpikeRecorder

    precision = network.precision
    steps = data.shape[1]
    workdir = Path(tempfile.mkdtemp(prefix="spikeprop-lava-"))
    source = Source(data=data)
    prev = source.s_out
    neurons, sinks, monitors = [], {}, {}
    keep = recorded_layers(record, len(network.layers))
    for j, layer in enumerate(network.layers):
        kwargs = ({"weight_exp": layer.weight_exp, "num_weight_bits": layer.num_weight_bits}
                  if precision == "fixed" else {})
        dense = Dense(weights=np.asarray(layer.weights), **kwargs)
        reset = (reset_interval, (j + 2) % reset_interval) if reset_interval else None
        neuron = _neuron(layer, precision, reset)
        prev.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        if dendrite is not None and dendrite[j] is not None:
            Source(data=dendrite[j]).s_out.connect(neuron.a_dend)
        if j in keep or layer_spikes or j == len(network.layers) - 1:
            sinks[j] = workdir / f"spikes{j}.npy"
            rec = SpikeRecorder(shape=(layer.n_out,), steps=steps, path=str(sinks[j]))
            neuron.s_out.connect(rec.a_in)
        if j in keep:
            names = ["u", "v"] + (["v_dend"] if layer.neuron == "two_compartment" else [])
            mons = {}
            for name in names:
                mon = Monitor()
                mon.probe(getattr(neuron, name), steps)
                mons[name] = mon
            monitors[j] = mons
        neurons.append(neuron)
        prev = neuron.s_out
    return _Graph(source, neurons, sinks, monitors, workdir)


def _execute(graph: _Graph, network: Network, steps: int, record: Any,
             layer_spikes: bool = False) -> tuple[list[dict], dict]:
    """Compile, run ``steps`` steps, read everything back; always stop the runtime.

    Returns per-layer time-major arrays ``{"s": (steps, N), "u": ..., "v": ...}`` and timings.
    """
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    from export.lava.shutdown import guarded

    cfg = Loihi2SimCfg(select_tag=TAGS[network.precision])
    timing: dict[str, float] = {}
    src = graph.source

    try:
        with guarded(src.stop):
            t0 = time.perf_counter()
            exe = src.compile(cfg)
            t1 = time.perf_counter()
            src.create_runtime(executable=exe)
            t2 = time.perf_counter()
            src.run(condition=RunSteps(num_steps=steps))
            t3 = time.perf_counter()
            layers: list[dict[str, np.ndarray]] = []
            for j in range(len(network.layers)):
                if j not in graph.sinks:
                    layers.append({})
                    continue
                rec = {"s": np.load(graph.sinks[j])}
                if j in graph.monitors:
                    for name, mon in graph.monitors[j].items():
                        proc = graph.neurons[j]
                        rec[name] = np.asarray(mon.get_data()[proc.name][name])
                layers.append(rec)
            t4 = time.perf_counter()
    finally:
        if graph.workdir is not None:
            shutil.rmtree(graph.workdir, ignore_errors=True)
    timing.update(compile_s=t1 - t0, runtime_start_s=t2 - t1, run_s=t3 - t2, readback_s=t4 - t3,
                  steps=float(steps), per_step_s=(t3 - t2) / max(steps, 1))
    return layers, timing


def _state_dtype(precision: str) -> Any:
    return np.float64 if precision == "float" else np.int64


def _run_aligned(net: Network, x: np.ndarray, dend: list, in_dtype: Any, record: Any,
                 layer_spikes: bool) -> tuple[list[dict], dict[str, float]]:
    """All samples as one sequence (per-layer resets every T steps): one compile for the batch."""
    T, B, _ = x.shape
    t_start = time.perf_counter()
    steps = B * T + net.delay
    data = np.zeros((steps, net.n_inputs), dtype=in_dtype)
    data[: B * T] = x.transpose(1, 0, 2).reshape(B * T, -1)
    dend_buf = []
    for j, xd in enumerate(dend):
        if xd is None:
            dend_buf.append(None)
            continue
        buf = np.zeros((steps, xd.shape[-1]), dtype=in_dtype)
        # sample i, step k reaches layer j at time step i*T + j + 2 + k (buffer index - 1)
        buf[j + 1: j + 1 + B * T] = xd.transpose(1, 0, 2).reshape(B * T, -1)
        dend_buf.append(buf.T.copy())
    graph = build_graph(net, data.T.copy(), reset_interval=T, record=record,
                        layer_spikes=layer_spikes, dendrite=dend_buf)
    t_built = time.perf_counter()
    raw, timing = _execute(graph, net, steps, record, layer_spikes)
    timing["build_s"] = t_built - t_start
    per_layer = []
    for j, rec in enumerate(raw):
        idx = np.arange(B)[None, :] * T + j + 1 + np.arange(T)[:, None]  # (T, B)
        per_layer.append({k: v[idx] for k, v in rec.items()})
    return per_layer, timing


def _run_per_sample(net: Network, x: np.ndarray, dend: list, in_dtype: Any, record: Any,
                    layer_spikes: bool) -> tuple[list[dict], dict[str, float]]:
    """One Lava run per sample, each from rest (no alignment: the raw time convention)."""
    T, B, _ = x.shape
    per_layer: list[dict] = [dict() for _ in net.layers]
    timing = {"build_s": 0.0, "compile_s": 0.0, "runtime_start_s": 0.0, "run_s": 0.0, "readback_s": 0.0}
    for i in range(B):
        t0 = time.perf_counter()
        xd_i = [None if xd is None else xd[:, i].T.astype(in_dtype).copy() for xd in dend]
        graph = build_graph(net, x[:, i].T.astype(in_dtype).copy(), record=record,
                            layer_spikes=layer_spikes, dendrite=xd_i)
        timing["build_s"] += time.perf_counter() - t0
        raw, t_i = _execute(graph, net, T, record, layer_spikes)
        for k in ("compile_s", "runtime_start_s", "run_s", "readback_s"):
            timing[k] += t_i[k]
        for j, rec in enumerate(raw):
            for k, v in rec.items():
                per_layer[j].setdefault(k, []).append(v)
    timing["steps"] = float(B * T)
    timing["per_step_s"] = timing["run_s"] / max(B * T, 1)
    return [{k: np.stack(v, axis=1) for k, v in rec.items()} for rec in per_layer], timing


def run_lava(
    network: Network,
    spikes: Any,
    precision: str | None = None,
    *,
    layout: str = "TBN",
    align: bool = True,
    record: bool | Sequence[int] = False,
    layer_spikes: bool = False,
    dendrite: list[np.ndarray | None] | None = None,
) -> SimResult:
    """Run ``network`` on Lava's simulator; same inputs and result as ``export.fallback.simulate``.

    ``record`` adds Monitors of u/v (slow for wide layers), to every layer (True) or to the
    listed ones (e.g. ``[-1]``, the output layer); ``layer_spikes`` adds a spike sink
    to every layer (cheap). Without either only the output layer's spikes come back.

    ``dendrite``: per layer None or the dendritic input of a two-compartment layer, laid out
    like ``spikes`` (delivered without a Dense delay).
    """
    require_lava()
    from export.fallback import _dendrite_inputs
    from export.quantize import to_precision

    net = to_precision(network, precision) if precision else network
    x, layout, single = as_spikes(spikes, net, layout)
    T, B, _ = x.shape
    dend = _dendrite_inputs(net, dendrite, (T, B), layout, single)
    in_dtype = np.float64 if net.precision == "float" else np.int32
    t_start = time.perf_counter()
    run_all = _run_aligned if align else _run_per_sample
    per_layer, timing = run_all(net, x, dend, in_dtype, record, layer_spikes)
    timing["per_sample_s"] = (time.perf_counter() - t_start) / B
    timing["per_sample_run_s"] = timing["run_s"] / B
    dtype = _state_dtype(net.precision)
    layers = [
        {k: restore_layout(v if k == "s" else v.astype(dtype), layout, single) for k, v in rec.items()}
        for rec in per_layer
    ]
    return SimResult(spikes=layers[-1]["s"], layers=layers, precision=net.precision, backend="lava",
                     aligned=align, layout=layout, single=single, timing=timing)


@dataclass
class LavaNetwork:
    """A network bound to a precision, ready to run on Lava (``to_lava(...).run(spikes)``)."""

    network: Network

    @property
    def precision(self) -> str:
        return self.network.precision

    def run(self, spikes: Any, **kwargs: Any) -> SimResult:
        return run_lava(self.network, spikes, **kwargs)


def to_lava(network: Network, precision: str = "float", learning: Any = None) -> Any:
    """Bind ``network`` to Lava in ``precision`` ("float" or "fixed"; quantises if needed).

    Lava processes hold their input in the source buffer, so they are built per ``run``.
    ``learning``: an ``export.learning.LearningSpec``; the chosen layers become plastic
    (``LearningDense`` + ``SPNeuron``) and an ``export.learning.DeviceLearner`` comes back
    (``.learn(x, labels)``, ``.accuracy(x, labels)``, ``.to_network()``). Fixed: Loihi's learning
    engine, bit-exact with the fallback; float: Lava's float engine, equal to the fallback's
    float reference (``export.learning.float_ref``) up to float64 rounding.
    """
    require_lava()
    from export.quantize import to_precision

    if precision not in TAGS:
        raise InputError(f"precision must be 'float' or 'fixed', got {precision!r}")
    if learning is not None:
        from export.learning.adapters import to_learning_network
        from export.learning.device import DeviceLearner

        return DeviceLearner(to_learning_network(network, learning), learning, "lava", precision)
    return LavaNetwork(to_precision(network, precision))
