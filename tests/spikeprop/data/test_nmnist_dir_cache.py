"""The binned-split cache of a user's N-MNIST folder: keyed by the files (names, sizes, mtimes),
T and window; the parallel reader (processes or threads) gives exactly what a serial one gives."""
import torch

from spikeprop import datasets


def _same(a, b):
    return (torch.equal(a.flat, b.flat) and torch.equal(a.offsets, b.offsets)
            and torch.equal(a.labels, b.labels) and (a.T, a.n_inputs) == (b.T, b.n_inputs))


def _write_folder(root, encode, n_per_digit=3, seed=0):
    """A tiny full-layout N-MNIST folder (Train/<digit>/*.bin) of random events."""
    import numpy as np

    rng = np.random.default_rng(seed)
    for d in range(3):
        (root / "Train" / str(d)).mkdir(parents=True, exist_ok=True)
        for i in range(n_per_digit):
            n = int(rng.integers(50, 200))
            t = np.sort(rng.integers(0, 310_000, n)).tolist()
            data = encode(rng.integers(0, 34, n).tolist(), rng.integers(0, 34, n).tolist(),
                          rng.integers(0, 2, n).tolist(), t)
            (root / "Train" / str(d) / f"{i:05d}.bin").write_bytes(data)


def test_user_folder_cache_is_keyed_by_files_and_parallel_equals_serial(tmp_path, monkeypatch):
    from nmnist_encoding import encode_events

    monkeypatch.setenv("SPIKEPROP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SPIKEPROP_CACHE", raising=False)
    monkeypatch.setattr(datasets, "CHUNK", 2)  # several chunks, so the pool really splits the work
    root = tmp_path / "nmnist"
    _write_folder(root, encode_events)
    serial = datasets.bin_split("train", 9, 300.0, str(root), workers=1)
    for pool in ("process", "thread"):
        assert _same(datasets.bin_split("train", 9, 300.0, str(root), workers=2, pool=pool), serial)
    first = datasets.load_dataset("train", 9, 300.0, str(root), workers=2)
    assert _same(first, serial) and len(first) == 9
    assert len(list((tmp_path / "cache").glob("nmnist-dir-train-T9-*.npz"))) == 1

    def no_binning(*a, **k):
        raise AssertionError("the cached split was re-binned")
    monkeypatch.setattr(datasets, "bin_split", no_binning)
    assert _same(datasets.load_dataset("train", 9, 300.0, str(root)), first)  # warm: from the cache
    monkeypatch.undo()
    monkeypatch.setenv("SPIKEPROP_CACHE_DIR", str(tmp_path / "cache"))
    # a changed recording (other size) is noticed: new key, new binning
    f = root / "Train" / "1" / "00000.bin"
    f.write_bytes(encode_events([1, 2], [3, 4], [0, 1], [1000, 2000]))
    changed = datasets.load_dataset("train", 9, 300.0, str(root))
    assert not _same(changed, first) and int(changed.offsets[4] - changed.offsets[3]) == 2
    assert len(list((tmp_path / "cache").glob("nmnist-dir-train-T9-*.npz"))) == 2
    datasets.load_dataset("train", 12, 300.0, str(root))  # another T: another file
    assert len(list((tmp_path / "cache").glob("nmnist-dir-train-T12-*.npz"))) == 1
