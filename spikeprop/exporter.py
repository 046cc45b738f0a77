"""Write a trained network to a file a device can load: lava-dl netx HDF5 (fixed point) or this
project's network file (.npz, float or fixed). ``spikeprop export`` prints the result."""
from __future__ import annotations

import os
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
    check_output(source, output)
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
            _save_npz(net, Path(output), save_network)
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None
    except OSError as exc:
        raise SpikePropError(f"-o {output}: cannot write it ({exc.strerror or exc})") from None
    return net, report


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
