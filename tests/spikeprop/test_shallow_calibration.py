"""``shallow`` with sparse input: its fixed random hidden layer must respond to the data.

Before the calibration, shallow on latency-coded Fashion-MNIST trained a readout of an almost
silent 784-800 layer (0.1 % of (sample, neuron) pairs spiked; 15.6 % test accuracy after one
epoch). These tests fail on that behaviour: the silent layer, a chance-level readout."""
import torch

from spikeprop.calibration import active_fraction, calibrate_fixed_layers
from spikeprop.config import TrainConfig
from spikeprop.data.encoding import latency_encode, rate_encode
from spikeprop.data.static_images import EncodedImages
from spikeprop.model import NetConfig, SpikingNet
from spikeprop.trainer import Trainer

torch.set_num_threads(1)


def _images(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Learnable stand-ins for Fashion-MNIST: class c lights a 4-row band at rows 2c..2c+3
    (112 bright pixels, brightness 140..255) over a dark background, like a garment on black."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 20, (n, 28, 28), generator=g, dtype=torch.uint8)
    for i, c in enumerate(labels.tolist()):
        images[i, 2 * c:2 * c + 4] = torch.randint(140, 256, (4, 28), generator=g, dtype=torch.uint8)
    return images, labels


def test_default_init_is_silent_and_calibration_wakes_only_the_fixed_layer():
    images, _ = _images(64)
    x = latency_encode(images, 20)
    torch.manual_seed(0)
    net = SpikingNet(NetConfig(sizes=[784, 400, 10]))
    assert active_fraction(net, x, 0) < 0.05  # the old shallow's hidden layer: next to nothing spikes
    out_before = net.fcs[1].weight.clone()
    gains = calibrate_fixed_layers(net, x, [True, False], target=0.3)
    assert gains[0] > 1.5 and gains[1] == 1.0
    assert active_fraction(net, x, 0) >= 0.3
    assert torch.equal(net.fcs[1].weight, out_before)  # the learning layer keeps its init


def test_a_layer_already_responding_keeps_its_init():
    images, _ = _images(64)
    x = rate_encode(images, 20)  # dense input: the default init already spikes
    torch.manual_seed(0)
    net = SpikingNet(NetConfig(sizes=[784, 400, 10]))
    w = net.fcs[0].weight.clone()
    assert calibrate_fixed_layers(net, x, [True, False], target=0.05) == [1.0, 1.0]
    assert torch.equal(net.fcs[0].weight, w)


def _shallow(activity: float) -> dict:
    images, labels = _images(300)
    test_images, test_labels = _images(100, seed=1)
    cfg = TrainConfig(method="shallow", dataset="fashion-mnist", encoding="latency", T=10, batch_size=25,
                      epochs=2, lr=5e-3, val_fraction=0.0, shallow_activity=activity)
    tr = Trainer(NetConfig(sizes=[784, 200, 10]), cfg, progress=False, plot=False)
    history = tr.fit(EncodedImages(images, labels, 10, "latency"), None,
                     EncodedImages(test_images, test_labels, 10, "latency"))
    return history


def test_shallow_latency_code_learns_through_a_calibrated_hidden_layer():
    old = _shallow(0.0)  # the plain init: the readout sees an almost silent hidden layer
    new = _shallow(0.3)
    assert "hidden_gain" not in old[0] and new[0]["hidden_gain"][0] > 1.5 and new[0]["hidden_gain"][1] == 1.0
    assert "hidden_gain" not in new[1]  # recorded once
    assert new[-1]["train_rate"][0] > 10 * max(old[-1]["train_rate"][0], 1e-4)
    assert new[-1]["test_acc"] >= 0.8 > old[-1]["test_acc"] + 0.2
