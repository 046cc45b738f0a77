"""Linear-time index building gives what the torch sorts gave, in the same order."""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeprop.rules.sparse import SparseDataset, SparseRows, SparseSpikes, spike_linear
from spikeprop.rules.sparse_kernels import binary_coords, group_by_col, sort_keys


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), rows=st.integers(1, 40), cols=st.integers(1, 30), p=st.floats(0.0, 0.6))
def test_group_by_col_matches_a_stable_argsort(seed, rows, cols, p):
    x = torch.rand(rows, cols, generator=torch.Generator().manual_seed(seed)) < p
    r, c = x.nonzero(as_tuple=True)
    row_off, by_col, col_off = group_by_col(r.numpy(), c.numpy(), rows, cols)
    order = torch.argsort(c, stable=True)
    assert np.array_equal(by_col, r[order].numpy())
    assert np.array_equal(col_off, torch.searchsorted(c[order], torch.arange(cols)).numpy())
    assert np.array_equal(row_off, torch.searchsorted(r, torch.arange(rows)).numpy())
    assert row_off.dtype == by_col.dtype == col_off.dtype == np.int32


def test_binary_coords_is_nonzero():
    x = (torch.rand(50, 70) < 0.1).float()
    r, c = binary_coords(x.numpy())
    nz = x.nonzero()
    assert np.array_equal(r, nz[:, 0].numpy()) and np.array_equal(c, nz[:, 1].numpy())


def test_sort_keys_sorts_grouped_input_and_refuses_unordered_buckets():
    keys = np.array([5, 9, 1, 3, 10, 12])  # buckets of 4: {1: 5}, {2: 9, 10}, {0: 1, 3}, {3: 12}
    assert np.array_equal(sort_keys(keys, 4, 4), np.sort(keys))
    assert sort_keys(np.array([3, 1]), 4, 1) is None  # one bucket, out of order: the caller sorts


def test_window_of_a_batch_in_any_order_equals_dense():
    g = torch.Generator().manual_seed(0)
    dense = (torch.rand(6, 5, 11, generator=g) < 0.3).float()
    t, b, c = dense.nonzero(as_tuple=True)
    perm = torch.randperm(t.numel(), generator=g)  # unordered entries: the full-sort path
    for x in (SparseSpikes.from_dense(dense), SparseSpikes(t[perm], b[perm], c[perm], tuple(dense.shape))):
        w = x.window(2, 5)
        assert torch.equal(w.dense(), dense[2:5].reshape(15, 11))


def test_spike_linear_sparse_equals_dense_product():
    g = torch.Generator().manual_seed(1)
    s = (torch.rand(4, 7, 30, generator=g) < 0.05).float()
    w = torch.randn(10, 30, generator=g, requires_grad=True)
    out = spike_linear(s, w)
    (gw,) = torch.autograd.grad(out.pow(2).sum(), w)
    w2 = w.detach().clone().requires_grad_()
    ref = s @ w2.t()
    (gw2,) = torch.autograd.grad(ref.pow(2).sum(), w2)
    assert torch.allclose(out, ref, atol=1e-6) and torch.allclose(gw, gw2, atol=1e-5)
    assert isinstance(SparseRows.from_dense(s.reshape(-1, 30)), SparseRows)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 9), T=st.integers(1, 7), C=st.integers(1, 13),
       p=st.floats(0.0, 0.5), k=st.integers(1, 7))
def test_batch_in_one_pass_gives_the_same_spikes_and_windows(seed, n, T, C, p, k):
    """``SparseDataset.batch`` (one kernel pass, already ordered) holds the spikes of the
    samples asked for, in any order of ids and with repeats, and its windows (with extra
    target rows) equal the dense batch's."""
    g = torch.Generator().manual_seed(seed)
    frames = (torch.rand(n, T, C, generator=g) < p).float()
    data = SparseDataset.from_frames(frames, torch.arange(n))
    ids = torch.randint(0, n, (min(n, 5) + 1,), generator=g)
    x, y = data.batch(ids)
    dense = frames[ids].transpose(0, 1)  # (T, B, C)
    assert hasattr(x, "_sorted") and torch.equal(x.dense(), dense) and torch.equal(y, ids)
    extra = (torch.rand(3, C, generator=g) < 0.5).float()
    t1 = min(T, k)
    rows = x.window(0, t1, extra=extra)
    assert torch.equal(rows.dense(), torch.cat([dense[:t1].reshape(-1, C), extra]))
    ref = SparseSpikes(*x.coords(), x.shape).window(0, t1, extra=extra)  # the sorting path
    for field in ("cols", "row_offsets", "rows_by_col", "col_offsets"):
        assert torch.equal(getattr(rows, field), getattr(ref, field))
