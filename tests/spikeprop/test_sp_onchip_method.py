"""``spikeprop train --method sp-onchip``: the on-chip two-phase SP rule in torch gives the same
weights as the fallback's float path (= Lava float) on the same stream, and trains end to end."""
import json

import numpy as np
import pytest
import torch

import spikeprop.datasets as datasets_mod
from export.learning.float_ref import FloatLearningNetwork
from export.learning.stream import sp_stream
from spikeprop.cli.__main__ import main
from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig, SpikingNet
from spikeprop.rules import make_learner
from spikeprop.rules.onchip import onchip_network
from spikeprop.rules.signal import TargetSignal
from toy_data import toy_dataset

torch.set_num_threads(1)


def test_torch_rule_gives_the_float_fallback_weights():
    from spikeprop.onchip.data import load_spike_frames

    x, y = load_spike_frames("train", 12, limit=5)
    sizes = [2312, 20, 12, 10]
    learner = make_learner(SpikingNet(NetConfig(sizes=sizes)), TargetSignal(10, 2312, 0.03, 0),
                           TrainConfig(method="sp-onchip"))
    lnet = onchip_network(sizes, 0.9, 0)
    ref = FloatLearningNetwork.from_fixed(lnet)
    w0 = [w.copy() for w in ref.weights]
    xs, tg = sp_stream(x, y, lnet.target_patterns, lnet.target_steps, label_delay=len(sizes) - 2)
    run = ref.learn(xs, tg, reset_interval=lnet.target_steps + 12)
    res = learner.train_batch(torch.as_tensor(np.swapaxes(x, 0, 1), dtype=torch.float32), torch.as_tensor(y))
    for i, (a, b, w) in enumerate(zip(run.weights, learner.W, w0)):
        assert np.abs(a - w).max() > 0.1, f"layer {i} did not learn"
        np.testing.assert_allclose(b.numpy(), a, rtol=0, atol=1e-9, err_msg=f"layer {i}")
    # the trainer's frozen net holds W / vth: its output spikes are the device's
    fc = learner.net.fcs[-1].weight.detach().double().numpy()
    np.testing.assert_allclose(fc * lnet.layers[-1].neuron.vth, run.weights[-1], rtol=1e-6, atol=1e-4)
    assert res.rate_output.shape == (5, 10) and len(res.losses) == 3


def test_train_cli_sp_onchip(tmp_path, monkeypatch):
    def fake_load(split, T, window_ms, data_dir=None, **_):
        return toy_dataset(24 if split == "train" else 8, T=T, seed=0 if split == "train" else 1)
    monkeypatch.setattr(datasets_mod, "load_dataset", fake_load)
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"train": {"n_classes": 4}}))
    out = tmp_path / "run"
    assert main(["train", "--method", "sp-onchip", "--sizes", "48,16,4", "--T", "6", "--epochs", "2",
                 "--batch-size", "12", "--quiet", "--threads", "1", "--out", str(out), "--config", str(cfg)]) == 0
    rec = [json.loads(s) for s in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rec] == [1, 2] and "classifier_rate" in rec[-1]["test_modes"]
    ck = torch.load(out / "last.pt", weights_only=False)
    w = ck["learner"]["W"]
    vth = onchip_network([48, 16, 4], 0.9, 0).layers[0].neuron.vth
    assert len(w) == 2 and float((w[0] - ck["model"]["fcs.0.weight"].double() * vth).abs().max()) < 1e-2


def test_train_streams_as_deploy_learn(monkeypatch):
    """``spikeprop train --method sp-onchip`` (its default file order, tail held out) learns the
    float fallback's weights of ``deploy - --learn --precision float`` on the same recordings:
    same learned recordings, same order, same chunks, same passes, same hold-out and readout."""
    import export.backend as backend_mod
    from export.learning import LearningSpec
    from spikeprop.onchip.experiment import LearnSetup, run_learning
    from spikeprop.trainer import Trainer

    sizes, n, T = [2312, 64, 10], 20, 20
    devs = []

    def keep(*a, **k):
        devs.append(learner(*a, **k))
        return devs[-1]
    learner = backend_mod.learner
    monkeypatch.setattr(backend_mod, "learner", keep)
    setup = LearnSetup(LearningSpec.for_rule("sp", layers="all", seed=7 + 1), samples=16, T=T, eval_every=8,
                       passes=2, val=4, sizes=tuple(sizes), n_test=6)
    report = run_learning(None, setup, "fallback", "float")
    dev = devs[0]

    real = datasets_mod.load_dataset
    monkeypatch.setattr(datasets_mod, "load_dataset",
                        lambda split, T, window_ms, data_dir=None, **_: real(split, T, window_ms, limit=n if split == "train" else 6))
    cfg = TrainConfig(method="sp-onchip", T=T, epochs=2, batch_size=8, val_fraction=0.2, seed=1)
    assert cfg.order == "file"
    from spikeprop.runs import load_splits
    train, val, test = load_splits(cfg)
    trainer = Trainer(NetConfig(sizes=sizes), cfg, None, progress=False, plot=False)
    hist = trainer.fit(train, val, test)
    for i, (a, b) in enumerate(zip(dev.weights, trainer.learner.W)):
        np.testing.assert_allclose(b.numpy(), a, rtol=0, atol=1e-9, err_msg=f"layer {i}")
    assert report["curve_acc"][-1] == pytest.approx(hist[-1]["val_acc"])
    assert report["final_test_acc"] == pytest.approx(hist[-1]["test_acc"])
    # and the frozen networks give the same output spike counts (the trainer's LIF decays as the device's)
    from spikeprop.onchip.data import load_spike_frames
    from spikeprop.prediction import collect_outputs

    from spikeprop.config import ONCHIP_WINDOW_MS

    assert cfg.window_ms == ONCHIP_WINDOW_MS == report["window_ms"]  # both stream the same default window
    xte, _ = load_spike_frames("test", T, int(ONCHIP_WINDOW_MS * 1000), limit=6)
    counts = collect_outputs(trainer.net, trainer.signal, cfg, test).rate.numpy()
    assert counts.sum() > 0
    np.testing.assert_array_equal(counts, dev.counts(xte))
    # the shuffled order learns other weights: the match above is the stream, not luck
    shuffled = Trainer(NetConfig(sizes=sizes), TrainConfig(method="sp-onchip", T=T, epochs=1, batch_size=8,
                                                           seed=1, order="shuffled"), None, False, False)
    shuffled.fit(train)
    assert np.abs(shuffled.learner.W[0].numpy() - dev.weights[0]).max() > 1e-3
