"""Open whatever a user points the CLI at: a spikeprop checkpoint (.pt), a netx HDF5 file
(.h5/.hdf5/.net) or a saved Network (.npz). Errors become one-line ``SpikePropError``s."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.network import Network

NETX_SUFFIXES = (".h5", ".hdf5", ".net", ".netx")


@dataclass
class Loaded:
    network: Network
    model: Any = None  # the torch SpikingNet, for checkpoints
    T: int | None = None  # time bins the model was trained with
    window_ms: float | None = None
    kind: str = "checkpoint"


def load_any(path: str | Path) -> Loaded:
    from spikeprop.errors import SpikePropError

    from export.netx import NetxError
    from export.network import NetworkError, load_network

    path = Path(path)
    if not path.exists():
        raise SpikePropError(f"{path}: no such file")
    try:
        if path.suffix.lower() in NETX_SUFFIXES:
            from export.netx import load_netx

            return Loaded(load_netx(path), kind="netx")
        if path.suffix.lower() == ".npz":
            return Loaded(load_network(path), kind="network")
        from export.from_torch import load_checkpoint_model, from_torch

        model, info = load_checkpoint_model(path)
        net = from_torch(model)
        net.meta.update(source=str(path), epoch=info.get("epoch"))
        train = info.get("train") or {}
        return Loaded(net, model, train.get("T"), train.get("window_ms"), kind="checkpoint")
    except (NetxError, NetworkError, TypeError) as exc:
        raise SpikePropError(str(exc)) from None
