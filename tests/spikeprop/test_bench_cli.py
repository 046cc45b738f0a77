"""``./run bench`` (benchmarks/run_all.py) --help, and the Performance-section generator on
synthetic results (fast). The benchmarks live outside the spikeprop package."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spikeprop.cli.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def test_bench_help():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run_all", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for word in ("./run bench", "--quick", "--only", "--out", "source checkout", "snntorch", "Lava",
                 "performance.md"):
        assert word in proc.stdout, word


def test_run_script_lists_bench():
    text = subprocess.run(["bash", str(ROOT / "run"), "--help"], capture_output=True, text=True).stdout
    assert "bench [ARGS]" in text and "benchmarks.run_all" in text


def test_bench_is_not_a_spikeprop_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "bench" not in capsys.readouterr().out.split("Benchmarks run")[0]
    with pytest.raises(SystemExit) as info:
        main(["bench"])
    assert info.value.code == 2 and "invalid choice: 'bench'" in capsys.readouterr().err


def _run(method, net, T, sps, rss):
    K = 10 if method.startswith("sp-") else None
    return {"method": method, "K": K, "network": net, "T": T, "samples_per_s": sps,
            "samples_per_s_best_batch": 1.5 * sps, "peak_rss_mb": rss, "samples": 1000,
            "input_density": 0.017, "batch": 128, "threads": 2}


def test_report_from_synthetic_json(tmp_path):
    from benchmarks.plots import make_plots
    from benchmarks.report import write_report
    from benchmarks.bench_training import summarize

    net = "2312-800-10"
    runs = [_run("snntorch", net, 25, 200.0, 500.0), _run("snntorch", net, 100, 50.0, 1000.0),
            _run("snntorch", net, 300, 16.0, 2500.0),
            _run("sp-surrogate", net, 25, 800.0, 400.0), _run("sp-surrogate", net, 100, 200.0, 410.0),
            _run("sp-surrogate", net, 300, 70.0, 420.0),
            _run("bptt", net, 100, 100.0, 800.0),
            {"method": "sp-voltage", "K": 10, "network": net, "T": 300, "error": "boom"}]
    summary = summarize(runs)
    goal = summary["goal_sp_5x_snntorch_epoch_T100"]
    assert goal["ratios"]["sp-surrogate K=10"] == pytest.approx(4.0)
    assert not goal["met_at_default_K"]  # 4x is below the 5x goal
    assert summary["goal_sp_rss_flat"]["growth"]["sp-surrogate K=10 2312-800-10"] == pytest.approx(0.05)
    meta = {"cpu": "Test CPU", "cpus": 2, "versions": {"python": "3.11", "torch": "2.x"}, "date": "today",
            "load_avg": [0.5, 0.5, 0.5]}
    (tmp_path / "bench_training.json").write_text(json.dumps(
        {"meta": {**meta, "batch": 128, "threads": 2}, "runs": runs, "summary": summary}))
    lava = {"build_s": 0.3, "compile_s": 0.4, "runtime_start_s": 0.9, "run_s": 27.0, "readback_s": 0.0,
            "steps": 6003, "per_step_ms": 4.5, "per_sample_ms": 1350.0, "per_sample_total_ms": 1450.0,
            "spikes_identical_to_fallback": True}
    (tmp_path / "bench_deploy.json").write_text(json.dumps({
        "meta": meta, "network": "2312-512-512-10", "T": 300, "n_samples": 20, "input_spikes_per_sample": 3914,
        "torch": {"float32_per_sample_ms": 480.0},
        "fallback_float": {"prepare_s": 0.01, "per_sample_ms": 9.0},
        "fallback_fixed": {"prepare_s": 0.03, "per_sample_ms": 5.4},
        "lava_float": lava, "lava_fixed": lava,
        "speedup_vs_lava": {"fallback_fixed_vs_lava_fixed": 250.0, "fallback_float_vs_lava_float": 150.0,
                            "torch_float32_vs_lava_float": 2.8, "fallback_fixed_vs_lava_fixed_incl_compile": 200.0},
        "goal_fallback_100x_lava_identical": {"speedup_fixed": 250.0, "identical_fixed": True, "met": True}}))
    md = write_report(tmp_path, command="./run bench --only training,deploy")
    assert (tmp_path / "performance.md").read_text() == md
    assert md.startswith("## Performance")
    assert "./run bench --only training,deploy" in md
    assert "800 (4.0x); 1200" in md  # per epoch (ratio to snntorch); best batch
    assert "200 (4.0x / 2.0x); 300" in md  # ... and to this project's BPTT where it ran
    assert "+5 %" in md and "+400 %" in md  # RSS growth T=25 -> T=300: SP flat, BPTT grows
    assert "**250x**" in md and "Test CPU" in md and "compile 0.40 s" in md
    assert md.count("**met**") == 2 and md.count("**missed**") == 2  # RSS and fallback met; 5x and 10x missed
    assert "SP-voltage, K=10 2312-800-10 T=300 (boom)" in md
    pngs = make_plots(tmp_path)
    assert {p.name for p in pngs} == {"training_speed.png", "training_memory.png", "deploy_time.png"}


def test_merge_keeps_the_median_round():
    from benchmarks.run_all import merge_runs

    old = [_run("snntorch", "2312-800-10", 100, 50.0, 900.0), _run("sp-voltage", "2312-800-10", 100, 100.0, 500.0)]
    new = [_run("sp-voltage", "2312-800-10", 100, 180.0, 505.0),
           {"method": "snntorch", "K": None, "network": "2312-800-10", "T": 100, "error": "killed"}]
    merged = {r["method"]: r for r in merge_runs(old, new)}
    assert merged["sp-voltage"]["samples_per_s"] == 100.0 and merged["sp-voltage"]["rounds"] == 2  # lower middle
    assert merged["sp-voltage"]["samples_per_s_rounds"] == [100.0, 180.0]
    assert merged["snntorch"]["samples_per_s"] == 50.0  # a failed re-run never replaces a measurement
    third = merge_runs(list(merged.values()), [_run("sp-voltage", "2312-800-10", 100, 150.0, 501.0)])
    again = {r["method"]: r for r in third}["sp-voltage"]
    assert again["samples_per_s"] == 150.0 and again["samples_per_s_rounds"] == [100.0, 180.0, 150.0]


def test_readme_section_is_replaced_between_markers_only(tmp_path):
    from benchmarks.report import END, START, update_readme

    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nintro\n\n{START}\nold numbers\n{END}\n\n## After\nkept\n")
    assert update_readme("## Performance\n\nnew numbers\n", readme)
    text = readme.read_text()
    assert "old numbers" not in text and "new numbers" in text
    assert text.startswith("# Title\n\nintro\n\n") and text.endswith(f"{END}\n\n## After\nkept\n")
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n")
    assert not update_readme("x", plain) and plain.read_text() == "no markers\n"


def test_goal_is_not_met_by_rounding_and_lists_the_rounds():
    from benchmarks.bench_training import summarize

    net = "2312-800-10"
    ref = {**_run("snntorch", net, 100, 100.0, 900.0), "samples_per_s_rounds": [100.0, 80.0, 120.0]}
    sp = {**_run("sp-surrogate", net, 100, 499.6, 500.0), "samples_per_s_rounds": [499.6, 480.0, 490.0]}
    goal = summarize([ref, sp])["goal_sp_5x_snntorch_epoch_T100"]
    assert goal["ratios"]["sp-surrogate K=10"] == pytest.approx(4.996)
    assert not goal["met_at_default_K"]  # 4.996x rounds to 5.00 but is below 5x
    assert goal["round_ratios"]["sp-surrogate K=10"] == pytest.approx([4.996, 6.0, 490 / 120])
