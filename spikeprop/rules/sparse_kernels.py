"""Index building for sparse spike products, in linear time (numba).

Why: a gathered product (``sparse.SparseRows``) needs the active entries grouped by row
(forward) and by column (weight gradient). With torch that is ``nonzero`` plus a stable
``argsort``, per update window and layer: at N-MNIST sizes those two cost more than the
products they index. A counting sort over the columns and one scan of a binary spike
matrix do the same in O(entries + columns), with the same order (rows ascending within a
column, as the stable sort gives), so the products sum in the same order as before.
Hand-written because torch has no counting sort; numba compiles it once and caches it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_KERNELS: dict[str, Any] = {}


def _group_by_col_kernel(rows, cols, n_rows, n_cols):  # pragma: no cover - compiled
    n = cols.shape[0]
    row_offsets = np.zeros(n_rows, np.int32)
    col_offsets = np.zeros(n_cols, np.int32)
    counts = np.zeros(n_cols + 1, np.int64)
    row_counts = np.zeros(n_rows + 1, np.int64)
    for i in range(n):
        counts[cols[i] + 1] += 1
        row_counts[rows[i] + 1] += 1
    for c in range(n_cols):
        counts[c + 1] += counts[c]
        col_offsets[c] = counts[c]
    for r in range(n_rows):
        row_counts[r + 1] += row_counts[r]
        row_offsets[r] = row_counts[r]
    rows_by_col = np.empty(n, np.int32)
    for i in range(n):  # entries arrive sorted by row: a stable placement keeps that order
        c = cols[i]
        rows_by_col[counts[c]] = rows[i]
        counts[c] += 1
    return row_offsets, rows_by_col, col_offsets


def _binary_coords_kernel(x):  # pragma: no cover - compiled
    R, N = x.shape
    rows = np.empty(R * N, np.int64)  # uninitialised: only the pages written are touched
    cols = np.empty(R * N, np.int64)
    i = 0
    for r in range(R):  # one pass, in row-major order
        for c in range(N):
            if x[r, c] != 0:
                rows[i] = r
                cols[i] = c
                i += 1
    return rows[:i].copy(), cols[:i].copy()


def _sort_keys_by_bucket_kernel(key, bucket_size, n_buckets):  # pragma: no cover - compiled
    n = key.shape[0]
    starts = np.zeros(n_buckets + 1, np.int64)
    for i in range(n):
        starts[key[i] // bucket_size + 1] += 1
    for b in range(n_buckets):
        starts[b + 1] += starts[b]
    out = np.empty(n, np.int64)
    pos = starts[:-1].copy()
    for i in range(n):  # stable: within a bucket, the input order
        b = key[i] // bucket_size
        out[pos[b]] = key[i]
        pos[b] += 1
    ordered = True
    for i in range(n - 1):
        if out[i] >= out[i + 1]:
            ordered = False
            break
    return out, ordered


def _batch_keys_kernel(flat, offsets, ids, T, N):  # pragma: no cover - compiled
    B = ids.shape[0]
    starts = np.zeros(T * B + 1, np.int64)  # entries per (step, sample) bucket, then bucket starts
    for b in range(B):
        for p in range(offsets[ids[b]], offsets[ids[b] + 1]):
            starts[(flat[p] // N) * B + b + 1] += 1
    for i in range(T * B):
        starts[i + 1] += starts[i]
    n = starts[T * B]
    key = np.empty(n, np.int64)
    pos = starts[:-1].copy()
    for b in range(B):  # each sample's entries come in (step, channel) order: placement keeps it
        for p in range(offsets[ids[b]], offsets[ids[b] + 1]):
            t = flat[p] // N
            c = flat[p] - t * N
            key[pos[t * B + b]] = (t * B + b) * N + c
            pos[t * B + b] += 1
    ordered = True
    for i in range(n - 1):
        if key[i] >= key[i + 1]:
            ordered = False
            break
    return key, starts[::B].copy(), ordered


def _window_coords_kernel(keys, lo, hi, base, N, n_rows, extra_rows, extra_cols):  # pragma: no cover - compiled
    n_in = hi - lo
    rows = np.empty(n_in + extra_rows.shape[0], np.int64)
    cols = np.empty(n_in + extra_rows.shape[0], np.int64)
    for i in range(n_in):
        k = keys[lo + i] - base
        rows[i] = k // N
        cols[i] = k - rows[i] * N
    for j in range(extra_rows.shape[0]):
        rows[n_in + j] = n_rows + extra_rows[j]
        cols[n_in + j] = extra_cols[j]
    return rows, cols


def _compile() -> dict[str, Any]:
    """Import numba and compile on first use: processes that never run a kernel pay nothing.
    The kernels are the plain functions above; numba caches their machine code on disk."""
    if not _KERNELS:
        import numba

        jit = numba.njit(cache=True, nogil=True)
        _KERNELS.update(group_by_col=jit(_group_by_col_kernel), binary_coords=jit(_binary_coords_kernel),
                        sort_keys_by_bucket=jit(_sort_keys_by_bucket_kernel), batch_keys=jit(_batch_keys_kernel),
                        window_coords=jit(_window_coords_kernel))
    return _KERNELS


def group_by_col(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int):
    """For entries sorted by row: ``(row_offsets, rows_by_col, col_offsets)`` as int32, the
    index type for which ``embedding_bag`` takes its fastest kernel (~30 % faster than int64)."""
    return _compile()["group_by_col"](np.ascontiguousarray(rows, np.int64),
                                      np.ascontiguousarray(cols, np.int64), n_rows, n_cols)


def binary_coords(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every nonzero of a 2-D array, in row-major order (like ``nonzero``)."""
    return _compile()["binary_coords"](np.ascontiguousarray(x))


def sort_keys(key: np.ndarray, bucket_size: int, n_buckets: int) -> np.ndarray | None:
    """``key`` (distinct, < bucket_size * n_buckets) sorted ascending by a stable counting sort
    on ``key // bucket_size``, or None when the entries of a bucket were not already in
    ascending order (then the caller sorts fully). A spike batch arrives grouped by sample
    with each sample's entries in (step, channel) order, so bucketing by (step, sample)
    sorts it in linear time, where a comparison sort of ~500,000 keys took ~60 ms."""
    out, ordered = _compile()["sort_keys_by_bucket"](np.ascontiguousarray(key, np.int64), bucket_size, n_buckets)
    return out if ordered else None


def batch_keys(flat: np.ndarray, offsets: np.ndarray, ids: np.ndarray, T: int, N: int):
    """Samples ``ids`` of a data set stored as per-sample ``t * N + c`` entries (``flat``,
    ``offsets``) as one batch, in one pass: ``(key, t_start)`` with the entries sorted by
    ``key = (t * B + b) * N + c`` and ``t_start`` (T + 1,) the first entry of each step (a
    spike's step, sample and channel follow from its key); None when a sample's entries were not in (step, channel) order. Replaces a
    gather, three ``repeat_interleave`` and the sort that each window needs."""
    if len(ids) == 0:
        return None
    key, t_start, ordered = _compile()["batch_keys"](
        np.ascontiguousarray(flat), np.ascontiguousarray(offsets, np.int64), np.ascontiguousarray(ids, np.int64),
        int(T), int(N))
    return (key, t_start) if ordered else None


def window_coords(keys: np.ndarray, lo: int, hi: int, base: int, N: int, n_rows: int,
                  extra_rows: np.ndarray, extra_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the sorted keys ``keys[lo:hi] - base`` (``row * N + col``), then the
    ``extra`` entries moved below the ``n_rows`` rows: one pass instead of five tensor ops."""
    return _compile()["window_coords"](keys, lo, hi, base, N, n_rows, np.ascontiguousarray(extra_rows, np.int64),
                                       np.ascontiguousarray(extra_cols, np.int64))
