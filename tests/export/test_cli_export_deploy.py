"""``spikeprop export`` and ``spikeprop deploy`` end to end (fallback backend, a tiny model)."""
from __future__ import annotations

import json

import pytest
import torch

from spikeprop.cli.__main__ import main


@pytest.fixture
def checkpoint(tmp_path):
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


def test_export_both_formats_then_deploy(checkpoint, tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    assert main(["export", str(checkpoint), "--format", "netx", "-o", str(tmp_path / "net.h5")]) == 0
    assert main(["export", str(checkpoint), "--format", "lava", "--precision", "float",
                 "-o", str(tmp_path / "net.npz")]) == 0
    out = capsys.readouterr().out
    assert "quantisation" in out and "wrote" in out

    assert main(["deploy", str(checkpoint), "--backend", "fallback", "--precision", "float",
                 "--n-samples", "6", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n_samples"] == 6 and res["T"] == 20 and res["backend"] == "fallback"
    assert res["readout"] == "spikes+voltage"
    assert res["identical_output_spike_trains"] == 1.0 and res["prediction_agreement"] == 1.0
    assert len(res["spikes_per_sample"]) == 2

    assert main(["deploy", str(tmp_path / "net.h5"), "--backend", "fallback", "--n-samples", "4",
                 "--T", "20", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "accuracy (spikes+voltage readout):" in text and "spikes per sample, layer 1" in text
    assert "time per sample" in text
    assert main(["deploy", str(checkpoint), "--backend", "fallback", "--precision", "float",
                 "--n-samples", "6", "--readout", "spikes", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["readout"] == "spikes" and res["prediction_agreement"] == 1.0


def test_user_errors_are_one_line(tmp_path, capsys):
    (tmp_path / "junk.pt").write_bytes(b"junk")
    assert main(["deploy", str(tmp_path / "junk.pt"), "--backend", "fallback"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("spikeprop deploy: error:") and "\n" not in err
    assert main(["export", str(tmp_path / "missing.pt"), "--format", "netx", "-o", str(tmp_path / "x.h5")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_auto_backend_falls_back_with_one_line_notice(monkeypatch, capsys):
    import export.lava
    from export.backend import resolve
    from export.result import InputError

    def missing() -> None:  # what require_lava does on a machine without lava-nc
        raise export.lava.LavaNotInstalledError(export.lava._require.NOT_INSTALLED)

    monkeypatch.setattr(export.lava, "require_lava", missing)
    assert resolve("auto") == "fallback"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lava-nc is not installed" in err
    assert resolve("fallback") == "fallback"
    with pytest.raises(InputError, match="backend must be one of"):
        resolve("loihi")
