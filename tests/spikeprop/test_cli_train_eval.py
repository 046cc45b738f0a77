"""``spikeprop train`` / ``evaluate`` end to end on toy data, ``--help`` that teaches, one-line errors."""
import json

import pytest
import torch

import spikeprop.datasets as datasets_mod
from spikeprop.cli.__main__ import main
from toy_data import toy_dataset

torch.set_num_threads(1)


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["evaluate", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    text = capsys.readouterr().out
    if argv[0] == "train":
        assert "examples:" in text and "--resume" in text and "drtp-two-compartment" in text
        assert "sp-dendritic" in text and "bptt-boxcar" in text and "direct random target projection" in text


@pytest.fixture
def toy_data(monkeypatch):
    def fake_load(split, T, window_ms, data_dir=None, **_):
        return toy_dataset(32 if split == "train" else 12, T=T, seed=0 if split == "train" else 1)
    monkeypatch.setattr(datasets_mod, "load_dataset", fake_load)


def test_train_resume_evaluate(tmp_path, toy_data, capsys):
    out = tmp_path / "run"
    common = ["--sizes", "48,16,4", "--T", "6", "--batch-size", "16", "--quiet", "--threads", "1"]
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"train": {"n_classes": 4, "target_density": 0.25}}))
    assert main(["train", "--epochs", "1", "--out", str(out), "--config", str(cfg)] + common) == 0
    for name in ("config.json", "metrics.jsonl", "last.pt", "best.pt", "curves.png"):
        assert (out / name).exists(), name
    before = (out / "best.pt").read_bytes()
    capsys.readouterr()
    assert main(["train", "--epochs", "1", "--out", str(out), "--config", str(cfg)] + common) == 1  # no overwrite
    assert "already holds a run" in capsys.readouterr().err and (out / "best.pt").read_bytes() == before
    assert main(["train", "--out", str(out), "--resume", "--epochs", "2", "--quiet"]) == 0
    rec = [json.loads(s) for s in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rec] == [1, 2]
    for key in ("loss", "train_acc", "test_acc", "rate", "dead", "time_s"):
        assert key in rec[-1]
    capsys.readouterr()
    assert main(["evaluate", str(out / "last.pt")]) == 0
    text = capsys.readouterr().out
    assert "nearest" in text and "adaptive" in text and "confusion" in text and "dead" in text
    assert main(["train", "--cv", "2", "--epochs", "1", "--out", str(tmp_path / "cv"),
                 "--config", str(cfg)] + common) == 0
    assert json.loads((tmp_path / "cv" / "cv.json").read_text())["k"] == 2


def test_evaluate_rejects_bad_checkpoint(tmp_path, capsys):
    bad = tmp_path / "x.pt"
    bad.write_text("nope")
    assert main(["evaluate", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "x.pt" in err


def test_parser_of_one_command_imports_nothing_heavy():
    """``spikeprop train`` builds only its own parser: no torch, matplotlib or export.learning
    before the work starts (start-up time), and the process-wide settings are made once."""
    import subprocess
    import sys

    code = ("import sys; from spikeprop.cli.__main__ import build_parser, requested_command; "
            "p = build_parser(requested_command(['train', '--epochs', '1'])); "
            "print(sorted(m for m in ('torch', 'matplotlib', 'export.learning') if m in sys.modules)); "
            "print(p.parse_args(['train', '--epochs', '1']).epochs)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "1"]
