"""``spikeprop.datasets``: the on-disk cache of binned embedded splits gives exactly what
binning gives, is keyed by every input, can be turned off, and survives a corrupt file."""
import torch

from spikeprop import datasets


def _same(a, b):
    return (torch.equal(a.flat, b.flat) and torch.equal(a.offsets, b.offsets)
            and torch.equal(a.labels, b.labels) and (a.T, a.n_inputs) == (b.T, b.n_inputs))


def test_cache_round_trip_and_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKEPROP_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SPIKEPROP_CACHE", raising=False)
    first = datasets.load_dataset("test", 7, 300.0, limit=20)
    files = list(tmp_path.glob("nmnist-test-T7-*.npz"))
    assert len(files) == 1
    again = datasets.load_dataset("test", 7, 300.0, limit=20)
    assert _same(first, again) and _same(again, datasets.bin_split("test", 7, 300.0, limit=20))
    assert again.flat.dtype == torch.int32 and len(again) == 20
    datasets.load_dataset("test", 7, 250.0, limit=20)  # another window: another file
    assert len(list(tmp_path.glob("*.npz"))) == 2
    files[0].write_bytes(b"not an npz")  # a corrupt cache file is rebuilt, not an error
    assert _same(datasets.load_dataset("test", 7, 300.0, limit=20), first)


def test_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKEPROP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("SPIKEPROP_CACHE", "0")
    assert datasets.cache_dir() is None
    datasets.load_dataset("test", 5, 300.0, limit=4)
    assert not list(tmp_path.iterdir())

