"""All benchmarks side by side in one run: what ``./run bench`` runs (from a source checkout).

Parts (``--only`` picks some):

- ``training``: whole-epoch training samples/s (and the fastest batch beside it) and peak RSS of
  SP-voltage and SP-surrogate (K=10 and K=1), two-compartment SP, this project's BPTT and a
  plain snntorch BPTT loop (as its tutorials write it), for T in {25, 100, 300}, networks
  2312-800-10 and 2312-512-512-10, batch 128, 2 threads; each configuration in its own
  process (``benchmarks/bench_training.py`` says exactly what is timed). -> ``bench_training.json``
- ``deploy``: time per sample of torch inference, the numpy fallback (float, fixed) and Lava
  (float, fixed) on 2312-512-512-10, T=300, 20 N-MNIST test samples; Lava's build/compile
  time apart; identical spikes checked layer by layer. -> ``bench_deploy.json``
- ``accuracy``: the embedded-subset accuracy table (``benchmarks/accuracy_table.py``); reused
  when ``accuracy.json`` already exists (``--rerun-accuracy`` to redo it). -> ``accuracy.json``
- ``learning``: on-chip-style learning, fallback vs Lava (``benchmarks/bench_learning.py``).

Then PNG plots (``benchmarks/plots.py``) and the README Performance section
(``benchmarks/report.py`` -> ``performance.md``).

    ./run bench --quick                          # a few minutes, -> benchmarks/results/quick
    ./run bench --only training,deploy           # the full speed/memory figures
    ./run bench --only deploy --no-lava
    python -m benchmarks.run_all --help          # the same, in an installed environment
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import bench_training as training
from spikeprop.openmp import bounded_spin

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PARTS = ("training", "deploy", "accuracy", "learning")
OUTPUTS = """\
output (in --out): bench_training.json, bench_deploy.json, accuracy.json, learning.json
(machine, versions, date, load, every figure, ratios to snntorch BPTT and to Lava),
training_speed.png, training_memory.png, deploy_time.png and performance.md (the README's
Performance section)."""


# ------------------------------------------------------------------ environment
def machine_info() -> dict:
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("torch", "snntorch", "numpy", "lava-nc", "lava-dl"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or None
    except OSError:
        commit = None
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem_gb = None
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory_gb": mem_gb, "os": platform.platform(),
            "versions": versions, "git_commit": commit, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "load_avg": list(os.getloadavg())}


def wait_for_load(threshold: float, max_wait_s: float, poll_s: float = 30.0) -> dict:
    """Wait until the 1-minute load average is below ``threshold`` (at most ``max_wait_s``)."""
    start = time.time()
    samples = []
    while True:
        load = os.getloadavg()[0]
        samples.append(round(load, 2))
        if load < threshold:
            return {"threshold": threshold, "reached": True, "waited_s": time.time() - start, "load_1min": load}
        if time.time() - start + poll_s > max_wait_s:
            return {"threshold": threshold, "reached": False, "waited_s": time.time() - start, "load_1min": load,
                    "samples": samples}
        print(f"load average {load:.2f} >= {threshold}: waiting ({time.time() - start:.0f} s so far)", flush=True)
        time.sleep(poll_s)


def _env() -> dict:
    env = bounded_spin(dict(os.environ))  # the OpenMP waiting ``spikeprop`` commands get
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _child(flag: str, spec: dict, timeout: float | None = None) -> dict:
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), flag, json.dumps(spec)],
                              capture_output=True, text=True, env=_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**spec, "error": f"timed out after {timeout} s"}
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()
        return {**spec, "error": tail[-1] if tail else f"exit code {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ deploy (child side)
def deploy_child(spec: dict) -> dict:
    import numpy as np
    import torch

    from benchmarks.bench_deploy import bench_model, timed, torch_time
    from benchmarks.nmnist_subset import load_split
    from export.fallback import prepare, simulate
    from export.from_torch import from_torch
    from export.lava import lava_available
    from export.quantize import quantize

    torch.set_num_threads(spec["threads"])
    T, n, reps = spec["T"], spec["n_samples"], spec["repeats"]
    x = load_split("test", T)[0][:, :n]
    sizes = [int(s) for s in spec["network"].split("-")]
    model = bench_model(sizes, spec["gain"], spec["seed"])
    net_float = from_torch(model)
    net_fixed, _ = quantize(net_float)
    res: dict = {"network": spec["network"], "T": T, "n_samples": n, "threads": spec["threads"],
                 "input_spikes_per_sample": float(x.sum() / n), "repeats": reps}
    res["torch"] = {"float32_per_sample_ms": 1e3 * torch_time(model, x.astype(np.float32), torch.float32, reps) / n}
    fb = {}
    for prec, net in (("float", net_float), ("fixed", net_fixed)):
        prep_t, prepared = timed(lambda: prepare(net), 1)
        t, out = timed(lambda: simulate(prepared, x), reps)
        fb[prec] = out
        res[f"fallback_{prec}"] = {"prepare_s": prep_t, "per_sample_ms": 1e3 * t / n,
                                   "spikes_per_sample": [float(l["s"].sum() / n) for l in out.layers]}
    if spec.get("no_lava") or not lava_available():
        res["lava_note"] = "Lava not run (" + ("--no-lava" if spec.get("no_lava") else "lava-nc not installed") + ")"
        return res
    from export.lava.build import run_lava

    for prec, net in (("float", net_float), ("fixed", net_fixed)):
        t0 = time.perf_counter()
        lv = run_lava(net, x, layer_spikes=True)
        wall = time.perf_counter() - t0
        tm = lv.timing
        res[f"lava_{prec}"] = {
            "build_s": tm["build_s"], "compile_s": tm["compile_s"], "runtime_start_s": tm["runtime_start_s"],
            "run_s": tm["run_s"], "readback_s": tm["readback_s"], "steps": int(tm["steps"]),
            "per_step_ms": 1e3 * tm["per_step_s"], "per_sample_ms": 1e3 * tm["run_s"] / n,
            "per_sample_total_ms": 1e3 * wall / n, "wall_s": wall,
        }
        same = [bool(np.array_equal(a["s"], b["s"])) for a, b in zip(lv.layers, fb[prec].layers)]
        res[f"lava_{prec}"]["spikes_identical_to_fallback"] = all(same)
        res[f"lava_{prec}"]["spikes_identical_per_layer"] = same
        if not all(same):
            res[f"lava_{prec}"]["spike_mismatch_fraction"] = [
                float((a["s"] != b["s"]).mean()) for a, b in zip(lv.layers, fb[prec].layers)]
    ratios = {}
    for prec in ("float", "fixed"):
        lv = res[f"lava_{prec}"]["per_sample_ms"]
        ratios[f"fallback_{prec}_vs_lava_{prec}"] = lv / res[f"fallback_{prec}"]["per_sample_ms"]
        ratios[f"torch_float32_vs_lava_{prec}"] = lv / res["torch"]["float32_per_sample_ms"]
        ratios[f"fallback_{prec}_vs_lava_{prec}_incl_compile"] = res[f"lava_{prec}"]["per_sample_total_ms"] / (
            res[f"fallback_{prec}"]["per_sample_ms"] + 1e3 * res[f"fallback_{prec}"]["prepare_s"] / n)
    res["speedup_vs_lava"] = ratios
    res["goal_fallback_100x_lava_identical"] = {
        "speedup_fixed": ratios["fallback_fixed_vs_lava_fixed"],
        "identical_fixed": res["lava_fixed"]["spikes_identical_to_fallback"],
        "met": ratios["fallback_fixed_vs_lava_fixed"] >= 100 and res["lava_fixed"]["spikes_identical_to_fallback"]}
    return res


# ------------------------------------------------------------------ parent side
def _progress(items, desc):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency of the package; plain loop if it is missing
        return items
    return tqdm(items, desc=desc, unit="config", dynamic_ncols=True)


def _split(text: str | None, conv=str) -> list | None:
    return [conv(v.strip()) for v in text.split(",") if v.strip()] if text else None


def merge_runs(old: list[dict], new: list[dict]) -> list[dict]:
    """Combine rounds per configuration: keep the round with the median whole-epoch speed
    (the lower middle one of an even count), list every round's speed. The median, not the
    fastest: on a shared machine one lucky round of one configuration would otherwise set a
    ratio; a failed round never replaces a measurement."""
    rounds: dict[tuple, list[dict]] = {}
    for r in old + new:
        k = training.key(r)
        prev = rounds.get(k, [])
        if "error" in r:
            rounds[k] = prev or [r]
            continue
        rounds[k] = [p for p in prev if "error" not in p] + [r]
    merged = {}
    for k, rs in rounds.items():
        if "error" in rs[0]:
            merged[k] = rs[0]
            continue
        # an earlier merge kept one record per configuration and listed every round's speed in it
        speeds = [v for r in rs for v in r.get("samples_per_s_rounds", [r["samples_per_s"]])]
        median = sorted(speeds)[(len(speeds) - 1) // 2]
        keep = min(rs, key=lambda r: (abs(r["samples_per_s"] - median), r["samples_per_s"]))
        merged[k] = {**keep, "samples_per_s_rounds": speeds, "rounds": len(speeds)}
    order = {training.key(s): i for i, s in enumerate(training.plan(False, 0, 0, None))}
    return sorted(merged.values(), key=lambda r: order.get(training.key({**r, "threads": 0}), 10**6))


def run_training(args, out: Path, meta: dict) -> dict:
    """Every configuration of ``benchmarks.bench_training`` in its own process, in turn."""
    plan = training.plan(args.quick, args.threads, args.batch, args.data, _split(args.T, int),
                         _split(args.networks), _split(args.methods), args.samples)
    runs = []
    bar = _progress([{**spec, "round": i + 1} for i in range(args.rounds) for spec in plan], "training")
    for spec in bar:
        name = f"{training.label(spec['method'], spec['K']):>18s} {spec['network']:>16s} T={spec['T']:<4d}"
        if hasattr(bar, "set_postfix_str"):
            bar.set_postfix_str(name.strip())
        r = _child("--training-child", {**spec, "load_avg_1min_start": os.getloadavg()[0]}, timeout=3600)
        runs.append(r)
        msg = (f"FAILED: {r['error']}" if "error" in r else
               f"{r['samples_per_s']:8.1f} samples/s per epoch ({r['samples_per_s_best_batch']:7.1f} best batch)"
               f"  peak RSS {r['peak_rss_mb']:6.0f} MB")
        (bar.write if hasattr(bar, "write") else print)(f"{name} {msg}")
    res = {"meta": {**meta, "part": "training", "quick": args.quick, "batch": args.batch, "threads": args.threads,
                    "speed_statistic": "whole epoch: training samples / training time of one epoch "
                                       "(after one untimed warm-up batch); fastest batch of that epoch beside it",
                    "memory_statistic": "ru_maxrss of the configuration's own process (data included)",
                    "reference": "snntorch (plain snntorch BPTT loop, benchmarks/snntorch_reference.py)"},
           "runs": runs}
    if args.rounds > 1:  # every configuration once per round, rounds one after the other
        runs = merge_runs([], runs)
        res["runs"] = runs
        res["meta"]["speed_statistic"] += f"; median round of {args.rounds}, the configurations interleaved"
    prev_file = out / "bench_training.json"
    if args.merge and prev_file.exists():
        prev = json.loads(prev_file.read_text())
        res["runs"] = runs = merge_runs(prev.get("runs", []), runs)
        res["meta"]["merged_rounds"] = prev.get("meta", {}).get("merged_rounds", []) + [
            {"date": meta["date"], "load_avg": meta["load_avg"]}]
    res["summary"] = training.summarize(runs)
    res["meta"]["load_avg_end"] = list(os.getloadavg())
    (out / "bench_training.json").write_text(json.dumps(res, indent=2) + "\n")
    return res


def run_deploy(args, out: Path, meta: dict) -> dict:
    spec = {"network": "2312-512-512-10", "T": 100 if args.quick else 300, "n_samples": 5 if args.quick else 20,
            "repeats": 2 if args.quick else 3, "threads": args.threads, "gain": 3.0, "seed": 0,
            "no_lava": args.no_lava}
    for _ in _progress([spec], "deploy"):
        r = _child("--deploy-child", spec, timeout=3600)
    res = {"meta": {**meta, "part": "deploy", "quick": args.quick,
                    "model": "seeded random LIF weights (init gain 3.0, active network), quantised for fixed point",
                    "load_avg_end": list(os.getloadavg())}, **r}
    (out / "bench_deploy.json").write_text(json.dumps(res, indent=2) + "\n")
    if "error" in r:
        print(f"deploy FAILED: {r['error']}")
    return res


def run_script(cmd: list[str]) -> int:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run([sys.executable] + cmd, env=_env(), cwd=ROOT).returncode


def run_accuracy(args, out: Path) -> None:
    name = "accuracy_quick.json" if args.quick else "accuracy.json"
    if (RESULTS / name).exists() and not args.rerun_accuracy:
        print(f"accuracy: reusing {RESULTS / name} (--rerun-accuracy to redo it)")
    else:
        cmd = [str(ROOT / "benchmarks" / "accuracy_table.py")] + (["--quick", "--tag", "quick"] if args.quick else [])
        if run_script(cmd) != 0:
            print("accuracy table FAILED")
            return
    for suffix in (".json", ".md"):
        src = RESULTS / name.replace(".json", suffix)
        dst = out / ("accuracy" + suffix)
        if src.exists() and src.resolve() != dst.resolve():
            shutil.copyfile(src, dst)


def run_learning(args, out: Path) -> None:
    cmd = [str(ROOT / "benchmarks" / "bench_learning.py"), "--out", str(out / "learning.json")]
    if args.quick:
        cmd += ["--samples", "1", "--T", "30"]
    if run_script(cmd) != 0:
        print("learning benchmark FAILED")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true",
                   help="short version: training T=100, 2312-800-10 only, 256-sample epochs; deploy T=100, "
                        "5 samples; quick accuracy table; writes to benchmarks/results/quick unless --out is given")
    p.add_argument("--only", default=",".join(PARTS), metavar="PARTS",
                   help=f"comma-separated subset of {','.join(PARTS)} (default: all)")
    p.add_argument("--out", default=None, help="results folder (default: benchmarks/results)")
    p.add_argument("--threads", type=int, default=2, help="torch threads per configuration (default: 2)")
    p.add_argument("--batch", type=int, default=128, help="training batch size (default: 128)")
    p.add_argument("--data", default=None, help="N-MNIST folder (default: the embedded subset)")
    p.add_argument("--no-lava", action="store_true", help="skip the Lava runs of the deploy part")
    p.add_argument("--rerun-accuracy", action="store_true",
                   help="rerun the accuracy table even if accuracy.json exists (it takes ~20 min)")
    p.add_argument("--wait-load", type=float, default=0.0, metavar="LOAD",
                   help="before measuring, wait until the 1-minute load average is below LOAD "
                        "(polled every 30 s, at most --max-wait s; the load is recorded either way)")
    p.add_argument("--max-wait", type=float, default=1500.0, metavar="SECONDS")
    p.add_argument("--T", default=None, metavar="LIST", help="training: time steps (default 25,100,300)")
    p.add_argument("--networks", default=None, metavar="LIST",
                   help=f"training: networks (default {','.join(training.NETWORKS)})")
    p.add_argument("--methods", default=None, metavar="LIST",
                   help=f"training: methods (default {','.join(dict.fromkeys(m for m, _ in training.CONFIGS))})")
    p.add_argument("--samples", type=int, default=None,
                   help="training: recordings per measured epoch (default 1000, the embedded training split; quick 256)")
    p.add_argument("--rounds", type=int, default=1, metavar="N",
                   help="training: measure every configuration N times, round after round (the "
                        "configurations interleaved), and keep each one's median round (default 1)")
    p.add_argument("--merge", action="store_true",
                   help="training: merge into an existing bench_training.json as further rounds, keeping "
                        "each configuration's median round (re-measure a group without the whole grid)")
    p.add_argument("--no-plots", action="store_true")


def run(args: argparse.Namespace) -> int:
    parts = [s.strip() for s in args.only.split(",") if s.strip()]
    bad = [s for s in parts if s not in PARTS]
    if bad:
        raise SystemExit(f"--only: unknown part(s) {', '.join(bad)}; choose from {', '.join(PARTS)}")
    out = Path(args.out) if args.out else (RESULTS / "quick" if args.quick else RESULTS)
    out.mkdir(parents=True, exist_ok=True)
    meta = machine_info()
    if args.wait_load > 0 and any(p in parts for p in ("training", "deploy")):
        meta["load_wait"] = wait_for_load(args.wait_load, args.max_wait)
        meta["load_avg"] = list(os.getloadavg())
        if not meta["load_wait"]["reached"]:
            print(f"load average still {meta['load_wait']['load_1min']:.2f} after {args.max_wait:.0f} s: "
                  "measuring anyway (recorded in the JSON)")
    t0 = time.time()
    if "training" in parts:
        run_training(args, out, meta)
    if "deploy" in parts:
        run_deploy(args, out, meta)
    if "accuracy" in parts:
        run_accuracy(args, out)
    elif not (out / "accuracy.json").exists() and (RESULTS / "accuracy.json").exists() and not args.quick:
        shutil.copyfile(RESULTS / "accuracy.json", out / "accuracy.json")
    if "learning" in parts:
        run_learning(args, out)
    from benchmarks import plots, report

    if not args.no_plots:
        for f in plots.make_plots(out):
            print(f"plot: {f}")
    md = report.write_report(out, command=reproduce_command(args, parts))
    print(md)
    print(f"wrote {out / 'performance.md'} ({time.time() - t0:.0f} s)")
    return 0


def reproduce_command(args, parts: list[str]) -> str:
    cmd = "./run bench"
    if args.quick:
        cmd += " --quick"
    if set(parts) != set(PARTS):
        cmd += " --only " + ",".join(parts)
    return cmd


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] in ("--training-child", "--deploy-child"):
        sys.path.insert(0, str(ROOT))
        fn = training.child if argv[0] == "--training-child" else deploy_child
        print(json.dumps(fn(json.loads(argv[1]))))
        return 0
    p = argparse.ArgumentParser(prog="./run bench", description=__doc__, epilog=OUTPUTS,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
