"""Binning events into frames: index layout, windows, batches, sparse == dense, tonic input."""
import numpy as np
import torch

from spikeprop.data import (
    EVENT_DTYPE, N_INPUTS, batch_to_dense, batch_to_sparse, events_to_frames, load_frames,
)


def make(x, y, p, t, dtype=EVENT_DTYPE):
    ev = np.zeros(len(x), dtype=dtype)
    ev["x"], ev["y"], ev["p"], ev["t"] = x, y, p, t
    return ev


def test_index_layout_and_time_bins():
    ev = make([1, 33, 0], [0, 33, 2], [0, 1, 1], [0, 149_999, 299_999])
    f = events_to_frames(ev, T=2, window_us=300_000)
    assert f.shape == (2, N_INPUTS) and f.dtype == np.float32
    assert f[0, 0 * 1156 + 0 * 34 + 1] == 1
    assert f[0, 1 * 1156 + 33 * 34 + 33] == 1
    assert f[1, 1 * 1156 + 2 * 34 + 0] == 1
    assert f.sum() == 3


def test_binary_clips_and_counts_do_not():
    ev = make([5, 5, 5], [5, 5, 5], [0, 0, 0], [1, 2, 3])
    assert events_to_frames(ev, 1).sum() == 1
    assert events_to_frames(ev, 1, binary=False).sum() == 3


def test_events_outside_window_are_dropped():
    ev = make([1, 1], [1, 1], [0, 0], [10, 400_000])
    assert events_to_frames(ev, 4, window_us=300_000).sum() == 1


def test_tonic_style_events_with_float_time():
    tonic_dtype = np.dtype([("x", "<i8"), ("y", "<i8"), ("t", "<f8"), ("p", "<i8")])
    ev = make([3], [4], [1], [150_000.0], dtype=tonic_dtype)
    f = events_to_frames(ev, 2)
    assert f[1, 1156 + 4 * 34 + 3] == 1


def test_batch_dense_is_time_major_and_matches_single():
    evs = [make([1, 2], [1, 2], [0, 1], [10, 200_000]), make([7], [8], [1], [100])]
    dense = batch_to_dense(evs, T=3)
    assert dense.shape == (3, 2, N_INPUTS)
    for b, ev in enumerate(evs):
        np.testing.assert_array_equal(dense[:, b].numpy(), events_to_frames(ev, 3))


def test_sparse_product_equals_dense_product():
    rng = np.random.default_rng(0)
    evs = [make(rng.integers(0, 34, 500), rng.integers(0, 34, 500), rng.integers(0, 2, 500),
                np.sort(rng.integers(0, 300_000, 500))) for _ in range(4)]
    dense = batch_to_dense(evs, T=5)
    sparse = batch_to_sparse(evs, T=5)
    torch.testing.assert_close(sparse.to_dense(), dense)
    W = torch.randn(16, N_INPUTS)
    for t in range(5):
        torch.testing.assert_close(torch.sparse.mm(sparse[t], W.T), dense[t] @ W.T)


def test_load_frames_embedded_real_data_is_sparse():
    frames, labels = load_frames("test", T=100)
    assert frames.shape == (100, 100, N_INPUTS) and frames.dtype == np.uint8
    assert labels.shape == (100,)
    activity = frames.mean()
    assert 0.005 < activity < 0.05  # N-MNIST: about 1-2 % of inputs active per step at T=100
