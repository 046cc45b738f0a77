"""``spikeprop dead-neurons`` end to end: --quick on the embedded data writes the CSV, the markdown
table and the PNGs; a run that fails is reported in one line and the others go on."""
import csv
import json

import pytest
import torch

import spikeprop.dead_neurons.study as study
from spikeprop.cli.__main__ import main
from toy_data import toy_dataset

torch.set_num_threads(1)

PNGS = ("dead_fraction.png", "rate_hist.png", "voltage_hist.png", "acc_vs_dead.png")


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["dead-neurons", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "--quick" in text and "--stress-threshold" in text


def test_quick_study_end_to_end(tmp_path, capsys):
    out = tmp_path / "dn"
    assert main(["dead-neurons", "--quick", "--out", str(out), "--quiet", "--threads", "1"]) == 0
    text = capsys.readouterr().out
    rows = read_rows(out / "results.csv")
    methods = ["bptt-boxcar", "bptt", "sp-voltage", "sp-voltage-raw", "sp-surrogate", "sp-dendritic",
               "drtp-two-compartment"]
    settings = ("normal", "high-threshold", "negative-bias")
    assert [(r["setting"], r["method"]) for r in rows] == [(s, m) for s in settings for m in methods]
    assert all(r["status"] == "ok" for r in rows), [r["error"] for r in rows]
    for r in rows:
        for key in ("acc_start", "acc_end", "dead_L1_start", "dead_L1_end", "dead_L2_start", "dead_L2_end",
                    "near_dead_L1_end", "saturated_L1_end", "rate_L1_end", "recovery_epoch"):
            assert key in r
        assert 0.0 <= float(r["dead_L1_end"]) <= 1.0
    by = {(r["setting"], r["method"]): r for r in rows}
    # the stress settings start with more silent hidden neurons than the normal one
    for s in settings[1:]:
        assert float(by[s, "bptt"]["dead_L1_start"]) > float(by["normal", "bptt"]["dead_L1_start"])
    md = (out / "results.md").read_text()
    assert md.count("\n| ") >= 16 and "recovery (dead <= 50 %)" in md
    assert "| negative-bias | sp-voltage |" in md and md in text  # the table is printed too
    for name in PNGS:
        assert (out / name).stat().st_size > 5000, name
    hist = [json.loads(s) for s in (out / "high-threshold-sp-voltage-s0" / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in hist] == [0, 1, 2]  # epoch 0 = before training
    for h in hist:
        assert len(h["dead"]) == 2 and len(h["layers"][0]["v_hist"]) > 0 and "test_acc" in h
    rates = json.loads((out / "high-threshold-sp-voltage-s0" / "rates.json").read_text())
    assert len(rates["start"][0]) == 24 and len(rates["end"][1]) == 10
    meta = json.loads((out / "study.json").read_text())
    assert meta["spec"]["epochs"] == 2 and len(meta["runs"]) == len(methods) * len(settings)


@pytest.fixture
def toy_data(monkeypatch):
    """10-class toy recordings with 48 inputs instead of N-MNIST (fast)."""
    def fake_load(spec):
        return (toy_dataset(40, T=spec.T, n_inputs=48, n_classes=10, seed=0, p_on=0.5),
                toy_dataset(20, T=spec.T, n_inputs=48, n_classes=10, seed=1, p_on=0.5))
    monkeypatch.setattr(study, "load_data", fake_load)


def test_failed_run_is_reported_and_others_go_on(tmp_path, capsys, monkeypatch, toy_data):
    from spikeprop.rules.bptt import BPTTLearner

    real = BPTTLearner.__init__

    def flaky(self, net, signal, cfg):
        if cfg.method == "bptt" and net.cfg.surrogate != "heaviside":  # not the bp-heaviside variant
            raise RuntimeError("boom: simulated failure\nsecond line")
        real(self, net, signal, cfg)

    monkeypatch.setattr(BPTTLearner, "__init__", flaky)
    out = tmp_path / "dn"
    argv = ["dead-neurons", "--out", str(out), "--quiet", "--threads", "1", "--sizes", "48,16,10", "--T", "6",
            "--epochs", "1", "--methods", "bp-heaviside,bptt,sp-voltage,bptt-boxcar", "--settings", "normal,high-threshold", "--stress-threshold", "1e6", "--checkpoints"]
    assert main(argv) == 1  # some run failed
    text = capsys.readouterr().out
    failed_lines = [l for l in text.splitlines() if l.startswith(("normal-bptt-s0: FAILED", "high-threshold-bptt-s0: FAILED"))]
    assert len(failed_lines) == 2 and all("boom" in l for l in failed_lines)  # one line per failed run
    assert all("second line" not in l for l in text.splitlines())
    assert "failed runs: normal-bptt-s0, high-threshold-bptt-s0" in text
    rows = read_rows(out / "results.csv")
    assert [(r["method"], r["status"]) for r in rows] == [
        ("bp-heaviside", "ok"), ("bptt", "failed"), ("sp-voltage", "ok"), ("bptt-boxcar", "ok")] * 2
    assert "boom" in rows[1]["error"] and "Traceback" in (out / "normal-bptt-s0" / "traceback.txt").read_text()
    # a huge threshold: every layer 100 % dead at the start, and Heaviside BP cannot change that
    stress = {r["method"]: r for r in rows if r["setting"] == "high-threshold"}
    for m in ("bp-heaviside", "sp-voltage", "bptt-boxcar"):
        assert float(stress[m]["dead_L1_start"]) == 1.0 and float(stress[m]["dead_L2_start"]) == 1.0
    # the old control (study variant bp-heaviside: bptt with the zero gradient) still runs, and
    # neither it nor the boxcar (no gradient 1e6 below threshold) can revive a neuron
    assert float(stress["bp-heaviside"]["dead_L1_end"]) == 1.0 == float(stress["bptt-boxcar"]["dead_L1_end"])
    md = (out / "results.md").read_text()
    assert "FAILED: RuntimeError: boom" in md
    for name in PNGS:
        assert (out / name).exists(), name
    assert (out / "high-threshold-sp-voltage-s0" / "last.pt").exists()  # --checkpoints: for spikeprop evaluate


def test_raw_voltage_variant_trains_sp_voltage_without_the_floor():
    from spikeprop.config import TrainConfig
    from spikeprop.dead_neurons.spec import StudySpec

    spec = StudySpec()
    raw = TrainConfig.from_dict(spec.train_dict("sp-voltage-raw", 0))
    floored = TrainConfig.from_dict(spec.train_dict("sp-voltage", 0))
    assert raw.method == floored.method == "sp-voltage"
    assert raw.sp_v_floor is None and floored.sp_v_floor == 0.0
