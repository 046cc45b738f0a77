"""The export-layer entry point of on-chip learning: ``export.network.Network`` + ``LearningSpec``
through the fallback (fixed and float) and through ``to_lava(network, learning=...)``."""
from __future__ import annotations

import numpy as np
import pytest

from export.fallback import simulate
from export.lava import lava_available
from export.learning import LearningSpec, to_fallback, to_learning_network
from export.network import Layer, Network

N_IN, N_HID, N_CLS, T = 64, 32, 4, 20


def _toy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class c fires input block c (16 channels) at rate 0.3, everything else at 0.02."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N_CLS, n)
    rate = np.full((n, 1, N_IN), 0.02)
    for i, c in enumerate(y):
        rate[i, 0, c * 16:(c + 1) * 16] = 0.3
    return rng.random((n, T, N_IN)) < rate, y


def _network() -> Network:
    """A fixed-point 64-32-4 LIF network; the hidden layer is a random projection."""
    rng = np.random.default_rng(0)
    w0 = (rng.integers(-120, 120, (N_HID, N_IN)) // 2) * 2
    w1 = (rng.integers(-60, 60, (N_CLS, N_HID)) // 2) * 2
    p = {"dv": 410, "vth": 100, "bias_mant": 0, "bias_exp": 6}
    return Network([Layer(w0, "lif", p, precision="fixed"), Layer(w1, "lif", p, precision="fixed")], N_IN)


def _spec(**kw) -> LearningSpec:
    base = dict(layers="output", lr_exp=-5, x1_impulse=16, out_vth=64, target_w=8, fb=16, e_shift=2)
    base.update(kw)
    return LearningSpec(**base)


def test_frozen_adapter_matches_export_fallback():
    net = _network()
    x, _ = _toy(12, 1)
    dev = to_fallback(net, _spec(reset_weights=False))
    ref = simulate(net, np.swapaxes(x, 0, 1)).spikes.sum(axis=0)
    np.testing.assert_array_equal(dev.counts(x), ref)
    assert ref.sum() > 0
    # and back: the learning network exported as a plain Network is the same network
    back = dev.to_network()
    np.testing.assert_array_equal(simulate(back, np.swapaxes(x, 0, 1)).spikes.sum(axis=0), ref)


def test_fallback_learning_through_network_adapter_raises_accuracy():
    net = _network()
    xtr, ytr = _toy(120, 2)
    xte, yte = _toy(60, 3)
    dev = to_fallback(net, _spec())
    assert dev.net.layers[1].plastic and not dev.net.layers[0].plastic
    assert not dev.net.layers[1].weights.any()  # output reset to untrained
    before = dev.accuracy(xte, yte)
    run = dev.learn(xtr, ytr)
    after = dev.accuracy(xte, yte)
    assert run.steps == 120 * T
    assert before <= 0.35 and after >= 0.8, (before, after)
    # the float reference of the same rule learns too, and ends close to the fixed-point weights
    ref = to_fallback(net, _spec(), precision="float")
    ref.learn(xtr, ytr)
    assert ref.accuracy(xte, yte) >= 0.7
    corr = np.corrcoef(ref.weights[1].ravel(), dev.weights[1].ravel())[0, 1]
    assert corr > 0.8, corr


def test_spec_validation():
    net = _network()
    lnet = to_learning_network(net, _spec(layers="all"))
    assert all(l.plastic for l in lnet.layers)
    assert lnet.layers[0].target_weights.shape == (N_HID, N_CLS)
    # hidden-only rate options leave the output layer alone
    h = to_learning_network(net, _spec(layers="all", hidden_x1_impulse=2, hidden_e_shift=4)).layers
    assert (h[0].rule.x1_impulse, h[0].neuron.e_shift) == (2, 4)
    assert (h[1].rule.x1_impulse, h[1].neuron.e_shift) == (16, 2)
    from export.learning import DeviceLearner

    with pytest.raises(ValueError, match="precision"):
        DeviceLearner(lnet, _spec(), backend="lava", precision="half")
    with pytest.raises(ValueError, match="backend"):
        DeviceLearner(lnet, _spec(), backend="loihi", precision="float")
    # float on Lava is allowed (SPNeuron has a floating_pt model) and starts from the float weights
    dev = DeviceLearner(lnet, _spec(), backend="lava", precision="float")
    assert all(w.dtype == np.float64 for w in dev.weights)


@pytest.mark.lava
@pytest.mark.skipif(not lava_available(), reason="lava-nc is not installed")
def test_to_lava_learning_bit_exact_with_fallback_with_state_resets():
    from export.lava.build import to_lava

    net = _network()
    x, y = _toy(6, 4)  # 6 samples x 20 steps = 120 learning steps, neuron state reset per sample
    spec = _spec(layers="all", hidden_lr_exp=-5, gate=(-200, 200))
    lava = to_lava(net, precision="fixed", learning=spec)
    fb = to_fallback(net, spec)
    rl = lava.learn(x, y)
    rf = fb.learn(x, y)
    for i in range(2):
        assert (rf.weights[i] != rf.weights_before[i]).mean() > 0.02, f"layer {i} barely learned"
        np.testing.assert_array_equal(rl.weights[i], rf.weights[i], err_msg=f"layer {i}")
    np.testing.assert_array_equal(rl.out_spikes, rf.out_spikes)


def test_backend_learner_is_the_one_switch(monkeypatch, capsys):
    """``export.backend.learner`` builds the same device model as ``to_fallback``; ``auto`` without
    lava-nc falls back with one notice; callbacks are refused on Lava before anything runs."""
    import export.lava
    from export import backend
    from export.errors import InputError

    net, spec = _network(), _spec()
    x, y = _toy(4, 2)
    fb = backend.learner(net, spec, "fallback")
    ref = to_fallback(net, spec)
    for a, b in zip(fb.learn(x, y).weights, ref.learn(x, y).weights):
        np.testing.assert_array_equal(a, b)

    if lava_available():  # refused before Lava builds anything
        with pytest.raises(InputError, match="callbacks"):
            backend.learn(fb.net, np.zeros((4, N_IN), bool), np.zeros((4, N_CLS), bool), backend="lava",
                          callback=lambda t, w: None)

    def missing() -> None:
        raise export.lava.LavaNotInstalledError("lava-nc is not installed")

    monkeypatch.setattr(export.lava, "require_lava", missing)
    assert backend.learner(net, spec, "auto").backend == "fallback"
    assert capsys.readouterr().err.count("notice: Lava unavailable") == 1
