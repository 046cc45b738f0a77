"""N-MNIST splits binned into ``SparseDataset`` s, cached on disk; Fashion-MNIST splits encoded
on the fly. ``load_data`` picks the loader from a run's ``TrainConfig``.

Why the cache: binning is the slow part of every start-up, always with the same result. The
embedded subset takes 1-3 s (LZMA + binning); the full N-MNIST (60,000 ``.bin`` files) takes
minutes to read and bin. The binned sparse split (``SparseDataset``'s ``flat``/``offsets``,
about 14 bytes per active (step, input) pair) is kept in ``$SPIKEPROP_CACHE_DIR``, else
``$XDG_CACHE_HOME/spikeprop``, else ``~/.cache/spikeprop``, under a name that hashes
everything it depends on: split, T, window, limit, the binning/reader code, and the data
(the embedded file's content; for a user folder the list of files with their sizes and
modification times, and the labels). Changing, adding or removing a file gives a new name,
so a stale cache is never read. ``SPIKEPROP_CACHE=0`` turns the cache off.

A user folder's files are read and binned in parallel, in chunks of ``CHUNK`` recordings, by
a pool of ``workers`` processes (default: one per usable core); a tqdm bar shows progress.
Measured on the shared 2-core machine (6,000 files, T=30): 2 processes 44.8 s, 2 threads
45.1 s, 1 process 55.1 s. Processes are the default because the worker code (numpy decode,
``np.unique``) does not have to share one interpreter's GIL on machines with more cores; the
workers only run numpy, so forking a process that already imported torch is safe.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from spikeprop.errors import SpikePropError
from spikeprop.rules.sparse import SparseDataset

if TYPE_CHECKING:
    from spikeprop.config import TrainConfig

CACHE_FORMAT = 2  # bump when the cached arrays change meaning
CHUNK = 500  # recordings per parallel task (~1-2 s of work, a few MB of result)


def load_data(split: str, cfg: "TrainConfig", data_dir: str | None = None, progress: bool = False):
    """The ``split`` of ``cfg.dataset``: a binned ``SparseDataset`` (N-MNIST) or an
    ``EncodedImages`` (Fashion-MNIST, ``cfg.encoding`` with ``cfg.T`` steps, noise from ``cfg.seed``)."""
    if cfg.dataset == "fashion-mnist":
        from spikeprop.data.static_images import load_image_dataset

        return load_image_dataset(split, cfg.T, cfg.encoding, data_dir, cfg.seed)
    return load_dataset(split, cfg.T, cfg.window_ms, data_dir, progress=progress)


def load_dataset(split: str, T: int, window_ms: float, data_dir: str | None = None,
                 limit: int | None = None, progress: bool = False,
                 workers: int | None = None) -> SparseDataset:
    """A split of N-MNIST (embedded subset, or ``data_dir``) binned into T binary frames,
    from the cache when it holds it (then no recording is read)."""
    ds = None if data_dir is None else _nmnist(data_dir, split, limit)
    path = cache_path(split, T, window_ms, limit, ds)
    if path is not None and path.is_file():
        cached = _read_cache(path)
        if cached is not None and (cached.T, len(cached)) == (int(T), len(ds) if ds is not None else len(cached)):
            return cached
    data = bin_split(split, T, window_ms, data_dir, limit, progress, workers, ds)
    if path is not None:
        _write_cache(path, data)
    return data


def _nmnist(data_dir: str | None, split: str, limit: int | None):
    try:
        from spikeprop.data import NMNIST
    except ImportError as exc:
        raise SpikePropError(f"the N-MNIST reader (spikeprop.data) is not available: {exc}") from None
    return NMNIST(data_dir, split, limit=limit)


def bin_events(events: list[np.ndarray], T: int, window_us: int) -> tuple[np.ndarray, np.ndarray]:
    """``(flat, counts)`` of a list of recordings: per sample its active ``t * 2312 + c``
    (sorted), concatenated, and how many each sample has."""
    from spikeprop.data.binning import batch_to_flat

    return batch_to_flat(events, T, window_us)


_WORKER_DS: Any = None  # the NMNIST index, set once per pool worker (not pickled per task)


def _init_worker(ds) -> None:
    global _WORKER_DS
    _WORKER_DS = ds


def _bin_range(start: int, stop: int, T: int, window_us: int) -> tuple[np.ndarray, np.ndarray]:
    ds = _WORKER_DS
    return bin_events([ds[i][0] for i in range(start, stop)], T, window_us)


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def bin_split(split: str, T: int, window_ms: float, data_dir: str | None = None,
              limit: int | None = None, progress: bool = False, workers: int | None = None,
              ds=None, pool: str = "process") -> SparseDataset:
    """Bin a split straight from events to sparse indices, chunk by chunk, so memory follows
    the number of active pairs and not T x 2312. A user folder is read by ``workers``
    processes (``pool="thread"``: threads; ``workers=1``: in this process)."""
    ds = ds if ds is not None else _nmnist(data_dir, split, limit)
    window_us = int(round(window_ms * 1000))
    ranges = [(i, min(len(ds), i + CHUNK)) for i in range(0, len(ds), CHUNK)]
    workers = min(workers or default_workers(), max(1, len(ranges)))
    if workers == 1 or data_dir is None:  # embedded: already in memory, nothing to read
        parts = _progress((bin_events([ds[j][0] for j in range(a, b)], T, window_us) for a, b in ranges),
                          len(ranges), split, T, progress)
        parts = list(parts)
    else:
        with _executor(pool, workers, ds) as ex:
            jobs = ex.map(_bin_range, *zip(*ranges), [T] * len(ranges), [window_us] * len(ranges))
            parts = list(_progress(jobs, len(ranges), split, T, progress))
    return _assemble(parts, ds.labels, T)


def _executor(pool: str, workers: int, ds) -> Executor:
    if pool == "thread":
        _init_worker(ds)
        return ThreadPoolExecutor(workers)
    import multiprocessing

    # fork where available: workers inherit the index instead of unpickling 60,000 names
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(ds,))


def _progress(items, total: int, split: str, T: int, enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=f"binning N-MNIST {split} (T={T}, {CHUNK} files/step)",
                unit="chunk", dynamic_ncols=True)


def _assemble(parts: list[tuple[np.ndarray, np.ndarray]], labels: np.ndarray, T: int) -> SparseDataset:
    from spikeprop.data import N_INPUTS

    counts = np.concatenate([c for _, c in parts]) if parts else np.zeros(0, np.int64)
    offsets = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.concatenate([f for f, _ in parts]) if parts else np.zeros(0, np.int32)
    del parts
    return SparseDataset(torch.from_numpy(flat), torch.from_numpy(offsets),
                         torch.as_tensor(np.asarray(labels)), T, N_INPUTS)


def cache_dir() -> Path | None:
    """Where binned splits are cached; None when ``SPIKEPROP_CACHE`` is 0/off/no."""
    if os.environ.get("SPIKEPROP_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    if os.environ.get("SPIKEPROP_CACHE_DIR"):
        return Path(os.environ["SPIKEPROP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spikeprop"


def cache_path(split: str, T: int, window_ms: float, limit: int | None, ds=None) -> Path | None:
    """The cache file of a split, named by a hash of all its inputs: the embedded file, or
    (``ds``, an ``NMNIST`` of a user folder) its files' names, sizes and mtimes and labels."""
    folder = cache_dir()
    if folder is None:
        return None
    from spikeprop.data import binning, dataset, embedded, nmnist

    h = hashlib.sha256(f"{CACHE_FORMAT}|{split}|{int(T)}|{float(window_ms)!r}|{limit}".encode())
    code = (Path(binning.__file__), Path(nmnist.__file__), Path(dataset.__file__), Path(__file__))
    sources = code + ((embedded.EMBEDDED_FILE,) if ds is None else ())
    for source in sources:
        try:
            with open(source, "rb") as f:
                h.update(hashlib.file_digest(f, "sha256").digest())
        except OSError:
            return None  # no embedded file: load_dataset reports it
    if ds is not None:
        try:
            h.update(_fingerprint(ds))
        except OSError:
            return None  # a file vanished: reading it reports the problem
    kind = "nmnist" if ds is None else "nmnist-dir"
    return folder / f"{kind}-{split}-T{int(T)}-{h.hexdigest()[:20]}.npz"


def _fingerprint(ds) -> bytes:
    """Names, sizes and modification times of a user folder's recordings, and their labels
    (~0.3 s for 60,000 files: one ``stat`` each, no reading)."""
    h = hashlib.sha256(np.asarray(ds.labels, np.int64).tobytes())
    for name in ds.names:
        h.update(name.encode() + b"\0")
    for f in ds.source_files():
        st = os.stat(f)
        h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.digest()


def _read_cache(path: Path) -> SparseDataset | None:
    """The cached split, or None if the file is unreadable (then it is rebuilt)."""
    try:
        with np.load(path) as z:
            flat, offsets, labels = z["flat"], z["offsets"], z["labels"]
            T, n_inputs = (int(v) for v in z["shape"])
    except (OSError, ValueError, KeyError, EOFError):
        return None
    if len(offsets) != len(labels) + 1 or (len(offsets) and offsets[-1] != len(flat)):
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
