"""best.pt is chosen on a validation split held out of the training data, never on test."""
from __future__ import annotations

import json

import torch

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from spikeprop.splits import split_dataset, stratified_split, tail_split
from spikeprop.trainer import Trainer, epoch_order
from toy_data import toy_dataset


def test_split_is_stratified_seeded_and_disjoint():
    labels = torch.arange(10).repeat_interleave(50)
    tr, va = stratified_split(labels, 0.1, seed=3)
    assert len(va) == 50 and len(tr) == 450
    assert set(tr.tolist()).isdisjoint(va.tolist()) and len(set(tr.tolist()) | set(va.tolist())) == 500
    assert torch.bincount(labels[va], minlength=10).tolist() == [5] * 10
    assert torch.equal(stratified_split(labels, 0.1, seed=3)[1], va)
    assert not torch.equal(stratified_split(labels, 0.1, seed=4)[1], va)
    assert len(stratified_split(labels, 0.0, seed=3)[1]) == 0


def test_file_order_holds_out_the_tail_and_keeps_the_order():
    """``order="file"`` (sp-onchip's default): deploy --learn's stream, the last recordings held out."""
    tr, va = tail_split(1000, 0.2)
    assert torch.equal(va, torch.arange(800, 1000)) and torch.equal(tr, torch.arange(800))
    assert len(tail_split(10, 0.0)[1]) == 0
    data = toy_dataset(20, T=4, n_classes=4, seed=0)
    train, val = split_dataset(data, 0.2, seed=3, order="file")
    assert torch.equal(val.labels, data.labels[16:]) and torch.equal(train.labels, data.labels[:16])
    assert torch.equal(epoch_order(16, 0, 5, "file"), torch.arange(16))
    assert not torch.equal(epoch_order(16, 0, 5), torch.arange(16))
    assert TrainConfig(method="sp-onchip").order == "file" and TrainConfig().order == "shuffled"
    assert TrainConfig(method="sp-onchip", order="shuffled").order == "shuffled"


def test_best_checkpoint_follows_validation_not_test(tmp_path, monkeypatch):
    data = toy_dataset(60, T=6, n_classes=3, seed=0)
    train, val = split_dataset(data, 0.2, seed=0)
    test = toy_dataset(30, T=6, n_classes=3, seed=9)
    cfg = TrainConfig(method="sp-surrogate", epochs=4, batch_size=16, T=6, n_classes=3, seed=0)
    tr = Trainer(NetConfig(sizes=[data.n_inputs, 12, 3]), cfg, tmp_path, progress=False, plot=False)
    # make the two scores disagree: validation prefers epoch 2, test prefers epoch 4
    val_scores, test_scores = iter([0.2, 0.9, 0.5, 0.4]), iter([0.1, 0.2, 0.3, 0.99])
    real = tr.evaluate

    def fake(d, split="test", neuron_stats=True):
        rec = real(d, split, neuron_stats)
        rec[f"{split}_acc"] = next(val_scores if split == "val" else test_scores)
        return rec

    monkeypatch.setattr(tr, "evaluate", fake)
    hist = tr.fit(train, val, test)
    assert tr.best_epoch == 2 and tr.best == 0.9
    best = torch.load(tmp_path / "best.pt", weights_only=False)
    assert best["epoch"] == 2 and best["best_epoch"] == 2
    assert [json.loads(l)["test_acc"] for l in open(tmp_path / "metrics.jsonl")] == [h["test_acc"] for h in hist]


def test_old_checkpoints_without_val_fraction_resume_without_a_split():
    from spikeprop.checkpoint import configs_of

    d = TrainConfig().to_dict()
    d.pop("val_fraction")
    _, cfg = configs_of({"net": NetConfig(sizes=[4, 3, 10]).to_dict(), "train": d})
    assert cfg.val_fraction == 0.0
