"""Write a trained network to a file a device or another tool can load: lava-dl netx HDF5 (fixed
point), a NIR graph (float, what snntorch/norse/sinabs read) or this project's network file (.npz,
float or fixed). ``spikeprop export`` prints the result."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from export.errors import ExportError
from export.network import Network
from spikeprop.artifacts import load_any
from spikeprop.errors import SpikePropError

FORMATS = ("netx", "lava", "nir")
DEFAULT_PRECISION = {"netx": "fixed", "lava": "fixed", "nir": "float"}


def export_file(source: str | Path, fmt: str, output: str | Path, precision: str | None = None,
                nir_convention: str = "auto") -> tuple[Network, Any]:
    """Load ``source`` (checkpoint, netx, NIR or .npz), bring it to the format's precision
    (default: fixed for netx and lava, float for NIR) and write ``output``; returns the written
    network and the quantisation report (None if not quantised)."""
    if fmt not in FORMATS:
        raise SpikePropError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    precision = precision or DEFAULT_PRECISION[fmt]
    if fmt == "netx" and precision == "float":
        raise SpikePropError("netx stores fixed-point networks; drop --precision float")
    if fmt == "nir" and precision == "fixed":
        raise SpikePropError("NIR stores float parameters (time constants, thresholds); drop --precision fixed")
    net = load_any(source, nir_convention).network
    try:
        net, report = _to_precision(net, fmt, precision)
        _write(net, fmt, output)
    except (ExportError, OSError) as exc:
        raise SpikePropError(str(exc)) from None
    return net, report


def _to_precision(net: Network, fmt: str, precision: str) -> tuple[Network, Any]:
    """The network as the format stores it, with the quantisation report if quantised here."""
    from export.quantize import quantize, to_precision

    if precision == "fixed" and net.precision == "float":
        return quantize(net)
    if fmt == "lava":
        return to_precision(net, precision), None
    return net, None  # netx: already fixed; nir: to_nir writes a fixed network as the float it approximates


def _write(net: Network, fmt: str, output: str | Path) -> None:
    from export.netx import save_netx
    from export.network import save_network
    from export.nir import save_nir

    {"netx": save_netx, "nir": save_nir, "lava": save_network}[fmt](net, output)
