"""Open what a user points the CLI at: a spikeprop checkpoint (.pt), a netx HDF5 file
(.h5/.hdf5/.net/.netx), a NIR graph (.nir) or a saved Network (.npz). Library errors (``export.errors.ExportError``)
and checkpoint errors become one-line ``SpikePropError``s here, the application's side of the
export library."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.errors import ExportError, NirConventionError
from export.from_torch import from_torch
from export.network import Network
from spikeprop.errors import SpikePropError

NETX_SUFFIXES = (".h5", ".hdf5", ".net", ".netx")
NIR_SUFFIX = ".nir"
NIR_CONVENTIONS = ("auto", "spikeprop", "snntorch", "norse")


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


def load_any(path: str | Path, nir_convention: str = "auto") -> Loaded:
    """The network in ``path`` (and, for a checkpoint, its torch model and T/window).
    ``nir_convention`` (.nir files): 'auto' recognises it from the file or asks for it, never guesses.
    ``CheckpointError`` (a SpikePropError) passes through; ``ExportError`` becomes SpikePropError."""
    path = Path(path)
    if not path.exists():
        raise SpikePropError(f"{path}: no such file")
    try:
        suffix = path.suffix.lower()
        if suffix in NETX_SUFFIXES:
            from export.netx import load_netx

            return Loaded(load_netx(path), kind="netx")
        if suffix == NIR_SUFFIX:
            return Loaded(load_nir(path, nir_convention), kind="nir")
        if suffix == ".npz":
            from export.network import load_network as load_saved_network

            return Loaded(load_saved_network(path), kind="network")
        model, info = load_checkpoint_model(path)
        net = from_torch(model)
        net.meta.update(source=str(path), epoch=info.get("epoch"))
        train = info.get("train") or {}
        return Loaded(net, model, train.get("T"), train.get("window_ms"), kind="checkpoint", train=dict(train))
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None


def load_nir(path: Path, convention: str = "auto") -> Network:
    """A NIR file as a float Network; an unrecognisable convention names the option that picks it."""
    from export.nir import from_nir

    if convention not in NIR_CONVENTIONS:
        raise SpikePropError(f"--nir-convention must be one of {', '.join(NIR_CONVENTIONS)}, got {convention!r}")
    try:
        net = from_nir(path, convention=None if convention == "auto" else convention)
    except NirConventionError as exc:
        raise SpikePropError(f"{path}: cannot tell the NIR convention ({exc.reason}); "
                             "choose it with --nir-convention snntorch or --nir-convention norse") from None
    net.meta.update(source=str(path))
    return net
