"""Hardware-neutral network description: plain numpy data shared by every backend.

A ``Network`` is a feed-forward chain of ``Layer``s. Layer ``l`` computes
``a = W_l s_{l-1}`` (dense, no synaptic bias) and feeds it to a population of neurons.
No torch or Lava objects live here, so the same description runs on the numpy
fallback, on Lava, and round-trips through netx HDF5.

Units (``precision`` decides which set applies; all layers share one precision):

``"float"`` -- the trained values, in the units the torch model used:
    weights   float, (n_out, n_in)
    du, dv    per-step decays in [0, 1] (du = 1: no current memory; dv = 1 - beta)
    dv_dend   dendrite decay in [0, 1] (two_compartment)
    g         dendrite -> soma coupling (two_compartment)
    vth, bias threshold and constant per-step input, same units as ``W @ s``

``"fixed"`` -- Loihi 2 integers, as Lava's bit-accurate models read them:
    weights    int 8-bit mantissas: [-256, 255] mixed sign (Lava then drops the lowest bit),
               [0, 255] excitatory only, [-255, 0] inhibitory only
    weight_exp synaptic input = (W @ s) * 2**weight_exp, then << 6 into the current ``u``
    du, dv     decays on the 4096 scale, *true* decays: 4096 = forget everything in one step
               (Lava's LIF register ``du`` holds du - 1 because its model adds 1)
    dv_dend, g 12-bit fractions of 4096 (two_compartment)
    vth        17-bit mantissa; the effective threshold is vth << 6
    bias_mant, bias_exp   effective bias = bias_mant << bias_exp (bias_exp 6 = vth's scale)
    ``u``/``v`` are 24-bit: ``u`` wraps around, ``v`` saturates at +-(2**23 - 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Loihi 2 register ranges and weight rules live in export.loihi; re-exported here for netx.
from export.loihi import (  # noqa: F401
    BIAS_EXP_RANGE,
    BIAS_MANT_RANGE,
    DECAY_UNITY,
    VTH_MAX,
    sign_mode,
    weight_range,
)

NEURONS = ("lif", "cuba_lif", "two_compartment")
PRECISIONS = ("float", "fixed")

# Required neuron parameters per (neuron kind, precision).
_FLOAT_PARAMS = {
    "lif": ("dv", "vth", "bias"),
    "cuba_lif": ("du", "dv", "vth", "bias"),
    "two_compartment": ("du", "dv", "dv_dend", "g", "vth", "bias"),
}
_FIXED_PARAMS = {
    "lif": ("dv", "vth", "bias_mant", "bias_exp"),
    "cuba_lif": ("du", "dv", "vth", "bias_mant", "bias_exp"),
    "two_compartment": ("du", "dv", "dv_dend", "g", "vth", "bias_mant", "bias_exp"),
}
REQUIRED_PARAMS = {"float": _FLOAT_PARAMS, "fixed": _FIXED_PARAMS}

from export.errors import NetworkError  # noqa: E402  (re-exported)


@dataclass
class Layer:
    """Dense synapses ``(n_out, n_in)`` followed by one neuron population."""

    weights: np.ndarray
    neuron: str
    params: dict[str, Any]
    precision: str = "float"
    weight_exp: int = 0  # fixed only: synaptic input scaled by 2**weight_exp
    name: str = ""
    # fixed only: Lava Dense's ``num_weight_bits``; it keeps the top ``num_weight_bits`` bits
    # (+1 sign bit if mixed) of the 8-bit weights. 8 drops bit 0 of mixed weights; 9 keeps it
    # (what lava-dl's netx passes for odd mixed weights, see export.netx).
    num_weight_bits: int = 8

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights)
        self.params = dict(self.params)
        if self.neuron == "lif" and "du" in self.params:
            self.params.pop("du")  # plain LIF has no current memory by definition
        self.validate(ranges=False)  # Network re-validates with ranges, naming the layer

    @property
    def n_in(self) -> int:
        return int(self.weights.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.weights.shape[0])

    @property
    def label(self) -> str:
        return self.name or "layer"

    def param(self, key: str) -> Any:
        """A parameter, with ``du`` of a plain LIF being 'forget all' (1.0 or 4096)."""
        if key == "du" and self.neuron == "lif":
            return 1.0 if self.precision == "float" else DECAY_UNITY
        return self.params[key]

    def validate(self, ranges: bool = True) -> None:
        """Check kinds, shapes and parameters; ``ranges`` also checks Loihi's register ranges."""
        where = self.label
        if self.precision not in PRECISIONS:
            raise NetworkError(f"{where}: precision must be 'float' or 'fixed', got {self.precision!r}")
        required = required_params(where, self.neuron, self.precision)
        if self.weights.ndim != 2 or 0 in self.weights.shape:
            raise NetworkError(
                f"{where}: weights must be a non-empty 2-D (n_out, n_in) array, "
                f"got shape {self.weights.shape}"
            )
        if not np.issubdtype(self.weights.dtype, np.number):
            raise NetworkError(f"{where}: weights must be numeric, got dtype {self.weights.dtype}")
        if not np.all(np.isfinite(self.weights)):
            raise NetworkError(f"{where}: weights contain NaN or inf")
        missing = [k for k in required if k not in self.params]
        if missing:
            raise NetworkError(
                f"{where}: {self.precision} {self.neuron} neuron needs parameter(s) "
                f"{', '.join(missing)} (has {', '.join(sorted(self.params)) or 'none'})"
            )
        extra = sorted(set(self.params) - set(required))
        if extra:
            raise NetworkError(
                f"{where}: unexpected parameter(s) {', '.join(extra)} for a {self.precision} "
                f"{self.neuron} neuron (expected {', '.join(required)})"
            )
        for k in required:
            self.params[k] = _check_param(where, k, self.params[k], self.n_out)
        if self.precision == "float":
            self._validate_float()
        elif ranges:
            self._validate_fixed()

    def _validate_float(self) -> None:
        for k in ("du", "dv", "dv_dend"):
            if k in self.params and not np.all((0.0 <= self.params[k]) & (self.params[k] <= 1.0)):
                raise NetworkError(f"{self.label}: {k} must be in [0, 1], got {self.params[k]}")
        if self.weight_exp != 0:
            raise NetworkError(f"{self.label}: weight_exp is a fixed-point setting; float layers use 0")

    def _validate_fixed(self) -> None:
        where = self.label
        w = self.weights
        if not np.all(w == np.round(w)):
            raise NetworkError(f"{where}: fixed-point weights must be integers (use export.quantize)")
        self.weights = w.astype(np.int64)
        if int(self.weight_exp) != self.weight_exp:
            raise NetworkError(f"{where}: weight_exp must be an integer, got {self.weight_exp}")
        self.weight_exp = int(self.weight_exp)
        if int(self.num_weight_bits) != self.num_weight_bits or not 1 <= self.num_weight_bits <= 9:
            raise NetworkError(f"{where}: num_weight_bits must be an integer in [1, 9], got {self.num_weight_bits}")
        self.num_weight_bits = int(self.num_weight_bits)
        mode = sign_mode(self.weights)
        lo, hi = weight_range(mode)
        over = max(int(self.weights.max()) - hi, lo - int(self.weights.min()), 0)
        if over:
            raise NetworkError(
                f"{where}: weights span [{self.weights.min()}, {self.weights.max()}] but Loihi's "
                f"8-bit {mode} weights must lie in [{lo}, {hi}]: out of range by {over}. "
                "Re-quantise with export.quantize.quantize(), which rescales into range"
            )
        checks = {
            "du": (0, DECAY_UNITY), "dv": (0, DECAY_UNITY), "dv_dend": (0, DECAY_UNITY),
            "g": (-(2**15), 2**15 - 1), "vth": (0, VTH_MAX),
            "bias_mant": BIAS_MANT_RANGE, "bias_exp": BIAS_EXP_RANGE,
        }
        for k, (lo, hi) in checks.items():
            if k not in self.params:
                continue
            val = self.params[k]
            if not np.all(val == np.round(val)):
                raise NetworkError(f"{where}: fixed-point {k} must be an integer, got {val}")
            val = np.asarray(val).astype(np.int64)
            if val.min() < lo or val.max() > hi:
                raise NetworkError(
                    f"{where}: fixed-point {k} must lie in [{lo}, {hi}], got "
                    f"[{val.min()}, {val.max()}]"
                )
            self.params[k] = int(val) if val.ndim == 0 else val


def required_params(where: str, kind: str, precision: str) -> tuple[str, ...]:
    """Parameter names of a neuron kind: the built-in table, or the fields of a kind
    registered with ``neurons.register_neuron`` (float only: it has no fixed-point model)."""
    if kind in NEURONS:
        return REQUIRED_PARAMS[precision][kind]
    from neurons.registry import registered_neurons, neuron_kind

    if kind not in registered_neurons():
        known = NEURONS + registered_neurons()
        raise NetworkError(f"{where}: unknown neuron {kind!r}; choose one of {known} "
                           "(or register one with neurons.register_neuron)")
    if precision != "float":
        raise NetworkError(f"{where}: registered neuron {kind!r} has no fixed-point model; "
                           "run it in float precision")
    return neuron_kind(kind).params_type._fields


def _check_param(where: str, key: str, value: Any, n: int) -> Any:
    """Scalars stay Python scalars; per-neuron vectors (bias only) must have ``n`` entries."""
    try:
        arr = np.asarray(value)
        ok = np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise NetworkError(f"{where}: parameter {key} must be numeric, got {value!r}")
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{where}: parameter {key} is not finite ({value})")
    if arr.size == 1:
        return arr.reshape(()).item()
    if key not in ("bias", "bias_mant", "bias_exp"):
        raise NetworkError(f"{where}: parameter {key} must be one scalar for the layer (Lava shares it)")
    if arr.shape != (n,):
        raise NetworkError(f"{where}: per-neuron {key} must have shape ({n},), got {arr.shape}")
    return arr.astype(np.float64) if np.issubdtype(arr.dtype, np.floating) else arr


@dataclass
class Network:
    """A feed-forward chain of layers reading ``n_inputs`` input spike channels."""

    layers: list[Layer]
    n_inputs: int
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layers = list(self.layers)
        self.n_inputs = int(self.n_inputs)
        self.validate()

    def validate(self) -> None:
        if not self.layers:
            raise NetworkError("network has no layers")
        if self.n_inputs <= 0:
            raise NetworkError(f"n_inputs must be positive, got {self.n_inputs}")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise NetworkError(f"layer {i} is a {type(layer).__name__}, not an export.network.Layer")
            if not layer.name:
                layer.name = f"layer {i}"
            layer.validate()
        width = self.n_inputs
        for i, layer in enumerate(self.layers):
            if layer.n_in != width:
                src = "the network's inputs" if i == 0 else f"layer {i - 1}'s {width} outputs"
                raise NetworkError(
                    f"layer {i}: weights have shape {layer.weights.shape} (n_out, n_in), so the "
                    f"layer reads {layer.n_in} inputs, but it is fed by {src} ({width})"
                )
            width = layer.n_out
        precisions = {layer.precision for layer in self.layers}
        if len(precisions) > 1:
            raise NetworkError(
                "all layers must share one precision (Lava runs one select_tag); got "
                + ", ".join(f"layer {i}: {l.precision}" for i, l in enumerate(self.layers))
            )

    @property
    def precision(self) -> str:
        return self.layers[0].precision

    @property
    def sizes(self) -> list[int]:
        return [self.n_inputs] + [layer.n_out for layer in self.layers]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    @property
    def delay(self) -> int:
        """Time steps between an input spike and the output it causes on Lava (one per Dense)."""
        return len(self.layers)

    def summary(self) -> str:
        kinds = ",".join(sorted({layer.neuron for layer in self.layers}))
        return f"{'-'.join(map(str, self.sizes))} {kinds} ({self.precision})"


# --- plain-file form (the CLI's `--format lava`): one .npz, loadable without torch or Lava ----


def save_network(network: Network, path: Any) -> None:
    """Write ``network`` as ``.npz``: per-layer weights and params plus a JSON header."""
    import json

    header = {
        "format": "spikeprop-network",
        "version": 1,
        "n_inputs": network.n_inputs,
        "meta": _jsonable(network.meta),
        "layers": [],
    }
    arrays: dict[str, np.ndarray] = {}
    for i, layer in enumerate(network.layers):
        params = {}
        for k, v in layer.params.items():
            if np.ndim(v):
                arrays[f"layer{i}_{k}"] = np.asarray(v)
                params[k] = {"array": f"layer{i}_{k}"}
            else:
                params[k] = v
        arrays[f"layer{i}_weights"] = np.asarray(layer.weights)
        header["layers"].append({"neuron": layer.neuron, "precision": layer.precision,
                                 "weight_exp": layer.weight_exp, "name": layer.name, "params": params,
                                 "num_weight_bits": layer.num_weight_bits})
    np.savez(path, header=np.array(json.dumps(header)), **arrays)


def load_network(path: Any) -> Network:
    """Read a file written by ``save_network``; ``NetworkError`` if it is not one."""
    import json

    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            if header.get("format") != "spikeprop-network":
                raise NetworkError(f"{path}: not a spikeprop network file")
            layers = []
            for i, spec in enumerate(header["layers"]):
                params = {k: (data[v["array"]] if isinstance(v, dict) else v) for k, v in spec["params"].items()}
                layers.append(Layer(weights=data[f"layer{i}_weights"], neuron=spec["neuron"], params=params,
                                    precision=spec["precision"], weight_exp=spec["weight_exp"],
                                    name=spec.get("name", ""),
                                    num_weight_bits=spec.get("num_weight_bits", 8)))
            return Network(layers, header["n_inputs"], meta=header.get("meta", {}))
    except NetworkError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise NetworkError(f"{path}: not a readable spikeprop network file ({type(exc).__name__}: {exc})") from None


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)
