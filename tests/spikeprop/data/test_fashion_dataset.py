"""EncodedImages: batches in SparseDataset's form, keys through subset/concat, a trainer step on it."""
import os
from pathlib import Path

import pytest
import torch

from spikeprop.config import TrainConfig
from spikeprop.data.encoding import latency_encode, rate_encode
from spikeprop.data.static_images import EncodedImages, load_image_dataset
from spikeprop.errors import SpikePropError
from spikeprop.model import NetConfig
from spikeprop.trainer import Trainer

SHARED = Path(os.environ.get("FASHION_MNIST_DIR")
              or Path(__file__).resolve().parents[4] / "shared" / "data" / "fashion-mnist")


def images(n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g), torch.arange(n) % 10


@pytest.mark.parametrize("encoding", ["rate", "latency"])
def test_batch_equals_the_encoder(encoding):
    x, y = images()
    ds = EncodedImages(x, y, T=7, encoding=encoding, seed=4, keys=torch.arange(100, 112))
    ids = torch.tensor([5, 0, 9])
    spikes, labels = ds.batch(ids)
    assert spikes.shape == (7, 3, 784) and labels.tolist() == y[ids].tolist()
    want = (rate_encode(x[ids], 7, seed=4, keys=ids + 100) if encoding == "rate"
            else latency_encode(x[ids], 7))
    assert torch.equal(spikes.dense(), want.float())
    w = spikes.window(2, 5)  # the trainer's view: rows (t - 2) * B + b
    assert torch.equal(w.dense(), want[2:5].reshape(-1, 784).float())


def test_subset_and_concat_keep_each_samples_spikes():
    x, y = images()
    ds = EncodedImages(x, y, T=5, seed=1)
    sub = ds.subset(torch.tensor([7, 3]))
    assert torch.equal(sub.batch(torch.tensor([1]))[0].dense(), ds.batch(torch.tensor([3]))[0].dense())
    both = EncodedImages.concat(ds.subset(torch.arange(6)), ds.subset(torch.arange(6, 12)))
    assert len(both) == 12
    assert torch.equal(both.batch(torch.arange(12))[0].dense(), ds.batch(torch.arange(12))[0].dense())
    with pytest.raises(ValueError, match="differ"):
        EncodedImages.concat(ds, EncodedImages(x, y, T=6))


def test_epoch_changes_rate_noise_only():
    x, y = images()
    ids = torch.arange(4)
    for enc, changes in (("rate", True), ("latency", False)):
        ds = EncodedImages(x, y, T=5, encoding=enc)
        a = ds.batch(ids)[0].dense()
        ds.set_epoch(1)
        assert (not torch.equal(a, ds.batch(ids)[0].dense())) == changes
        ds.set_epoch(0)
        assert torch.equal(a, ds.batch(ids)[0].dense())


def test_density_matches_the_batches():
    x, y = images(64)
    rate = EncodedImages(x, y, T=20)
    assert abs(rate.density - float(x.double().mean()) / 255) < 1e-12
    assert abs(rate.batch(torch.arange(64))[0].density - rate.density) < 0.01
    lat = EncodedImages(x, y, T=20, encoding="latency")
    assert lat.batch(torch.arange(64))[0].density == pytest.approx(lat.density)


def test_bad_options_are_one_line_errors():
    x, y = images(2)
    with pytest.raises(SpikePropError, match="unknown encoding 'poisson'"):
        EncodedImages(x, y, T=5, encoding="poisson")
    with pytest.raises(SpikePropError, match="unknown image data set 'cifar'"):
        load_image_dataset("train", 5, dataset="cifar")


@pytest.mark.parametrize("method", ["sp-voltage", "bptt"])
def test_a_trainer_epoch_runs_on_encoded_images(method):
    x, y = images(32)
    train, test = EncodedImages(x[:24], y[:24], T=6), EncodedImages(x[24:], y[24:], T=6, keys=torch.arange(24, 32))
    cfg = TrainConfig(method=method, T=6, batch_size=8, epochs=1, update_every=3, threads=1)
    tr = Trainer(NetConfig(sizes=[784, 16, 10]), cfg, progress=False, plot=False)
    before = [p.detach().clone() for p in tr.net.parameters()]
    hist = tr.fit(train, test=test)
    assert len(hist) == 1 and 0.0 <= hist[0]["test_acc"] <= 1.0
    assert any(not torch.equal(a, b) for a, b in zip(before, tr.net.parameters()))


def test_load_real_split_with_keys_after_train():
    if not (SHARED / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST files not found beside the repository ({SHARED.name})")
    test = load_image_dataset("test", T=10, encoding="latency", data_dir=SHARED, limit=50)
    assert len(test) == 50 and test.n_inputs == 784 and test.keys[0] == 60_000
    spikes, labels = test.batch(torch.arange(8))
    assert spikes.shape == (10, 8, 784) and labels[:3].tolist() == [9, 2, 1]
    assert spikes.dense().sum(0).max() == 1  # latency: at most one spike per pixel
