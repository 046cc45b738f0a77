"""N-MNIST splits binned into ``SparseDataset`` s, with an on-disk cache for the embedded subset.

Why the cache: decompressing the embedded subset (LZMA) and binning it takes 1-3 s of every
``spikeprop train`` / ``evaluate`` start-up, always with the same result. The binned sparse
split (a few MB) is kept in ``$SPIKEPROP_CACHE_DIR``, else ``$XDG_CACHE_HOME/spikeprop``,
else ``~/.cache/spikeprop``, under a name that hashes everything it depends on (the embedded
file, the binning code, split, T, window, limit); ``SPIKEPROP_CACHE=0`` turns it off. A user
directory (``data_dir``) is never cached: its files can change without us noticing.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import torch

from spikeprop.errors import SpikePropError
from spikeprop.rules.sparse import SparseDataset

CACHE_FORMAT = 1  # bump when the cached arrays change meaning


def load_dataset(split: str, T: int, window_ms: float, data_dir: str | None = None,
                 limit: int | None = None) -> SparseDataset:
    """A split of N-MNIST (embedded subset, or ``data_dir``) binned into T binary frames."""
    path = cache_path(split, T, window_ms, limit) if data_dir is None else None
    if path is not None and path.is_file():
        cached = _read_cache(path)
        if cached is not None:
            return cached
    data = bin_split(split, T, window_ms, data_dir, limit)
    if path is not None:
        _write_cache(path, data)
    return data


def bin_split(split: str, T: int, window_ms: float, data_dir: str | None = None,
              limit: int | None = None) -> SparseDataset:
    """Bin a split straight from events to sparse indices, chunk by chunk, so memory follows
    the number of events and not T x 2312 (long recordings / large T stay cheap)."""
    try:
        from spikeprop.data import NMNIST, N_INPUTS, batch_to_sparse
    except ImportError as exc:
        raise SpikePropError(f"the N-MNIST reader (spikeprop.data) is not available: {exc}") from None
    ds = NMNIST(data_dir, split, limit=limit)
    window_us = int(round(window_ms * 1000))
    flats, counts = [], []
    for i in range(0, len(ds), 256):
        events = [ds[j][0] for j in range(i, min(len(ds), i + 256))]
        sp = batch_to_sparse(events, T, window_us)
        t, b, c = sp.indices()
        order = torch.argsort(b, stable=True)  # group by sample, keep (t, c) order
        flats.append((t[order] * N_INPUTS + c[order]).to(torch.int32))
        counts.append(torch.bincount(b, minlength=len(events)))
    counts_all = torch.cat(counts) if counts else torch.zeros(0, dtype=torch.long)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(counts_all, 0)])
    flat = torch.cat(flats) if flats else torch.zeros(0, dtype=torch.int32)
    return SparseDataset(flat, offsets, torch.as_tensor(ds.labels), T, N_INPUTS)


def cache_dir() -> Path | None:
    """Where binned splits are cached; None when ``SPIKEPROP_CACHE`` is 0/off/no."""
    if os.environ.get("SPIKEPROP_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    if os.environ.get("SPIKEPROP_CACHE_DIR"):
        return Path(os.environ["SPIKEPROP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spikeprop"


def cache_path(split: str, T: int, window_ms: float, limit: int | None) -> Path | None:
    """The cache file of an embedded split, named by a hash of all its inputs."""
    folder = cache_dir()
    if folder is None:
        return None
    from spikeprop.data import binning, embedded

    h = hashlib.sha256(f"{CACHE_FORMAT}|{split}|{int(T)}|{float(window_ms)!r}|{limit}".encode())
    for source in (embedded.EMBEDDED_FILE, Path(binning.__file__), Path(__file__)):
        try:
            with open(source, "rb") as f:
                h.update(hashlib.file_digest(f, "sha256").digest())
        except OSError:
            return None  # no embedded file: load_dataset reports it
    return folder / f"nmnist-{split}-T{int(T)}-{h.hexdigest()[:20]}.npz"


def _read_cache(path: Path) -> SparseDataset | None:
    """The cached split, or None if the file is unreadable (then it is rebuilt)."""
    try:
        with np.load(path) as z:
            flat, offsets, labels = z["flat"], z["offsets"], z["labels"]
            T, n_inputs = (int(v) for v in z["shape"])
    except (OSError, ValueError, KeyError):
        return None
    return SparseDataset(torch.from_numpy(flat), torch.from_numpy(offsets), torch.from_numpy(labels), T, n_inputs)


def _write_cache(path: Path, data: SparseDataset) -> None:
    """Atomic write (temporary file + rename); a cache that cannot be written is skipped."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, flat=data.flat.numpy(), offsets=data.offsets.numpy(), labels=data.labels.numpy(),
                 shape=np.array([data.T, data.n_inputs]))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
