"""``spikeprop.artifacts.load_any`` (one-line errors for bad files) and ``spikeprop deploy --learn``
end to end on a tiny checkpoint (fallback)."""
from __future__ import annotations

import json

import pytest
import torch

from spikeprop.artifacts import load_any
from spikeprop.cli.__main__ import main
from spikeprop.errors import CheckpointError, SpikePropError


@pytest.fixture
def tiny_checkpoint(tmp_path):
    from spikeprop.checkpoint import save_checkpoint
    from spikeprop.config import TrainConfig
    from spikeprop.model import NetConfig, SpikingNet
    from spikeprop.rules.signal import TargetSignal

    torch.manual_seed(0)
    cfg = NetConfig(sizes=[2312, 24, 10], init_gain=6.0)
    train = TrainConfig(method="bptt", T=20)
    signal = TargetSignal(train.n_classes, 2312, train.target_density, train.seed)
    path = tmp_path / "tiny.pt"
    save_checkpoint(path, {"net": cfg.to_dict(), "train": train.__dict__, "model": SpikingNet(cfg).state_dict(),
                           "signal": signal.state_dict(), "epoch": 1})
    return path


def test_load_any_reads_checkpoints_and_names_bad_files(tiny_checkpoint, tmp_path):
    loaded = load_any(tiny_checkpoint)
    assert loaded.kind == "checkpoint" and loaded.network.sizes == [2312, 24, 10] and loaded.T == 20
    with pytest.raises(SpikePropError, match="no such file"):
        load_any(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(SpikePropError, match="junk.npz"):
        load_any(tmp_path / "junk.npz")
    (tmp_path / "junk.h5").write_bytes(b"junk")
    with pytest.raises(SpikePropError, match="junk.h5"):
        load_any(tmp_path / "junk.h5")
    torch.save({"state_dict": {}}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a spikeprop checkpoint"):
        load_any(tmp_path / "foreign.pt")


def test_deploy_learn_writes_report_and_learns(tiny_checkpoint, tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    out = tmp_path / "learn"
    assert main(["deploy", str(tiny_checkpoint), "--learn", "--learn-rule", "drtp", "--learn-val", "0",
                 "--backend", "fallback", "--learn-samples", "20", "--learn-eval-every", "10",
                 "--learn-out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "after    20 samples (   400 learning steps)" in text and "frozen network via export fallback" in text
    rep = json.loads((out / "learning.json").read_text())
    assert rep["steps"] == [0, 200, 400] and rep["samples_curve"] == [0, 10, 20] and rep["T"] == 20
    assert len(rep["test_acc"]) == 3 and rep["backend"] == "fallback" and rep["spec"]["layers"] == "output"
    assert [w["layer"] for w in rep["weight_stats"]] == [1] and rep["weight_stats"][0]["changed_frac"] > 0
    assert rep["frozen_export_test_acc"] == rep["final_test_acc"]  # frozen export runs the learned weights
    assert (out / "accuracy.png").stat().st_size > 1000


def test_deploy_learn_sp_default_two_phases_and_validation_curve(tiny_checkpoint, tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    out = tmp_path / "learn_sp"
    assert main(["deploy", str(tiny_checkpoint), "--learn", "--backend", "fallback", "--learn-samples", "12",
                 "--learn-eval-every", "6", "--learn-passes", "2", "--learn-val", "20", "--learn-target-steps", "5",
                 "--learn-out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rule sp" in text and "validation accuracy" in text and "phases per sample: 5 target steps" in text
    rep = json.loads((out / "learning.json").read_text())
    T = rep["T"]
    skip = rep["spec"]["learn_skip"]
    assert rep["spec"]["rule"] == "sp" and rep["passes"] == 2 and rep["validation_samples"] == 20
    assert rep["samples_curve"] == [0, 6, 12, 18, 24] and len(rep["curve_acc"]) == 5 and rep["test_acc"] is None
    assert rep["steps"][-1] == 24 * T  # learning steps: the input phase of every sample
    assert rep["phases"]["stream_steps"] == 24 * (T + 5) and rep["phases"]["target_steps"] == 5 and skip >= 0
    assert rep["weight_stats"][0]["changed_frac"] > 0
    assert rep["frozen_export_test_acc"] == rep["final_test_acc"]
