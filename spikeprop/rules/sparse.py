"""Sparse binary spike input and the first layer's product with it.

N-MNIST frames are ~1-5 % active, so the first layer ``W @ s`` and its weight gradient
``G^T @ s`` only touch the active inputs. Both are ``embedding_bag`` sums (rows of W^T
gathered per active input, and rows of G gathered per active input column), which is
far faster on CPU than ``torch.sparse.mm`` or a dense product with mostly zeros.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from spikeprop.rules.sparse_kernels import batch_keys, binary_coords, group_by_col, sort_keys, window_coords


@dataclass
class SparseRows:
    """A binary (R, N) matrix by its active entries, grouped both by row and by column."""

    n_rows: int
    n_cols: int
    cols: torch.Tensor  # active column of each entry, entries sorted by row
    row_offsets: torch.Tensor  # (R,) start of each row in ``cols``
    rows_by_col: torch.Tensor  # row of each entry, entries sorted by column
    col_offsets: torch.Tensor  # (N,) start of each column in ``rows_by_col``

    @classmethod
    def from_coords(cls, rows: torch.Tensor, cols: torch.Tensor, n_rows: int, n_cols: int,
                    presorted: bool = False) -> "SparseRows":
        """From coordinates of distinct entries; ``presorted``: already ordered by (row, col)."""
        r, c = rows.long(), cols.long()
        if not presorted:
            key, _ = torch.sort(r * n_cols + c)
            r, c = key // n_cols, key % n_cols
        row_offsets, rows_by_col, col_offsets = group_by_col(r.numpy(), c.numpy(), n_rows, n_cols)
        return cls(n_rows=n_rows, n_cols=n_cols, cols=c.int(), row_offsets=torch.from_numpy(row_offsets),
                   rows_by_col=torch.from_numpy(rows_by_col), col_offsets=torch.from_numpy(col_offsets))

    @classmethod
    def from_dense(cls, x: torch.Tensor) -> "SparseRows":
        nz = (x.reshape(-1, x.shape[-1]) != 0).nonzero()
        return cls.from_coords(nz[:, 0], nz[:, 1], x.numel() // x.shape[-1], x.shape[-1])

    @property
    def nnz(self) -> int:
        return int(self.cols.numel())

    def dense(self) -> torch.Tensor:
        out = torch.zeros(self.n_rows, self.n_cols)
        rows = torch.repeat_interleave(
            torch.arange(self.n_rows), torch.diff(self.row_offsets.long(), append=torch.tensor([self.nnz]))
        )
        out[rows, self.cols.long()] = 1.0
        return out


def store_input_major_(weight: torch.Tensor) -> torch.Tensor:
    """Keep an (N_out, N_in) weight in (N_in, N_out) memory order, in place; returns it.

    ``embedding_bag`` gathers one row per active input, i.e. rows of ``W^T``, and returns
    the weight gradient in that same order. With the weight stored input-major, neither
    the forward nor the gradient needs a full transposed copy (two 7 MB copies per update
    window for a 2312x800 layer, measured at ~18 % of SP training time); the shape, the
    values, ``state_dict`` and checkpoints are unchanged, only the strides differ.
    """
    if weight.dim() == 2 and not weight.t().is_contiguous():
        weight.data = weight.data.t().contiguous().t()
    return weight


class _SparseLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, weight: torch.Tensor, x: SparseRows) -> torch.Tensor:  # type: ignore[override]
        ctx.x = x
        wt = weight.detach().t().contiguous()  # (N_in, N_out); no copy if stored input-major
        return F.embedding_bag(x.cols, wt, x.row_offsets, mode="sum")

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):  # type: ignore[override]
        x: SparseRows = ctx.x
        g = F.embedding_bag(x.rows_by_col, grad_out.contiguous(), x.col_offsets, mode="sum")
        # g is (N_in, N_out); its transpose already has an input-major weight's strides, so
        # autograd accumulates it without a copy (it lays it out like the weight otherwise)
        return g.t(), None


SPARSE_DENSITY = 0.15  # below this fraction of active inputs the gathered product is faster


def spike_linear(spikes: torch.Tensor, weight: torch.Tensor,
                 coords: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """``spikes @ weight.T`` for binary hidden-layer spikes (..., N_in), sparse when they are.

    Hidden layers fire at a few percent, so for them too a gather over active inputs (and a
    weight gradient over active columns) beats the dense product; dense above
    ``SPARSE_DENSITY``. ``coords``: the (rows, cols) of the spikes of ``spikes`` seen as
    (-1, N_in), row-major, when the neuron kernel listed them (``NeuronModule.window(...,
    coords=True)``); else the spikes are scanned here. Differentiable in ``weight`` only,
    like ``sparse_linear``."""
    flat = spikes.detach().reshape(-1, spikes.shape[-1])
    if flat.numel() == 0:
        return spikes @ weight.t()
    rows, cols = (torch.from_numpy(a) for a in binary_coords(flat.numpy())) if coords is None else coords
    if rows.shape[0] > SPARSE_DENSITY * flat.numel():
        return spikes @ weight.t()
    x = SparseRows.from_coords(rows, cols, flat.shape[0], flat.shape[1], presorted=True)
    return sparse_linear(x, weight).view(*spikes.shape[:-1], weight.shape[0])


def sparse_linear(x: SparseRows, weight: torch.Tensor) -> torch.Tensor:
    """``x @ weight.T`` for a binary sparse ``x`` (R, N_in); differentiable in ``weight`` only."""
    if x.n_cols != weight.shape[1]:
        raise ValueError(f"sparse input has {x.n_cols} columns, weight expects {weight.shape[1]}")
    if x.n_rows == 0:
        return weight.new_zeros(0, weight.shape[0])
    return _SparseLinear.apply(weight, x)


@dataclass
class SparseSpikes:
    """A binary (T, B, N) spike batch stored as coordinates; ``window`` gives SparseRows.

    Built from sorted flat keys (``from_sorted_keys``: what the data sets' batches are), only
    the keys are kept and the per-spike (t, b, c) are derived when asked for (``coords``):
    training reads windows of the keys only, so decoding every spike of every batch would be
    work on the hot path that nothing uses."""

    t: torch.Tensor | None
    b: torch.Tensor | None
    c: torch.Tensor | None
    shape: tuple[int, int, int]

    @classmethod
    def from_dense(cls, x: torch.Tensor) -> "SparseSpikes":
        """From a (T, B, N) tensor (nonzero = spike)."""
        t, b, c = (x != 0).nonzero(as_tuple=True)
        return cls(t, b, c, tuple(x.shape))  # type: ignore[arg-type]

    @classmethod
    def from_sorted_keys(cls, key: torch.Tensor, shape: tuple[int, int, int],
                         t_start: torch.Tensor | None = None) -> "SparseSpikes":
        """From ascending flat keys ``(t * B + b) * N + c`` (a row-major ``nonzero`` of a
        contiguous (T, B, N) tensor): ``window`` then skips its sort, which for a dense
        rate-coded batch (millions of spikes) costs more than encoding it. ``t_start``
        (T + 1,): each step's first key, when the caller already has it."""
        T, B, N = (int(v) for v in shape)
        key = key.long()
        out = cls(None, None, None, (T, B, N))
        out._sorted = key
        out._t_start = torch.searchsorted(key, torch.arange(T + 1) * (B * N)) if t_start is None else t_start
        return out

    def coords(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Each spike's (step, sample, channel), decoded from the keys once if built from them."""
        if self.t is None:
            _, B, N = self.shape
            t, rest = self._sorted // (B * N), self._sorted % (B * N)
            self.t, self.b, self.c = t, rest // N, rest % N
        return self.t, self.b, self.c  # type: ignore[return-value]

    def window(self, t0: int, t1: int, extra: torch.Tensor | None = None) -> SparseRows:
        """Steps ``t0 <= t < t1`` as a ((t1-t0)*B, N) matrix, row = (t - t0) * B + b.

        ``extra`` (E, N) binary rows are appended after them (rows (t1-t0)*B + e): one
        product and one weight gradient then serve both the input and the target signal.
        """
        _, B, N = self.shape
        if not hasattr(self, "_sorted"):  # once per batch: entries ordered by (t, b, c)
            key = (self.t.long() * B + self.b) * N + self.c
            ordered = sort_keys(key.numpy(), N, self.shape[0] * B)  # linear time; None if unordered input
            self._sorted = torch.from_numpy(ordered) if ordered is not None else torch.sort(key)[0]
            self._t_start = torch.searchsorted(self._sorted, torch.arange(self.shape[0] + 1) * (B * N))
        lo, hi = int(self._t_start[t0]), int(self._t_start[t1])
        n_rows = (t1 - t0) * B
        er = ec = np.zeros(0, np.int64)
        if extra is not None:
            er, ec = (a.numpy() for a in (extra != 0).nonzero(as_tuple=True))
        rows, cols = window_coords(self._sorted.numpy(), lo, hi, t0 * B * N, N, n_rows, er, ec)
        n_rows += 0 if extra is None else extra.shape[0]
        return SparseRows.from_coords(torch.from_numpy(rows), torch.from_numpy(cols), n_rows, N, presorted=True)

    def dense(self) -> torch.Tensor:
        out = torch.zeros(self.shape)
        out[self.coords()] = 1.0
        return out

    @property
    def density(self) -> float:
        T, B, N = self.shape
        n = self._sorted.numel() if self.t is None else self.t.numel()
        return n / max(1, T * B * N)


class SparseDataset:
    """Binary spike recordings (N samples, T steps, C channels) kept as flat active indices.

    Memory is proportional to the number of active (step, channel) pairs, not to T * C,
    so long recordings stay cheap; ``batch(ids)`` returns a time-major SparseSpikes.
    """

    def __init__(self, flat: torch.Tensor, offsets: torch.Tensor, labels: torch.Tensor,
                 T: int, n_inputs: int) -> None:
        self.flat = flat.to(torch.int32)  # t * n_inputs + c, per sample, concatenated
        self.offsets = offsets.long()  # (N + 1,)
        self.labels = labels.long()
        self.T = int(T)
        self.n_inputs = int(n_inputs)

    @classmethod
    def from_frames(cls, frames: torch.Tensor, labels: torch.Tensor, chunk: int = 64) -> "SparseDataset":
        """From (N, T, C) frames (any dtype; nonzero = spike), converted chunk by chunk."""
        frames = torch.as_tensor(frames)
        N, T, C = frames.shape
        flats, counts = [], []
        for i in range(0, N, chunk):
            n, t, c = (frames[i:i + chunk] != 0).nonzero(as_tuple=True)
            flats.append((t * C + c).to(torch.int32))
            counts.append(torch.bincount(n, minlength=min(chunk, N - i)))
        counts_all = torch.cat(counts) if counts else torch.zeros(0, dtype=torch.long)
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(counts_all, 0)])
        flat = torch.cat(flats) if flats else torch.zeros(0, dtype=torch.int32)
        return cls(flat, offsets, torch.as_tensor(labels), T, C)

    def __len__(self) -> int:
        return int(self.labels.numel())

    def subset(self, ids: torch.Tensor, chunk: int = 4096) -> "SparseDataset":
        """Samples ``ids`` (in that order) as a new data set, vectorised instead of a Python
        slice per sample. Increasing ids (what ``splits`` gives) select with one boolean mask
        over the spikes (the 54,000-recording training split of the full N-MNIST: ~2 s on the
        loaded machine, against 30 s for the gather); others are gathered ``chunk`` samples at
        a time, so index temporaries stay bounded by the chunk, not the data set."""
        ids = torch.as_tensor(ids).long().reshape(-1)
        counts = self.offsets[ids + 1] - self.offsets[ids]
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(counts, 0)])
        if ids.numel() > 1 and bool((ids[1:] > ids[:-1]).all()):  # increasing (a split): one masked copy
            keep = np.zeros(len(self), dtype=bool)
            keep[ids.numpy()] = True
            mask = np.repeat(keep, np.diff(self.offsets.numpy()))
            return SparseDataset(torch.from_numpy(self.flat.numpy()[mask]), offsets, self.labels[ids],
                                 self.T, self.n_inputs)
        flat = torch.empty(int(offsets[-1]), dtype=torch.int32)
        for i in range(0, ids.numel(), chunk):
            part, n = ids[i:i + chunk], counts[i:i + chunk]
            lo, hi = int(offsets[i]), int(offsets[min(i + chunk, ids.numel())])
            pos = torch.arange(lo, hi) + torch.repeat_interleave(self.offsets[part] - offsets[i:i + part.numel()], n)
            flat[lo:hi] = self.flat[pos]
        return SparseDataset(flat, offsets, self.labels[ids], self.T, self.n_inputs)

    @staticmethod
    def concat(a: "SparseDataset", b: "SparseDataset") -> "SparseDataset":
        if (a.T, a.n_inputs) != (b.T, b.n_inputs):
            raise ValueError("datasets differ in T or number of inputs")
        return SparseDataset(torch.cat([a.flat, b.flat]),
                             torch.cat([a.offsets, b.offsets[1:] + a.offsets[-1]]),
                             torch.cat([a.labels, b.labels]), a.T, a.n_inputs)

    def batch(self, ids: torch.Tensor) -> tuple[SparseSpikes, torch.Tensor]:
        """Samples ``ids`` as (SparseSpikes of shape (T, B, C), labels)."""
        ids = torch.as_tensor(ids).long()
        keyed = batch_keys(self.flat.numpy(), self.offsets.numpy(), ids.numpy(), self.T, self.n_inputs)
        if keyed is not None:  # the common case: one pass, already in the order windows need
            key, t_start = (torch.from_numpy(a) for a in keyed)
            return SparseSpikes.from_sorted_keys(key, (self.T, int(ids.numel()), self.n_inputs), t_start), \
                self.labels[ids]
        starts, ends = self.offsets[ids], self.offsets[ids + 1]
        counts = ends - starts
        b = torch.repeat_interleave(torch.arange(ids.numel()), counts)
        pos = torch.arange(int(counts.sum())) - torch.repeat_interleave(
            torch.cumsum(counts, 0) - counts, counts) + torch.repeat_interleave(starts, counts)
        flat = self.flat[pos].long()
        spikes = SparseSpikes(flat // self.n_inputs, b, flat % self.n_inputs,
                              (self.T, int(ids.numel()), self.n_inputs))
        return spikes, self.labels[ids]

    @property
    def density(self) -> float:
        return self.flat.numel() / max(1, len(self) * self.T * self.n_inputs)
