"""Write a trained network to a file a device or another tool can load: lava-dl netx HDF5 (fixed
point), a NIR graph (float, what snntorch/norse/sinabs read) or this project's network file (.npz,
float or fixed). ``spikeprop export`` prints the result."""
from __future__ import annotations

import os
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
    check_output(source, output)
    if fmt == "netx" and precision == "float":
        raise SpikePropError("netx stores fixed-point networks; drop --precision float")
    if fmt == "nir" and precision == "fixed":
        raise SpikePropError("NIR stores float parameters (time constants, thresholds); drop --precision fixed")
    net = load_any(source, nir_convention).network
    try:
        net, report = _to_precision(net, fmt, precision)
        _write(net, fmt, output)
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None
    except OSError as exc:
        raise SpikePropError(f"-o {output}: cannot write it ({exc.strerror or exc})") from None
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

    if fmt == "lava":
        _save_npz(net, Path(output), save_network)
    else:
        {"netx": save_netx, "nir": save_nir}[fmt](net, output)
def check_output(source: str | Path, output: str | Path) -> None:
    """Refuse an ``-o`` that would destroy something: the input itself, or anything that is not a
    regular file (a rename over /dev/full replaced the device node); name a file in the way of
    the folder. Checked before any work."""
    out = Path(output)
    if out.exists():
        if not out.is_file():
            kind = "a folder" if out.is_dir() else "not a regular file"
            raise SpikePropError(f"-o {out}: is {kind}; give the path of a file to write")
        if Path(source).exists() and os.path.samefile(out, source):
            raise SpikePropError(f"-o {out}: is the input {source}; refusing to overwrite it")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise SpikePropError(f"-o {out}: {parent} is a file, not a folder")


def _save_npz(net: Network, path: Path, save_network) -> None:
    """``save_network`` through a unique temporary file + rename (never half-written)."""
    from spikeprop.rundir import temp_path_for

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path, ".npz")
    try:
        save_network(net, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
