"""Binning events into frames: index layout, windows, batches, sparse == dense, tonic input."""
import numpy as np
import pytest
import torch

from spikeprop.data import (
    EVENT_DTYPE, N_INPUTS, batch_to_dense, batch_to_sparse, events_to_frames, load_frames,
    load_embedded, sparse_matmul,
)

TONIC_DTYPE = np.dtype([("x", "<i8"), ("y", "<i8"), ("t", "<f8"), ("p", "<i8")])


def make(x, y, p, t, dtype=EVENT_DTYPE):
    ev = np.zeros(len(x), dtype=dtype)
    ev["x"], ev["y"], ev["p"], ev["t"] = x, y, p, t
    return ev


def random_events(rng, n, dtype=EVENT_DTYPE):
    return make(rng.integers(0, 34, n), rng.integers(0, 34, n), rng.integers(0, 2, n),
                np.sort(rng.integers(0, 320_000, n)), dtype)


def test_index_layout_and_time_bins():
    ev = make([1, 33, 0], [0, 33, 2], [0, 1, 1], [0, 149_999, 299_999])
    f = events_to_frames(ev, T=2, window_us=300_000)
    assert f.shape == (2, N_INPUTS) and f.dtype == np.float32
    assert f[0, 0 * 1156 + 0 * 34 + 1] == 1
    assert f[0, 1 * 1156 + 33 * 34 + 33] == 1
    assert f[1, 1 * 1156 + 2 * 34 + 0] == 1
    assert f.sum() == 3
    image = events_to_frames(ev, T=2, flatten=False)  # (T, p, y, x)
    assert image.shape == (2, 2, 34, 34) and image[1, 1, 2, 0] == 1 and image[0, 1, 33, 33] == 1
    np.testing.assert_array_equal(image.reshape(2, -1), f)


def test_binary_clips_and_counts_do_not():
    ev = make([5, 5, 5], [5, 5, 5], [0, 0, 0], [1, 2, 3])
    assert events_to_frames(ev, 1).sum() == 1
    assert events_to_frames(ev, 1, binary=False).sum() == 3


def test_windows_default_length_and_pair():
    ev = make([1, 1, 1], [1, 1, 1], [0, 0, 0], [10, 250_000, 400_000])
    assert events_to_frames(ev, 4).sum() == 2  # default: [0, 300 ms)
    assert events_to_frames(ev, 4, window_us=500_000).sum() == 3
    f = events_to_frames(ev, 2, window_us=(200_000, 500_000))  # bins of 150 ms from 200 ms
    assert f[0].sum() == 1 and f[1].sum() == 1
    with pytest.raises(ValueError, match="t1 > t0"):
        events_to_frames(ev, 2, window_us=(5, 5))


def test_bin_edges_are_exact_for_integer_times():
    ev = make([0] * 4, [0] * 4, [0] * 4, [2_999, 3_000, 5_999, 6_000])
    f = events_to_frames(ev, T=100, binary=False)  # 3 ms bins
    assert [int(f[k, 0]) for k in range(3)] == [1, 2, 1]


def test_tonic_style_events_with_float_time_and_signed_or_bool_polarity():
    f = events_to_frames(make([3], [4], [1], [150_000.0], dtype=TONIC_DTYPE), 2)
    assert f[1, 1156 + 4 * 34 + 3] == 1
    signed = make([3, 3], [4, 4], [-1, 1], [0.5, 1.5], dtype=TONIC_DTYPE)  # p in {-1, +1}
    f = events_to_frames(signed, 1)
    assert f[0, 4 * 34 + 3] == 1 and f[0, 1156 + 4 * 34 + 3] == 1
    booleans = make([3], [4], [True], [0], dtype=[("x", "u2"), ("y", "u2"), ("t", "u8"), ("p", "?")])
    assert events_to_frames(booleans, 1)[0, 1156 + 4 * 34 + 3] == 1


def test_bad_events_are_rejected():
    with pytest.raises(ValueError, match="missing 'p'"):
        events_to_frames(np.zeros(1, [("x", "i2"), ("y", "i2"), ("t", "i8")]), 1)
    with pytest.raises(ValueError, match="outside the 34x34"):
        events_to_frames(make([34], [0], [0], [0]), 1)


def test_batch_dense_is_time_major_and_matches_single():
    rng = np.random.default_rng(0)
    evs = [random_events(rng, 300), make([], [], [], []), random_events(rng, 50, TONIC_DTYPE)]
    for binary in (True, False):
        dense = batch_to_dense(evs, T=7, binary=binary)
        assert dense.shape == (7, 3, N_INPUTS) and dense.dtype == torch.float32
        for b, ev in enumerate(evs):
            np.testing.assert_array_equal(dense[:, b].numpy(), events_to_frames(ev, 7, binary=binary))


@pytest.mark.parametrize("binary", [True, False])
def test_sparse_product_equals_dense_product(binary):
    rng = np.random.default_rng(0)
    evs = [random_events(rng, 2000) for _ in range(4)]
    dense = batch_to_dense(evs, T=5, binary=binary)
    sparse = batch_to_sparse(evs, T=5, binary=binary)
    assert sparse.is_coalesced() and sparse.shape == (5, 4, N_INPUTS)
    torch.testing.assert_close(sparse.to_dense(), dense)
    W = torch.randn(16, N_INPUTS, requires_grad=True)
    for t in range(5):
        torch.testing.assert_close(torch.sparse.mm(sparse[t], W.T), dense[t] @ W.T, atol=1e-4, rtol=1e-5)
    out = sparse_matmul(sparse, W)
    torch.testing.assert_close(out, dense @ W.T, atol=1e-4, rtol=1e-5)
    out.sum().backward()  # gradients reach the weights through the sparse product
    torch.testing.assert_close(W.grad, dense.sum((0, 1)).expand(16, -1))


def test_load_frames_embedded_real_data():
    cache = {}
    frames, labels = load_frames("test", T=100, cache=cache)
    assert frames.shape == (100, 100, N_INPUTS) and frames.dtype == np.uint8
    assert labels.shape == (100,) and labels.dtype == np.int64
    assert not frames.flags.writeable  # shared through the caller's cache
    assert 0.005 < frames.mean() < 0.05  # N-MNIST: about 1-2 % of inputs active per step at T=100
    assert load_frames("test", T=100, cache=cache)[0] is frames and len(cache) == 1
    fresh, _ = load_frames("test", 100)  # no cache: a new, writable array with the same content
    assert fresh is not frames and fresh.flags.writeable and np.array_equal(fresh, frames)
    events, _ = load_embedded("test")
    for i in (0, 57):
        np.testing.assert_array_equal(frames[i], events_to_frames(events[i], 100))
    counts, _ = load_frames("test", T=30, window_us=(10_000, 310_000), binary=False, limit=3)
    assert counts.shape == (3, 30, N_INPUTS) and counts.max() > 1
    np.testing.assert_array_equal(counts[2], events_to_frames(events[2], 30, (10_000, 310_000), binary=False))
