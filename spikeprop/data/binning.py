"""Events -> spike frames: T time bins, two polarity channels, 34 x 34 pixels.

Flat input index: ``p * 34*34 + y * 34 + x`` (2,312 inputs), i.e. a ``(2, 34, 34)`` frame
indexed ``[p, y, x]`` and flattened in C order.

Frames are binary by default: the network's input layer takes spikes, one per input and
step (as on Loihi, where an input is a spike, not a count), so several events of one pixel
in one bin are still one spike. ``binary=False`` gives event counts instead.

Time window: ``window_us`` is ``None`` (the default, ``[0, 300 ms)``), a length ``w``
(``[0, w)``) or a pair ``(t0, t1)``. An N-MNIST recording is three 100 ms saccades, about
300 ms long, so the fixed default gives every sample the same time axis (bin k covers the
same saccade phase everywhere) and drops only the short tail some recordings have past
300 ms (0.3 % of events in the embedded subset). Bin of an event: ``floor((t-t0)*T/(t1-t0))``;
events outside ``[t0, t1)`` are dropped.

Events are any structured array with fields ``x, y, t, p``: this package's reader or a tonic
dataset (whose ``t`` may be float and ``p`` bool or +-1: ``p > 0`` is channel 1).
Everything is one vectorised pass over the concatenated events, no Python loop over events.
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np
import torch

from spikeprop.data.nmnist import N_INPUTS, SENSOR_SIZE

DEFAULT_WINDOW_US = 300_000
Window = Union[None, int, float, Sequence[float]]
_PIXELS = SENSOR_SIZE[0] * SENSOR_SIZE[1]


def time_window(window_us: Window = None) -> tuple[float, float]:
    """Normalise ``window_us`` (None, a length, or ``(t0, t1)``) to ``(t0, t1)`` in us."""
    if window_us is None:
        window_us = DEFAULT_WINDOW_US
    t0, t1 = (0, window_us) if np.isscalar(window_us) else tuple(window_us)
    if not t1 > t0:
        raise ValueError(f"the time window must have t1 > t0, got ({t0}, {t1}) us")
    return t0, t1


def _field(events_list: Sequence[np.ndarray], name: str) -> np.ndarray:
    for events in events_list:
        if name not in (events.dtype.names or ()):
            raise ValueError(f"events need fields x, y, t, p (tonic layout); missing {name!r}")
    return np.concatenate([events[name] for events in events_list])


def _bins(events_list: Sequence[np.ndarray], T: int, window_us: Window) -> tuple[np.ndarray, ...]:
    """``(step, sample, input)`` of every event inside the window, all samples at once."""
    if T <= 0:
        raise ValueError(f"T must be positive, got {T}")
    t0, t1 = time_window(window_us)
    if not events_list:
        return (np.zeros(0, np.int64),) * 3
    t = _field(events_list, "t")
    x, y = _field(events_list, "x").astype(np.int64), _field(events_list, "y").astype(np.int64)
    p = (_field(events_list, "p") > 0).astype(np.int64)
    sample = np.repeat(np.arange(len(events_list)), [len(e) for e in events_list])
    if len(x) and (x.min() < 0 or x.max() >= SENSOR_SIZE[0] or y.min() < 0 or y.max() >= SENSOR_SIZE[1]):
        raise ValueError(f"event coordinates outside the {SENSOR_SIZE[0]}x{SENSOR_SIZE[1]} sensor")
    inside = (t >= t0) & (t < t1)
    if np.issubdtype(t.dtype, np.integer) and float(t0).is_integer() and float(t1).is_integer():
        step = (t[inside].astype(np.int64) - int(t0)) * T // int(t1 - t0)  # exact integer bins
    else:
        step = np.floor((t[inside] - t0) * (T / (t1 - t0))).astype(np.int64)
    step = np.minimum(step, T - 1)  # float rounding at the window's end
    return step, sample[inside], p[inside] * _PIXELS + y[inside] * SENSOR_SIZE[0] + x[inside]


def events_to_frames(
    events: np.ndarray, T: int, window_us: Window = None, binary: bool = True, flatten: bool = True
) -> np.ndarray:
    """One recording -> float32 frames ``(T, 2312)``, or ``(T, 2, 34, 34)`` with ``flatten=False``."""
    step, _, idx = _bins([events], T, window_us)
    frames = np.bincount(step * N_INPUTS + idx, minlength=T * N_INPUTS)
    if binary:
        frames = np.minimum(frames, 1)
    frames = frames.astype(np.float32).reshape(T, N_INPUTS)
    return frames if flatten else frames.reshape(T, 2, *SENSOR_SIZE[::-1])


def batch_to_dense(
    events_list: Sequence[np.ndarray], T: int, window_us: Window = None, binary: bool = True
) -> torch.Tensor:
    """Many recordings -> time-major ``(T, B, 2312)`` float32 tensor."""
    B = len(events_list)
    step, sample, idx = _bins(events_list, T, window_us)
    flat = torch.from_numpy((step * B + sample) * N_INPUTS + idx)
    out = torch.zeros(T * B * N_INPUTS, dtype=torch.float32)
    if binary:
        out[flat] = 1.0
    else:
        out.index_add_(0, flat, torch.ones(len(flat), dtype=torch.float32))
    return out.view(T, B, N_INPUTS)


def batch_to_sparse(
    events_list: Sequence[np.ndarray], T: int, window_us: Window = None, binary: bool = True
) -> torch.Tensor:
    """The frames of ``batch_to_dense`` as a coalesced sparse COO tensor ``(T, B, 2312)``.

    ``indices()`` are rows ``(step, sample, input)`` sorted in that order; values are 1
    (or counts). N-MNIST has about 1-2 % of inputs active per step, so products touch
    only the active inputs: ``torch.sparse.mm(x[t], W.T)`` for one step, or
    ``sparse_matmul(x, W)`` for all steps in one product.
    """
    B = len(events_list)
    step, sample, idx = _bins(events_list, T, window_us)
    flat, counts = np.unique((step * B + sample) * N_INPUTS + idx, return_counts=True)
    st, rest = np.divmod(flat, B * N_INPUTS)
    indices = torch.from_numpy(np.stack([st, *np.divmod(rest, N_INPUTS)]))
    values = torch.ones(len(flat)) if binary else torch.from_numpy(counts.astype(np.float32))
    return torch.sparse_coo_tensor(indices, values, (T, B, N_INPUTS), is_coalesced=True,
                                   check_invariants=False)  # sorted and unique by construction


def batch_to_flat(
    events_list: Sequence[np.ndarray], T: int, window_us: Window = None
) -> tuple[np.ndarray, np.ndarray]:
    """The binary frames of a batch in ``SparseDataset``'s compact form: ``flat`` (int32), each
    sample's active ``step * 2312 + input`` in increasing order, samples one after another,
    and ``counts`` (int64), how many each sample has. One sort, sample-major: the form a
    whole data set is cached in, without the COO tensor's (step, sample, input) order."""
    step, sample, idx = _bins(events_list, T, window_us)
    per_sample = T * N_INPUTS
    key = np.unique((sample * T + step) * N_INPUTS + idx)
    counts = np.bincount(key // per_sample, minlength=len(events_list)).astype(np.int64)
    return (key % per_sample).astype(np.int32), counts


def sparse_matmul(frames: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``frames @ weight.T`` for sparse ``(T, B, N)`` frames and ``(H, N)`` weights -> ``(T, B, H)``.

    The first layer is feed-forward, so its input for every step can be computed before the
    time loop in one ``torch.sparse.mm`` over a ``(T*B, N)`` view; gradients reach ``weight``.
    """
    T, B, N = frames.shape
    frames = frames.coalesce()
    step, sample, inp = frames.indices()
    values = frames.values().to(weight.dtype)
    flat = torch.sparse_coo_tensor(torch.stack([step * B + sample, inp]), values, (T * B, N),
                                   is_coalesced=True, check_invariants=False)  # order is kept
    return torch.sparse.mm(flat, weight.T).view(T, B, -1)
