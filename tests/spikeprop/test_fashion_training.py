"""Fashion-MNIST wired into training: ``--dataset``/``--encoding`` reach the config, the input
width defaults to 784, evaluate/deploy read the data set from the checkpoint, and the rate
code's fresh noise per epoch keeps a resumed run identical to an uninterrupted one."""
import gzip
import json

import numpy as np
import pytest
import torch

from spikeprop.cli.__main__ import main
from spikeprop.config import TrainConfig
from spikeprop.data.static_images import EncodedImages
from spikeprop.errors import ConfigError
from spikeprop.model import NetConfig
from spikeprop.runs import resolve_configs
from spikeprop.trainer import Trainer

torch.set_num_threads(1)


def _idx(arr: np.ndarray) -> bytes:
    magic = 2051 if arr.ndim == 3 else 2049
    return magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape) + arr.tobytes()


@pytest.fixture
def fashion_dir(tmp_path):
    """A tiny Fashion-MNIST folder: bright rows per class, so it is learnable."""
    rng = np.random.default_rng(0)
    for split, n, prefix in (("train", 60, "train"), ("test", 20, "t10k")):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(labels):
            images[i, 2 * c:2 * c + 3] = 230
        (tmp_path / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(images)))
        (tmp_path / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels)))
    return tmp_path


def test_config_fields_and_default_width():
    net, cfg = resolve_configs({}, {"dataset": "fashion-mnist", "encoding": "latency"})
    assert net.sizes == [784, 800, 10] and (cfg.dataset, cfg.encoding) == ("fashion-mnist", "latency")
    net, _ = resolve_configs({"sizes": [784, 64, 10]}, {"dataset": "fashion-mnist"})
    assert net.sizes == [784, 64, 10]
    assert resolve_configs({}, {})[0].sizes[0] == 2312
    with pytest.raises(ConfigError, match="unknown dataset"):
        TrainConfig(dataset="cifar")
    with pytest.raises(ConfigError, match="unknown encoding"):
        TrainConfig(encoding="phase")


def test_train_evaluate_deploy_fashion(fashion_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "fashion-mnist", "--encoding", "latency", "--data", str(fashion_dir),
                 "--sizes", "784,32,10", "--T", "6", "--epochs", "2", "--batch-size", "16", "--quiet",
                 "--threads", "1", "--out", str(out), "--val-fraction", "0.2"]) == 0
    text = capsys.readouterr().out
    assert "fashion-mnist, 50 train / 10 validation / 20 test images, latency code over T=6 steps" in text
    saved = json.loads((out / "config.json").read_text())
    assert saved["train"]["dataset"] == "fashion-mnist" and saved["net"]["sizes"][0] == 784
    assert main(["evaluate", str(out / "best.pt"), "--data", str(fashion_dir), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert sum(map(sum, ev["confusion"])) == 20  # the 20 test images, not N-MNIST recordings
    assert main(["deploy", str(out / "best.pt"), "--data", str(fashion_dir), "--backend", "fallback",
                 "--precision", "float", "--n-samples", "8", "--json", "--no-progress"]) == 0
    dep = json.loads(capsys.readouterr().out)
    assert dep["n_samples"] == 8 and dep["prediction_agreement"] == 1.0
    assert main(["deploy", str(out / "best.pt"), "--learn", "--backend", "fallback",
                 "--learn-out", str(tmp_path / "learn")]) == 1  # the on-chip experiment streams N-MNIST
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "784 inputs (fashion-mnist)" in err


class _SpyImages(EncodedImages):
    seen: list

    def set_epoch(self, epoch):
        self.seen.append(epoch)
        super().set_epoch(epoch)


def test_fresh_rate_noise_per_epoch_and_exact_resume(fashion_dir, tmp_path):
    from spikeprop.data.static_images import load_image_dataset

    base = load_image_dataset("train", 5, "rate", fashion_dir, seed=3)
    def dense(s):
        x = torch.zeros(s.shape, dtype=torch.bool)
        x[s.coords()] = True
        return x

    epoch0 = dense(base.batch(torch.arange(4))[0])
    base.set_epoch(1)
    assert not torch.equal(epoch0, dense(base.batch(torch.arange(4))[0]))  # fresh noise
    base.set_epoch(0)
    assert torch.equal(epoch0, dense(base.batch(torch.arange(4))[0]))  # a pure function of the epoch

    def data():
        d = _SpyImages(base.images, base.labels, 5, "rate", 3, base.keys)
        d.seen = []
        return d

    net = NetConfig(sizes=[784, 24, 10])
    cfg = TrainConfig(method="sp-surrogate", dataset="fashion-mnist", T=5, epochs=2, batch_size=20, seed=3)
    straight_data = data()
    straight = Trainer(net, cfg, tmp_path / "a", progress=False, plot=False)
    straight.fit(straight_data)
    assert straight_data.seen == [0, 1]
    Trainer(net, TrainConfig(**{**cfg.to_dict(), "epochs": 1}), tmp_path / "b", progress=False, plot=False).fit(data())
    resumed = Trainer(net, cfg, tmp_path / "b", progress=False, plot=False)
    resumed.resume(tmp_path / "b" / "last.pt")
    resumed_data = data()
    resumed.fit(resumed_data)
    assert resumed_data.seen == [1]
    for (k, w1), w2 in zip(straight.net.state_dict().items(), resumed.net.state_dict().values()):
        assert torch.equal(w1, w2), k


def test_cross_validation_on_images(fashion_dir, tmp_path, capsys):
    assert main(["train", "--dataset", "fashion-mnist", "--encoding", "rate", "--data", str(fashion_dir),
                 "--sizes", "784,16,10", "--T", "4", "--epochs", "1", "--batch-size", "30", "--quiet",
                 "--threads", "1", "--out", str(tmp_path / "cv"), "--cv", "2"]) == 0
    res = json.loads((tmp_path / "cv" / "cv.json").read_text())
    assert res["k"] == 2 and len(res["fold_acc"]) == 2
