"""Open what a user points the CLI at: a spikeprop checkpoint (.pt), a netx HDF5 file
(.h5/.hdf5/.net/.netx) or a saved Network (.npz). Library errors (``export.errors.ExportError``)
and checkpoint errors become one-line ``SpikePropError``s here, the application's side of the
export library."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.errors import ExportError
from export.from_torch import from_torch
from export.network import Network
from spikeprop.errors import SpikePropError

NETX_SUFFIXES = (".h5", ".hdf5", ".net", ".netx")


@dataclass
class Loaded:
    network: Network
    model: Any = None  # the torch SpikingNet, for checkpoints
    T: int | None = None  # time bins the model was trained with
    window_ms: float | None = None
    kind: str = "checkpoint"
    train: dict[str, Any] | None = None  # a checkpoint's TrainConfig (data set, encoding, seed)


def load_checkpoint_model(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """Rebuild the torch model stored in a spikeprop checkpoint.

    Returns ``(model, info)`` with ``info`` holding the NetConfig/TrainConfig dicts. A file
    that is not a spikeprop checkpoint, or one of another model, raises ``CheckpointError``.
    """
    from spikeprop.checkpoint import load_checkpoint, restore_model

    ckpt = load_checkpoint(path)
    model, _signal, net_cfg, train_cfg = restore_model(ckpt, path)
    info = {"net": net_cfg.to_dict(), "train": getattr(train_cfg, "__dict__", {}), "epoch": ckpt.get("epoch")}
    return model.eval(), info


def load_network(path: str | Path) -> tuple[Network, Any]:
    """Checkpoint file -> (float Network, torch model)."""
    model, info = load_checkpoint_model(path)
    net = from_torch(model)
    net.meta.update(source=str(path), epoch=info.get("epoch"))
    return net, model


def load_any(path: str | Path) -> Loaded:
    """The network in ``path`` (and, for a checkpoint, its torch model and T/window).
    ``CheckpointError`` (a SpikePropError) passes through; ``ExportError`` becomes SpikePropError."""
    path = Path(path)
    if not path.exists():
        raise SpikePropError(f"{path}: no such file")
    try:
        if path.suffix.lower() in NETX_SUFFIXES:
            from export.netx import load_netx

            return Loaded(load_netx(path), kind="netx")
        if path.suffix.lower() == ".npz":
            from export.network import load_network as load_saved_network

            return Loaded(load_saved_network(path), kind="network")
        model, info = load_checkpoint_model(path)
        net = from_torch(model)
        net.meta.update(source=str(path), epoch=info.get("epoch"))
        train = info.get("train") or {}
        return Loaded(net, model, train.get("T"), train.get("window_ms"), kind="checkpoint", train=dict(train))
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None
