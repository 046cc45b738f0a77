"""lava-dl netx HDF5 interchange: ``save_netx`` writes what ``netx.hdf5.Network`` loads,
``load_netx`` reads dense + CUBA files written by lava-dl (and by ``save_netx``).

Layout (one group per layer under ``layer/``, numbered from 0)::

    layer/<i>/type          b'dense' (or b'input'), bytes, shape (1,)
    layer/<i>/shape         int64 [n_out]
    layer/<i>/inFeatures    int64 scalar        layer/<i>/outFeatures   int64 scalar
    layer/<i>/weight        float32 (n_out, n_in), integer values
    layer/<i>/bias          optional, per neuron, bias mantissa at bias_exp 6
    layer/<i>/neuron/type   'CUBA' (or 'LOIHI'); iDecay, vDecay, vThMant, refDelay, gradedSpike

lava-dl maps a CUBA neuron to Lava ``LIF(vth=vThMant, du=iDecay - 1, dv=vDecay,
bias_mant=bias, bias_exp=6)`` and a dense weight matrix ``w`` to ``Dense(w << s,
weight_exp=-s, num_weight_bits=b)`` with ``s`` and ``b`` chosen by its ``optimize_weight_bits``
(``lava_dl_weight_bits`` reproduces it; ``b`` = 9 keeps bit 0 of odd mixed weights). So a
netx weight is the effective synaptic weight, ``iDecay`` is the true current decay on 4096
(4096 = no current memory: our ``lif``) and the threshold is a mantissa (<< 6). ``load_netx``
applies the same weight mapping, so the loaded network runs exactly as lava-dl would run it.

Dense layers without a ``neuron`` group (lava-dl's bootstrap tutorial file has them) are
refused with a one-line error ("missing group 'neuron'"): we do not guess their neuron.
Optional ``input`` layers (a neuron per input with one scalar weight and bias) load as a
diagonal dense layer. Conv, pooling and other layer types are refused by name.
A layer group's ``spikeprop_neuron`` attribute records our neuron kind (lava-dl ignores it).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from export.loihi import WEIGHT_EXP_MAX
from export.network import BIAS_MANT_RANGE, DECAY_UNITY, Layer, Network, NetworkError

NEURON_DATASETS = ("type", "iDecay", "vDecay", "vThMant")
SUPPORTED_NEURONS = ("CUBA", "LOIHI")


from export.errors import NetxError  # noqa: E402  (re-exported)


# --- writing -----------------------------------------------------------------------------------


def _netx_weights(layer: Layer) -> np.ndarray:
    """Effective integer weights ``W * 2**weight_exp`` as lava-dl expects them."""
    from export.fallback.fixed import lava_weights

    w = lava_weights(layer).astype(np.float64) * 2.0**layer.weight_exp
    if not np.all(w == np.round(w)):
        raise NetxError(
            f"{layer.label}: weights x 2**weight_exp ({layer.weight_exp}) are not integers; netx "
            "stores integer weights (quantise with weight_exp=0)"
        )
    if w.max() > 255 or w.min() < -256:
        raise NetxError(
            f"{layer.label}: effective weights span [{w.min():.0f}, {w.max():.0f}], beyond the 8-bit "
            "range lava-dl can load; quantise with weight_exp <= 0"
        )
    return w


def _netx_bias(layer: Layer) -> np.ndarray:
    """Bias as a mantissa at exponent 6 (what lava-dl passes to LIF)."""
    mant = np.asarray(layer.params["bias_mant"], dtype=np.int64) * np.ones(layer.n_out, dtype=np.int64)
    exp = np.asarray(layer.params["bias_exp"], dtype=np.int64) * np.ones(layer.n_out, dtype=np.int64)
    b = mant * 2.0 ** (exp - 6)
    if not np.all(b == np.round(b)):
        raise NetxError(f"{layer.label}: bias cannot be written at netx's bias exponent 6 without loss")
    return b


def save_netx(network: Network, path: str | Path) -> Any:
    """Write ``network`` as a lava-dl netx HDF5 file. A float network is quantised first.

    Returns the quantisation report (None if the network was already fixed point).
    """
    import h5py

    report = None
    if network.precision == "float":
        from export.quantize import quantize

        network, report = quantize(network)
    for layer in network.layers:
        if layer.neuron == "two_compartment":
            raise NetxError(
                f"{layer.label}: netx has no two-compartment neuron; only lif / cuba_lif layers can be written"
            )
    path = Path(path)
    try:
        _write_atomically(network, path, h5py)
    except OSError as exc:  # read-only folder, full disk, a file where a folder should be: the user's path
        raise NetxError(f"{path}: cannot write it ({exc.strerror or exc})") from None
    return report


def _write_atomically(network: Network, path: Path, h5py: Any) -> None:
    """Write into a uniquely named temporary file beside ``path``, then rename it over ``path``."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        _write_layers(network, tmp, h5py)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_layers(network: Network, tmp: Path, h5py: Any) -> None:
    with h5py.File(tmp, "w") as f:
        root = f.create_group("layer")
        for i, layer in enumerate(network.layers):
            g = root.create_group(str(i))
            g.attrs["spikeprop_neuron"] = layer.neuron
            g.create_dataset("type", (1,), "S10", [b"dense"])
            g.create_dataset("shape", data=np.array([layer.n_out], dtype=np.int64))
            g.create_dataset("inFeatures", data=np.int64(layer.n_in))
            g.create_dataset("outFeatures", data=np.int64(layer.n_out))
            g.create_dataset("weight", data=_netx_weights(layer).astype(np.float32))
            bias = _netx_bias(layer)
            if np.any(bias):
                g.create_dataset("bias", data=bias.astype(np.float32))
            n = g.create_group("neuron")
            n.create_dataset("type", data="CUBA")
            n.create_dataset("iDecay", data=np.int64(layer.param("du")))
            n.create_dataset("vDecay", data=np.int64(layer.params["dv"]))
            n.create_dataset("vThMant", data=np.int64(layer.params["vth"]))
            n.create_dataset("refDelay", data=np.int64(1))
            n.create_dataset("gradedSpike", data=np.bool_(False))


# --- reading -----------------------------------------------------------------------------------


def _read(g: Any, key: str, where: str) -> Any:
    if key not in g:
        raise NetxError(f"{where}: missing dataset '{key}'")
    value = g[key]
    if not hasattr(value, "shape"):
        raise NetxError(f"{where}: '{key}' is a group, expected a dataset")
    return value[()]


def _text(value: Any) -> str:
    """netx stores strings as bytes arrays of shape (1,), scalars, or str."""
    if isinstance(value, np.ndarray):
        value = value.reshape(-1)[0] if value.size else b""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip().strip("\x00")


def _int(value: Any, where: str, key: str) -> int:
    arr = np.asarray(value).reshape(-1)
    if arr.size != 1 or not np.issubdtype(arr.dtype, np.number) or arr[0] != np.round(arr[0]):
        raise NetxError(f"{where}: '{key}' must be one integer, got {value!r}")
    return int(arr[0])


def lava_dl_weight_bits(weight: np.ndarray) -> tuple[np.ndarray, int, int]:
    """lava-dl netx's ``optimize_weight_bits``: integer weights -> (Dense weights, weight_exp,
    num_weight_bits), the three values lava-dl passes to Lava's ``Dense``.

    As in lava-dl: the sign mode is inhibitory only if max < 0 (so max == 0 is *mixed*: scale
    from -128 / min, no division by the zero maximum); the shift is floor(log2(scale)) (+1 if
    mixed); ``num_weight_bits = 8 - shift - n`` with ``n`` the largest power of two (<= 8)
    dividing every weight, minus 1 if mixed. Lava then truncates exactly the bits that are
    zero, so odd mixed weights in [-256, 254] get 9 bits and keep bit 0. Weights beyond 8
    bits (which lava-dl itself cannot map) are shifted right instead, with 8 bits.
    """
    w = weight.astype(np.int64)
    max_w, min_w = int(w.max()), int(w.min())
    if max_w == min_w == 0:
        return w, 0, 8
    if max_w < 0:
        scale, signed = -256 / min_w, 0
    elif min_w >= 0:
        scale, signed = 255 / max_w, 0
    else:
        scale = min(127 / max_w if max_w > 0 else math.inf, -128 / min_w)
        signed = 1
    bits = int(math.floor(math.log2(scale))) + signed
    if bits < 0:
        return w >> -bits, -bits, 8
    n = next(k for k in range(8, -1, -1) if np.all(w % (1 << k) == 0)) - signed
    num_bits = 8 - bits - n
    # Lava drops 8 - num_bits (+1 if mixed, by *its* sign rule) bits: never fewer than 0.
    lava_mixed = int(min_w < 0 < max_w)
    return w << bits, -bits, int(min(max(num_bits, 1), 8 + lava_mixed))


def _neuron(g: Any, where: str) -> dict[str, int]:
    if "neuron" not in g:
        raise NetxError(f"{where}: missing group 'neuron'")
    n = g["neuron"]
    kind = _text(_read(n, "type", f"{where}/neuron"))
    if kind not in SUPPORTED_NEURONS:
        raise NetxError(
            f"{where}: neuron type '{kind}' is not supported (supported: {', '.join(SUPPORTED_NEURONS)})"
        )
    vals = {k: _int(_read(n, k, f"{where}/neuron"), f"{where}/neuron", k) for k in NEURON_DATASETS[1:]}
    if "gradedSpike" in n and bool(np.asarray(n["gradedSpike"][()]).reshape(-1)[0]):
        raise NetxError(f"{where}: graded spikes are not supported")
    return vals


def _bias(g: Any, where: str, n_out: int) -> tuple[Any, int]:
    if "bias" not in g:
        return 0, 6
    b = np.asarray(_read(g, "bias", where), dtype=np.float64).reshape(-1)
    if b.size == 1:
        b = np.full(n_out, b[0])
    if b.shape != (n_out,):
        raise NetxError(f"{where}: 'bias' has {b.size} entries, expected {n_out}")
    b = b.astype(np.int64)  # lava-dl reads the bias with astype(int)
    lo, hi = BIAS_MANT_RANGE
    if b.min() >= lo and b.max() <= hi:
        return b, 6
    if np.all(b % 2 == 0) and (b // 2).min() >= lo and (b // 2).max() <= hi:
        return b // 2, 7
    raise NetxError(f"{where}: bias {np.abs(b).max()} exceeds Loihi's 13-bit bias mantissa")


def _params(neuron: dict[str, int], kind: str, bias: Any, bias_exp: int) -> dict[str, Any]:
    p: dict[str, Any] = {"dv": neuron["vDecay"], "vth": neuron["vThMant"], "bias_mant": bias, "bias_exp": bias_exp}
    if kind != "lif":
        p["du"] = neuron["iDecay"]
    return p


def _kind(g: Any, neuron: dict[str, int]) -> str:
    hint = g.attrs.get("spikeprop_neuron")
    hint = hint.decode() if isinstance(hint, bytes) else hint
    if hint in ("lif", "cuba_lif"):
        if hint == "lif" and neuron["iDecay"] != DECAY_UNITY:
            return "cuba_lif"
        return hint
    return "lif" if neuron["iDecay"] == DECAY_UNITY else "cuba_lif"


def load_netx(path: str | Path) -> Network:
    """Read a netx HDF5 file (dense layers, CUBA neurons, optional input layer and bias) into a
    fixed-point ``Network``; anything else raises ``NetxError`` naming the layer and dataset."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise NetxError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise NetxError(f"{path}: not an HDF5 file ({exc})") from None
    with f:
        try:
            layers, n_inputs = _read_layers(f, path)
        except NetxError:
            raise
        except (RuntimeError, OSError, KeyError, ValueError, TypeError) as exc:  # h5py on damaged metadata
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise NetxError(f"{path}: damaged HDF5 file ({first[:120]})") from None
    try:
        return Network(layers, n_inputs, meta={"source": str(path), "format": "netx"})
    except NetworkError as exc:
        raise NetxError(f"{path}: {exc}") from None


def _read_layers(f: Any, path: Path) -> tuple[list[Layer], int | None]:
    """The layers of an open netx file and its input width."""
    if "layer" not in f:
        raise NetxError(f"{path}: missing group 'layer' (not a netx network file)")
    root = f["layer"]
    keys = sorted(root.keys(), key=lambda k: int(k) if k.isdigit() else math.inf)
    if not keys:
        raise NetxError(f"{path}: 'layer' group is empty")
    if any(not k.isdigit() for k in keys) or [int(k) for k in keys] != list(range(len(keys))):
        raise NetxError(f"{path}: layer groups must be numbered 0..{len(keys) - 1}, found {keys}")
    layers: list[Layer] = []
    n_inputs: int | None = None
    for k in keys:
        where = f"{path}: layer {k}"
        g = root[k]
        kind = _text(_read(g, "type", where)).lower()
        if kind == "input":
            if layers:
                raise NetxError(f"{where}: an 'input' layer must come first")
            layer, n_inputs = _input_layer(g, where)
        elif kind == "dense":
            layer = _dense_layer(g, where, layers[-1].n_out if layers else n_inputs)
            if n_inputs is None:
                n_inputs = layer.n_in
        elif kind == "flatten" and not layers:
            continue  # a no-op before the first dense layer of a flat input
        else:
            raise NetxError(
                f"{where}: layer type '{kind}' is not supported (supported: dense, input)"
            )
        layer.name = f"layer {len(layers)}"
        layers.append(layer)
    if not layers:
        raise NetxError(f"{path}: no dense layers")
    return layers, n_inputs


def _dense_layer(g: Any, where: str, n_prev: int | None) -> Layer:
    w = np.asarray(_read(g, "weight", where), dtype=np.float64)
    shape = np.asarray(_read(g, "shape", where)).reshape(-1)
    n_out = int(np.prod(shape))
    if w.ndim == 1:
        if n_out == 0 or w.size % n_out:
            raise NetxError(f"{where}: 'weight' has {w.size} values, not a multiple of shape {shape.tolist()}")
        w = w.reshape(n_out, -1)
    if w.ndim != 2:
        raise NetxError(f"{where}: 'weight' must be 2-D (out, in) for a dense layer, got shape {w.shape}")
    if w.shape[0] != n_out:
        raise NetxError(f"{where}: 'weight' has {w.shape[0]} rows but 'shape' says {n_out} neurons")
    for key, size in (("outFeatures", w.shape[0]), ("inFeatures", w.shape[1])):
        if key in g and _int(g[key][()], where, key) != size:
            raise NetxError(f"{where}: '{key}' = {_int(g[key][()], where, key)} but 'weight' has shape {w.shape}")
    if n_prev is not None and w.shape[1] != n_prev:
        raise NetxError(f"{where}: 'weight' reads {w.shape[1]} inputs but the previous layer has {n_prev} outputs")
    if not np.all(np.isfinite(w)) or not np.all(w == np.round(w)):
        raise NetxError(f"{where}: 'weight' must hold integer values")
    neuron = _neuron(g, where)
    bias, bias_exp = _bias(g, where, n_out)
    kind = _kind(g, neuron)
    weights, exp, num_bits = lava_dl_weight_bits(w)
    if exp > WEIGHT_EXP_MAX:  # e.g. a weight of 1e9: no 8-bit mantissa and exponent holds it
        raise NetxError(f"{where}: 'weight' values up to {np.abs(w).max():.6g} are outside what Loihi holds "
                        f"(8-bit mantissa << weight exponent <= {WEIGHT_EXP_MAX}, |w| <= {255 << WEIGHT_EXP_MAX})")
    try:
        return Layer(weights=weights, neuron=kind, params=_params(neuron, kind, bias, bias_exp),
                     precision="fixed", weight_exp=exp, num_weight_bits=num_bits)
    except NetworkError as exc:
        raise NetxError(f"{where}: {exc}") from None


def _input_layer(g: Any, where: str) -> tuple[Layer, int]:
    shape = np.asarray(_read(g, "shape", where)).reshape(-1)
    n = int(np.prod(shape))
    weight = _int(g["weight"][()], where, "weight") if "weight" in g else 64  # lava-dl's default
    neuron = _neuron(g, where)
    bias, bias_exp = _bias(g, where, n)
    w, exp, num_bits = lava_dl_weight_bits(np.eye(n, dtype=np.int64) * weight)
    kind = _kind(g, neuron)
    try:
        layer = Layer(weights=w, neuron=kind, params=_params(neuron, kind, bias, bias_exp),
                      precision="fixed", weight_exp=exp, num_weight_bits=num_bits)
    except NetworkError as exc:
        raise NetxError(f"{where}: {exc}") from None
    return layer, n
