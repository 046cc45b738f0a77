"""Checkpoints: written atomically, validated on load, one-line errors.

A checkpoint is a plain dict (loadable with ``torch.load(weights_only=True)``)::

    format, version, net (NetConfig dict), train (TrainConfig dict), model (state_dict),
    signal (state_dict), learner (optimizer state), epoch, rng, best, history
"""
from __future__ import annotations

import hashlib
import os
import pickle
import struct
import sys
from pathlib import Path
from typing import Any

import torch

from spikeprop.config import TrainConfig, upgrade_method
from spikeprop.errors import CheckpointError, ConfigError
from spikeprop.model import NetConfig, SpikingNet
from spikeprop.rules.signal import TargetSignal

FORMAT = "spikeprop-checkpoint"
VERSION = 1
REQUIRED = ("net", "train", "model", "signal", "epoch")


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` via a temporary file + ``os.replace`` (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from spikeprop.rundir import temp_path_for

    tmp = temp_path_for(path)
    try:
        torch.save(with_digest({"format": FORMAT, "version": VERSION, **payload}), tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


DIGEST_KEY = "digest"


def _feed(h: "hashlib._Hash", obj: Any) -> None:
    """Hash ``obj`` by content: tensors by dtype, shape and bytes; containers in order (dict
    keys sorted); everything else by ``repr`` (exact for floats)."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=repr):
            _feed(h, k)
            _feed(h, obj[k])
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[" if isinstance(obj, list) else b"(")
        for v in obj:
            _feed(h, v)
        h.update(b"]")
    else:
        h.update(repr(obj).encode())


def content_digest(ckpt: dict[str, Any]) -> str:
    """sha256 of everything in a checkpoint except the digest itself."""
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in ckpt.items() if k != DIGEST_KEY})
    return h.hexdigest()


def with_digest(ckpt: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint with its content hash, checked by ``load_checkpoint``: flipped bytes in
    a weight tensor are not caught by torch.load and used to change the reported accuracy."""
    return {**ckpt, DIGEST_KEY: content_digest(ckpt)}


def check_digest(ckpt: dict[str, Any], path: Path) -> None:
    if DIGEST_KEY not in ckpt:
        if str(path) not in _NOTED:
            _NOTED.add(str(path))
            print(f"note: {path}: checkpoint written before content hashes; its integrity is not checked",
                  file=sys.stderr)
        return
    if ckpt[DIGEST_KEY] != content_digest(ckpt):
        raise CheckpointError(f"{path}: checkpoint content does not match its hash (the file was changed "
                              "or damaged after it was written)")


_NOTED: set[str] = set()


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read and validate a checkpoint; raises ``CheckpointError`` naming the file and problem."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder; give a checkpoint file in it (e.g. {path / 'best.pt'})")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    # what torch.load raised on truncated, empty, random and bit-flipped files: RuntimeError (zip),
    # UnpicklingError, EOFError, KeyError, IndexError, struct.error, ValueError (incl.
    # UnicodeDecodeError); OSError for unreadable ones
    except (OSError, EOFError, RuntimeError, pickle.UnpicklingError, KeyError, IndexError, ValueError,
            struct.error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupt or truncated: {first[:120]})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a spikeprop checkpoint (no '{FORMAT}' marker)")
    if ckpt.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {ckpt.get('version')} is not supported (expected {VERSION})")
    missing = [k for k in REQUIRED if k not in ckpt]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}")
    check_digest(ckpt, path)
    return ckpt


def configs_of(ckpt: dict[str, Any], path: str | Path = "checkpoint") -> tuple[NetConfig, TrainConfig]:
    """The network and training configs a checkpoint holds; ``CheckpointError`` names the file."""
    try:
        net, train = upgrade_method(dict(ckpt["net"]), dict(ckpt["train"]))  # old method names
        train.setdefault("val_fraction", 0.0)  # checkpoints from before the validation split had none
        train.setdefault("sp_rate_weight", 0.0)  # ... or the SP rate term: resume them as they ran
        return NetConfig.from_dict(net), TrainConfig.from_dict(train)
    except (ConfigError, KeyError, TypeError, ValueError) as exc:  # Type/ValueError: a field of the wrong type
        raise CheckpointError(f"{path}: invalid configuration in checkpoint: {exc}") from None


def restore_model(ckpt: dict[str, Any], path: str | Path = "checkpoint") -> tuple[SpikingNet, TargetSignal, NetConfig, TrainConfig]:
    """Rebuild the network and target signal a checkpoint describes, with its weights."""
    net_cfg, train_cfg = configs_of(ckpt, path)
    net = SpikingNet(net_cfg)
    signal = TargetSignal(train_cfg.n_classes, net_cfg.sizes[0], train_cfg.target_density, train_cfg.seed)
    load_weights(net, ckpt["model"], path)
    load_weights(signal, ckpt["signal"], path)
    return net, signal, net_cfg, train_cfg


def load_weights(module: torch.nn.Module, state: dict[str, torch.Tensor], path: str | Path) -> None:
    """``load_state_dict`` with a one-line error for a checkpoint of another model."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise CheckpointError(f"{path}: checkpoint is from another model (missing {missing[:3]}, unexpected {extra[:3]})")
    for k, v in own.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise CheckpointError(
                f"{path}: checkpoint is from another model ({k} has shape {tuple(state[k].shape)}, "
                f"this model expects {tuple(v.shape)})")
    module.load_state_dict(state)


def check_same_model(ckpt: dict[str, Any], net_cfg: NetConfig, path: str | Path) -> None:
    """Refuse to resume a run whose network differs from the checkpoint's."""
    theirs = ckpt.get("net", {})
    ours = net_cfg.to_dict()
    diff = [k for k in ours if theirs.get(k) != ours[k]]
    if diff:
        k = diff[0]
        raise CheckpointError(f"{path}: checkpoint is from another model ({k}={theirs.get(k)!r}, this run has {ours[k]!r})")


def load_model(path: str | Path) -> tuple[SpikingNet, TargetSignal]:
    """The trained network (eval mode) and its target signal, from a checkpoint file."""
    net, signal, _, _ = restore_model(load_checkpoint(path), path)
    return net.eval(), signal
