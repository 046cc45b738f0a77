"""``spikeprop train --method sp-onchip``: the on-chip two-phase SP rule in torch gives the same
weights as the fallback's float path (= Lava float) on the same stream, and trains end to end."""
import json

import numpy as np
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
