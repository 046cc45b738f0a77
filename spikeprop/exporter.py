"""Write a trained network to a file a device can load: lava-dl netx HDF5 (fixed point) or this
project's network file (.npz, float or fixed). ``spikeprop export`` prints the result."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from export.errors import ExportError
from export.network import Network
from spikeprop.artifacts import load_any
from spikeprop.errors import SpikePropError

FORMATS = ("netx", "lava")


def export_file(source: str | Path, fmt: str, output: str | Path, precision: str = "fixed") -> tuple[Network, Any]:
    """Load ``source`` (checkpoint, netx or .npz), bring it to the format's precision and write
    ``output``; returns the written network and the quantisation report (None if not quantised)."""
    from export.netx import save_netx
    from export.network import save_network
    from export.quantize import quantize, to_precision

    if fmt not in FORMATS:
        raise SpikePropError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    net = load_any(source).network
    if fmt == "netx" and precision == "float":
        raise SpikePropError("netx stores fixed-point networks; drop --precision float")
    report = None
    try:
        if (fmt == "netx" or precision == "fixed") and net.precision == "float":
            net, report = quantize(net)
        elif fmt == "lava":
            net = to_precision(net, precision)
        if fmt == "netx":
            save_netx(net, output)
        else:
            save_network(net, output)
    except (ExportError, OSError) as exc:
        raise SpikePropError(str(exc)) from None
    return net, report
