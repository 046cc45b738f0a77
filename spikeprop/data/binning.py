"""Events -> spike frames: time binning into T steps, two polarity channels, 34x34.

Flat input index: ``p * 34*34 + y * 34 + x`` (2,312 inputs). Frames are binary by
default: a spiking input carries one spike per step (as on Loihi, where an input is a
spike, not a count), and several events of one pixel in a bin are still one spike.
The default window is the first 300 ms, the length of an N-MNIST recording (three
saccades), so every sample gets the same time axis. All of it is a single
``np.bincount`` over a combined index: no Python loop over events.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from spikeprop.data.nmnist import SENSOR_SIZE

N_INPUTS = 2 * SENSOR_SIZE[0] * SENSOR_SIZE[1]
DEFAULT_WINDOW_US = 300_000


def _flat_bins(events: np.ndarray, T: int, window_us: int) -> tuple[np.ndarray, np.ndarray]:
    """(time bin, flat input index) of every event inside the window."""
    for field in ("x", "y", "t", "p"):
        if field not in (events.dtype.names or ()):
            raise ValueError(f"events need fields x, y, t, p (tonic layout); missing {field!r}")
    if T <= 0 or window_us <= 0:
        raise ValueError(f"T and window_us must be positive, got T={T}, window_us={window_us}")
    t = np.asarray(events["t"], dtype=np.float64)
    inside = (t >= 0) & (t < window_us)
    b = (t[inside] * T / window_us).astype(np.int64)
    idx = (
        np.asarray(events["p"][inside], np.int64) * (SENSOR_SIZE[0] * SENSOR_SIZE[1])
        + np.asarray(events["y"][inside], np.int64) * SENSOR_SIZE[0]
        + np.asarray(events["x"][inside], np.int64)
    )
    return np.minimum(b, T - 1), idx


def events_to_frames(
    events: np.ndarray, T: int, window_us: int = DEFAULT_WINDOW_US, binary: bool = True
) -> np.ndarray:
    """One recording -> ``(T, 2312)`` float32 frames (0/1 if ``binary``, else event counts)."""
    b, idx = _flat_bins(events, T, window_us)
    frames = np.bincount(b * N_INPUTS + idx, minlength=T * N_INPUTS).reshape(T, N_INPUTS)
    if binary:
        frames = np.minimum(frames, 1)
    return frames.astype(np.float32)


def _batch_index(events_list: list[np.ndarray], T: int, window_us: int) -> np.ndarray:
    """Flat index ``(t * B + b) * N + i`` of every event of every sample (one concatenation)."""
    B = len(events_list)
    parts = []
    for k, events in enumerate(events_list):
        t, idx = _flat_bins(events, T, window_us)
        parts.append((t * B + k) * N_INPUTS + idx)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def batch_to_dense(
    events_list: list[np.ndarray], T: int, window_us: int = DEFAULT_WINDOW_US, binary: bool = True
) -> torch.Tensor:
    """Many recordings -> time-major ``(T, B, 2312)`` float32 tensor."""
    B = len(events_list)
    counts = np.bincount(_batch_index(events_list, T, window_us), minlength=T * B * N_INPUTS)
    if binary:
        counts = np.minimum(counts, 1)
    return torch.from_numpy(counts.astype(np.float32).reshape(T, B, N_INPUTS))


def batch_to_sparse(
    events_list: list[np.ndarray], T: int, window_us: int = DEFAULT_WINDOW_US
) -> torch.Tensor:
    """Binary frames as a coalesced sparse COO tensor ``(T, B, 2312)``.

    N-MNIST is about 1-2 % active per step, so ``frames[t] @ W.T`` as
    ``torch.sparse.mm(frames[t], W.T)`` touches only the active inputs.
    """
    B = len(events_list)
    flat = np.unique(_batch_index(events_list, T, window_us))
    t, rest = np.divmod(flat, B * N_INPUTS)
    b, i = np.divmod(rest, N_INPUTS)
    indices = torch.from_numpy(np.stack([t, b, i]))
    values = torch.ones(len(flat), dtype=torch.float32)
    return torch.sparse_coo_tensor(indices, values, (T, B, N_INPUTS), is_coalesced=True,
                                   check_invariants=False)


@lru_cache(maxsize=8)
def _frames_cached(split: str, T: int, window_us: int, source: str | None, binary: bool):
    from spikeprop.data.dataset import NMNIST

    ds = NMNIST(source, split)
    # 1 byte per input and step (1,000 x 100 x 2,312 = 231 MB); floats are made per batch.
    frames = np.zeros((len(ds), T, N_INPUTS), dtype=np.uint8)
    for k, events in enumerate(ds.events()):
        b, idx = _flat_bins(events, T, window_us)
        flat = frames[k].reshape(-1)
        if binary:
            flat[b * N_INPUTS + idx] = 1
        else:
            np.add.at(flat, b * N_INPUTS + idx, 1)  # counts saturate at 255
    frames.setflags(write=False)
    return frames, ds.labels.copy()


def load_frames(
    split: str,
    T: int,
    window_us: int = DEFAULT_WINDOW_US,
    source: str | None = None,
    binary: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Binned dataset ``(frames (N, T, 2312) uint8, labels (N,) int64)``, cached per process.

    ``source=None`` is the embedded subset; otherwise a directory (see ``NMNIST``).
    The frames array is read-only (it is shared by every caller); copy to modify.
    """
    return _frames_cached(split, int(T), int(window_us), None if source is None else str(source), binary)
