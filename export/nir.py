"""NIR (Neuromorphic Intermediate Representation) in and out, exactly or not at all.

NIR describes neurons by continuous-time equations; a simulator steps them with its own
``dt``. Our neurons are discrete (Lava's LIF, ``neurons/functional``), one step::

    u = u (1 - du) + W s                 (cuba_lif; a plain lif has du = 1: u = W s)
    v = v (1 - dv) + u + bias            spike where v > vth, then v = 0

NIR's forward-Euler step with ``dt`` (``LIF``: no ``I`` equation, ``I = W s + b``)::

    I = I + dt/tau_syn (-I + w_in (W s + b))    =  (1 - dt/tau_syn) I + (dt w_in/tau_syn) (W s + b)
    v = v + dt/tau_mem (v_leak - v + r I)       =  (1 - dt/tau_mem) v + (dt r/tau_mem) I + (dt/tau_mem) v_leak
    spike where v > v_threshold, then v = v_reset

Equation by equation, with snntorch's convention (``r = tau_mem/dt``, ``w_in = tau_syn/dt``,
so both input gains are exactly 1, ``v_reset = 0``):

    du = dt / tau_syn         (tau_syn = dt / du;  snntorch: alpha = 1 - du)
    dv = dt / tau_mem         (tau_mem = dt / dv;  snntorch: beta  = 1 - dv)
    r = tau_mem / dt, w_in = tau_syn / dt, v_leak = 0, v_reset = 0, v_threshold = vth
    lif bias        -> the ``Affine`` bias (it enters v once per step, exactly like ours)
    cuba_lif bias   -> ``Affine`` bias when du = 1; otherwise ``v_leak = bias / dv`` (a bias
                       into the current would accumulate, not stay constant)

Our own files also carry the exact ``du``/``dv``/bias in node metadata and ``dt`` in the graph
metadata, so spikeprop -> NIR -> spikeprop is bit-identical (the taus alone would round).

Reading (``from_nir``): the convention is read from our metadata, chosen with
``convention=``, or recognised from the parameters (``r == tau/1e-4`` everywhere:
snntorch, whose exporter hard-codes ``dt = 1e-4``; ``r == 1`` and ``w_in == 1``: norse) --
never guessed: when neither or both match, a one-line ``NirError`` asks for the flag.

- ``snntorch``: gains must be 1 (rtol 1e-4, float32 files); ``beta`` is recovered as the
  float32 nearest ``1 - dt/tau`` when the file is float32 (snntorch's own value).
  ``Affine`` bias before a ``LIF`` becomes the neuron bias (exact: both enter v each step);
  before a ``CubaLIF`` it is accepted only if it is zero or ``du = 1`` (otherwise it feeds
  the decaying current and is no constant bias).
- ``norse`` (``r = 1``, ``w_in = 1``, ``dt`` default 1e-3, norse's): a ``LIF`` (norse's
  LIFBox) gets input gain ``dt/tau``, folded into the weights and bias (thresholds stay
  exact). norse's CubaLIF (``LIFCell``) integrates the *previous* step's current -- one
  step of delay per layer that a Lava LIF cannot hold -- and is refused.
- Refused with a one-line error: ``v_reset != 0`` (including a subtractive reset we can
  see), ``v_leak != 0`` (foreign files), decays or thresholds that differ between neurons
  (Lava shares them per layer), Conv, pooling, recurrent subgraphs, unknown node types,
  anything that is not one Input -> (Linear|Affine -> LIF|CubaLIF)+ -> Output chain.
  NIR 1.0 has no reset-mode field, so a subtractive reset silently written as
  ``v_reset = 0`` (snntorch's exporter does this with its default ``reset_mechanism``)
  cannot be detected.
- Two-compartment layers have no NIR node: ``to_nir`` raises ``NirError`` naming the layer.

Note: snntorch's ``Synaptic`` forward also zeroes the voltage of the step *after* a spike;
NIR's CubaLIF (and ours) reset and then integrate. Files follow NIR's equations.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from export.errors import NirConventionError, NirError
from export.network import Layer, Network

CONVENTIONS = ("spikeprop", "snntorch", "norse")
SNNTORCH_DT = 1e-4  # hard-coded in snntorch.export_nir
NORSE_DT = 1e-3  # norse's default time step
_RTOL = 1e-4  # float32 files: r = tau/dt only to a few ulps
SUPPORTED = ("Input", "Linear", "Affine", "LIF", "CubaLIF", "Output")


def _nir() -> Any:
    try:
        import nir
    except ImportError:
        raise NirError("the 'nir' package is not installed (pip install -r requirements.txt)") from None
    return nir


def _arr(x: Any, n: int) -> np.ndarray:
    return np.full(n, x, dtype=np.float64) if np.ndim(x) == 0 else np.asarray(x, dtype=np.float64)


# --- writing -----------------------------------------------------------------------------------


def to_nir(network: Network, dt: float = SNNTORCH_DT) -> Any:
    """``network`` as a ``nir.NIRGraph`` in snntorch's convention (module docstring).

    A fixed-point network is written as the float network it approximates (``dequantize``).
    """
    nir = _nir()
    if network.precision == "fixed":
        from export.quantize import dequantize

        network = dequantize(network)
    nodes: dict[str, Any] = {"input": nir.Input(input_type=np.array([network.n_inputs]))}
    edges, prev = [], "input"
    for i, layer in enumerate(network.layers):
        syn, neuron = _layer_nodes(nir, layer, dt)
        nodes[f"fc{i}"], nodes[f"lif{i}"] = syn, neuron
        edges += [(prev, f"fc{i}"), (f"fc{i}", f"lif{i}")]
        prev = f"lif{i}"
    nodes["output"] = nir.Output(output_type=np.array([network.n_outputs]))
    edges.append((prev, "output"))
    meta = {"generator": "spikeprop", "convention": "snntorch", "dt": float(dt)}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def _layer_nodes(nir: Any, layer: Layer, dt: float) -> tuple[Any, Any]:
    """(Linear | Affine, LIF | CubaLIF) for one float layer."""
    if layer.neuron == "two_compartment":
        raise NirError(f"{layer.label}: two_compartment neurons have no NIR node; only lif / cuba_lif layers export")
    n = layer.n_out
    p = layer.params
    w = np.asarray(layer.weights, dtype=np.float64)
    bias = _arr(p["bias"], n)
    du, dv, vth = float(layer.param("du")), float(p["dv"]), float(p["vth"])
    if du <= 0 or dv <= 0:
        raise NirError(f"{layer.label}: a decay of 0 (perfect integrator) has no finite NIR time constant")
    exact = {"du": np.array([du]), "dv": np.array([dv]), "bias": bias.copy()}
    bias_in_current = layer.neuron == "lif" or du == 1.0
    syn = nir.Affine(weight=w, bias=bias) if bias_in_current and np.any(bias) else nir.Linear(weight=w)
    v_leak = np.zeros(n) if bias_in_current else bias / dv
    tau_mem = np.full(n, dt / dv)
    common = dict(r=tau_mem / dt, v_leak=v_leak, v_threshold=np.full(n, vth), v_reset=np.zeros(n),
                  metadata=exact)
    if layer.neuron == "lif":
        return syn, nir.LIF(tau=tau_mem, **common)
    tau_syn = np.full(n, dt / du)
    return syn, nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, w_in=tau_syn / dt, **common)


def save_nir(network: Network, path: str | Path, dt: float = SNNTORCH_DT) -> None:
    """Write ``network`` as a NIR HDF5 file (``nir.write``), atomically."""
    nir = _nir()
    graph = to_nir(network, dt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    nir.write(tmp, graph)
    tmp.replace(path)


# --- reading -----------------------------------------------------------------------------------


def read_nir(path: str | Path) -> Any:
    """``nir.read`` with a one-line error for a missing or unreadable file."""
    nir = _nir()
    path = Path(path)
    if not path.is_file():
        raise NirError(f"{path}: no such file")
    try:
        return nir.read(path)
    except Exception as exc:  # nir raises bare ValueError/KeyError/OSError on bad files
        raise NirError(f"{path}: not a readable NIR file ({type(exc).__name__}: {exc})") from None


def from_nir(graph_or_path: Any, convention: str | None = None, dt: float | None = None) -> Network:
    """A float ``Network`` from a NIR graph or file; see the module docstring for what maps.

    ``convention``: 'spikeprop', 'snntorch' or 'norse'; None recognises it (or raises).
    ``dt``: the simulator's time step (default: the file's, else 1e-4 snntorch / 1e-3 norse).
    """
    graph = read_nir(graph_or_path) if isinstance(graph_or_path, (str, Path)) else graph_or_path
    meta = _graph_meta(graph)
    chain = _chain(graph)
    convention = _convention(convention, meta, [n for _, n in chain[1::2]])
    if dt is None:
        dt = float(meta.get("dt", NORSE_DT if convention == "norse" else SNNTORCH_DT))
    layers = []
    for i in range(0, len(chain), 2):
        (syn_name, syn), (name, neuron) = chain[i], chain[i + 1]
        layers.append(_layer(syn_name, syn, name, neuron, convention, float(dt), own=convention == "spikeprop"))
        layers[-1].name = f"layer {len(layers) - 1}"
    n_inputs = layers[0].n_in
    return Network(layers, n_inputs, meta={"format": "nir", "nir_convention": convention, "nir_dt": float(dt)})


def _graph_meta(graph: Any) -> dict[str, Any]:
    meta = getattr(graph, "metadata", None)
    if not isinstance(meta, dict):
        return {}
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in meta.items()}


def _chain(graph: Any) -> list[tuple[str, Any]]:
    """The nodes between Input and Output as [(name, synapse), (name, neuron), ...]."""
    nodes = getattr(graph, "nodes", None)
    if not isinstance(nodes, dict):
        raise NirError(f"not a NIR graph ({type(graph).__name__})")
    for name, node in nodes.items():
        kind = type(node).__name__
        if kind not in SUPPORTED:
            what = "a subgraph (recurrent layer?)" if kind == "NIRGraph" else f"a {kind}"
            raise NirError(f"NIR node '{name}' is {what}: not supported (supported: {', '.join(SUPPORTED)})")
    succ: dict[str, list[str]] = {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
    inputs = [k for k, n in nodes.items() if type(n).__name__ == "Input"]
    if len(inputs) != 1:
        raise NirError(f"a NIR graph needs exactly one Input node, found {len(inputs)}")
    out, cur = [], inputs[0]
    while True:
        nxt = succ.get(cur, [])
        if len(nxt) != 1:
            raise NirError(f"NIR node '{cur}' feeds {len(nxt)} nodes; only a feed-forward chain maps onto Lava")
        cur = nxt[0]
        kind = type(nodes[cur]).__name__
        if kind == "Output":
            break
        want = ("Linear", "Affine") if len(out) % 2 == 0 else ("LIF", "CubaLIF")
        if kind not in want:
            raise NirError(f"NIR node '{cur}' is a {kind} where a {' or '.join(want)} was expected "
                           "(chain Input -> (Linear|Affine -> LIF|CubaLIF)+ -> Output)")
        out.append((cur, nodes[cur]))
        if len(out) > len(nodes):
            raise NirError("the NIR graph has a cycle")
    if not out or len(out) % 2:
        raise NirError("the NIR graph must end with a LIF or CubaLIF layer before its Output")
    return out


def _convention(convention: str | None, meta: dict[str, Any], neurons: list[Any]) -> str:
    if convention is not None:
        if convention not in CONVENTIONS:
            raise NirError(f"convention must be one of {', '.join(CONVENTIONS)}, got {convention!r}")
        if convention == "spikeprop" and meta.get("generator") != "spikeprop":
            raise NirError("convention 'spikeprop' needs a file written by spikeprop (its metadata is missing)")
        return convention
    if meta.get("generator") == "spikeprop":
        return "spikeprop"
    matches = [c for c in ("snntorch", "norse") if all(_gains_match(n, c, _default_dt(c)) for n in neurons)]
    if len(matches) != 1:
        found = "both snntorch's and norse's" if matches else "neither snntorch's (r = tau/1e-4) nor norse's (r = 1)"
        raise NirConventionError(f"the parameters match {found}")
    return matches[0]


def _default_dt(convention: str) -> float:
    return NORSE_DT if convention == "norse" else SNNTORCH_DT


def _gains_match(node: Any, convention: str, dt: float) -> bool:
    cuba = type(node).__name__ == "CubaLIF"
    tau = np.asarray(node.tau_mem if cuba else node.tau, dtype=np.float64)
    r = np.asarray(node.r, dtype=np.float64)
    if convention == "norse":
        ok = np.allclose(r, 1.0, rtol=_RTOL, atol=0)
        return bool(ok and (not cuba or np.allclose(node.w_in, 1.0, rtol=_RTOL, atol=0)))
    ok = np.allclose(r * dt, tau, rtol=_RTOL, atol=0)
    if cuba:
        ok = ok and np.allclose(np.asarray(node.w_in, dtype=np.float64) * dt, node.tau_syn, rtol=_RTOL, atol=0)
    return bool(ok)


def _uniform(where: str, what: str, values: Any) -> float:
    """One value for the layer: per-neuron arrays are fine if all entries are equal."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise NirError(f"{where}: {what} must be finite numbers")
    if not np.allclose(arr, arr[0], rtol=1e-6, atol=0):
        raise NirError(f"{where}: {what} differs between neurons ({arr.min():g} .. {arr.max():g}); "
                       "Lava shares one value per layer")
    return float(arr[0])


def _decay(where: str, what: str, tau: Any, dt: float, float32: bool) -> float:
    """dt / tau; for float32 files, 1 - the float32 nearest 1 - dt/tau (snntorch's beta)."""
    d = dt / _uniform(where, what, tau)
    if float32:
        d = 1.0 - float(np.float32(1.0 - d))
    if not 0.0 < d <= 1.0:
        raise NirError(f"{where}: {what} gives a per-step decay dt/tau = {d:g} outside (0, 1] (dt = {dt:g})")
    return d


def _layer(syn_name: str, syn: Any, name: str, node: Any, convention: str, dt: float, own: bool) -> Layer:
    where = f"NIR node '{name}'"
    cuba = type(node).__name__ == "CubaLIF"
    w = np.asarray(syn.weight, dtype=np.float64)
    if w.ndim != 2:
        raise NirError(f"NIR node '{syn_name}': weight must be 2-D (out, in), got shape {w.shape}")
    n = w.shape[0]
    b = _arr(getattr(syn, "bias", 0.0), n)
    if convention != "spikeprop" and not _gains_match(node, convention, dt):
        raise NirError(f"{where}: parameters do not follow the {convention} convention "
                       f"({'r = 1, w_in = 1' if convention == 'norse' else 'r = tau/dt, w_in = tau_syn/dt'}, dt = {dt:g})")
    if convention == "norse" and cuba:
        raise NirError(f"{where}: norse's CubaLIF integrates the previous step's current (one step of delay "
                       "per layer), which a Lava LIF cannot represent exactly")
    reset = np.asarray(node.v_reset, dtype=np.float64)
    if np.any(reset != 0):
        raise NirError(f"{where}: v_reset = {reset.reshape(-1)[0]:g}; only reset to zero maps onto Lava")
    f32 = np.asarray(node.tau_mem if cuba else node.tau).dtype == np.float32
    meta = getattr(node, "metadata", None) or {}
    dv = float(meta["dv"][0]) if own and "dv" in meta else _decay(where, "tau_mem", node.tau_mem if cuba else node.tau, dt, f32)
    du = 1.0
    if cuba:
        du = float(meta["du"][0]) if own and "du" in meta else _decay(where, "tau_syn", node.tau_syn, dt, f32)
    vth = _uniform(where, "v_threshold", node.v_threshold)
    v_leak = _arr(node.v_leak, n)
    bias = _bias(where, b, v_leak, dv, du, meta if own else {})
    if convention == "norse":  # input gain dt/tau folded into the weights (and the bias)
        w, bias = w * dv, bias * dv
    params: dict[str, Any] = {"dv": dv, "vth": vth, "bias": bias if np.any(bias != bias[0]) else float(bias[0])}
    if cuba:
        params["du"] = du
    try:
        return Layer(weights=w, neuron="cuba_lif" if cuba else "lif", params=params)
    except Exception as exc:  # NetworkError: name the node
        raise NirError(f"{where}: {exc}") from None


def _bias(where: str, b: np.ndarray, v_leak: np.ndarray, dv: float, du: float, meta: dict) -> np.ndarray:
    """The neuron bias from the Affine bias (and, in our own files, v_leak)."""
    if "bias" in meta:
        return np.asarray(meta["bias"], dtype=np.float64).reshape(-1) * np.ones(len(b))
    if np.any(v_leak != 0):
        raise NirError(f"{where}: v_leak = {v_leak[v_leak != 0][0]:g}; only v_leak = 0 is read from foreign files")
    if du != 1.0 and np.any(b != 0):
        raise NirError(f"{where}: an Affine bias before a CubaLIF with du = {du:g} < 1 feeds the decaying "
                       "current, so it is no constant bias; Lava cannot represent it exactly")
    return b
