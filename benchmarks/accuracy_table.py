"""Accuracy of every learning rule on the embedded N-MNIST subset, same network and seeds.

Runs ``spikeprop train`` (the very command users run) for each method and seed, trains
on the 1,000 training recordings, tests on the 100 test recordings, and reports the
final-epoch test accuracy as mean +- std over seeds; with ``--cv K`` also the K-fold
cross-validated accuracy over all 1,100 recordings. Finished runs are reused (their
folders hold metrics.jsonl), so an interrupted table resumes where it stopped.

    python benchmarks/accuracy_table.py                       # 6 methods x 3 seeds
    python benchmarks/accuracy_table.py --cv 5 --methods sp-surrogate bptt
    python benchmarks/accuracy_table.py --quick               # 1 seed, 2 epochs

Writes benchmarks/results/accuracy.json and benchmarks/results/accuracy.md
(``accuracy_TAG.*`` for another ``--tag``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
METHODS = ["sp-surrogate", "sp-voltage", "sp-two-compartment", "bptt", "bp-heaviside", "shallow"]


def command(method: str, seed: int | None, epochs: int, out: Path, extra: list[str]) -> list[str]:
    cmd = ["spikeprop", "train", "--method", method, "--epochs", str(epochs), "--out", str(out)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    return cmd + extra


def run(cmd: list[str], threads: int) -> tuple[int, float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "spikeprop.cli"] + cmd[1:] + ["--threads", str(threads), "--quiet"],
                          capture_output=True, text=True, env=env)
    tail = (proc.stderr.strip().splitlines() or [""])[-1]
    return proc.returncode, time.perf_counter() - start, tail


def final_record(out: Path, epochs: int) -> dict | None:
    f = out / "metrics.jsonl"
    if not f.exists():
        return None
    recs = [json.loads(s) for s in f.read_text().splitlines() if s.strip()]
    return recs[-1] if recs and recs[-1]["epoch"] >= epochs else None


def summarize(values: list[float]) -> dict:
    return {"mean": statistics.mean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--cv", type=int, default=0, help="also K-fold CV over all 1,100 samples (seed 0)")
    p.add_argument("--cv-methods", nargs="+", choices=METHODS, help="methods to cross-validate (default: all)")
    p.add_argument("--jobs", type=int, default=2, help="runs in parallel (one thread each)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="1 seed, 2 epochs")
    p.add_argument("--tag", default="default", help="sub-folder of benchmarks/results/accuracy_runs")
    p.add_argument("--merge", action="store_true",
                   help="replace only the rows of --methods in an existing table (same epochs and "
                        "seeds), keeping the others; each row records when it was measured")
    p.add_argument("--extra", default="", help="extra options for every `spikeprop train`, quoted")
    p.add_argument("--keep-checkpoints", action="store_true",
                   help="keep best.pt/last.pt of finished runs (default: delete, ~40 MB per run)")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = args.seeds[:1], 2
    extra = args.extra.split()
    base = RESULTS / "accuracy_runs" / args.tag
    jobs = [(m, s) for m in args.methods for s in args.seeds]
    cv_jobs = [m for m in (args.cv_methods or args.methods) if m in args.methods] if args.cv else []

    def do(job):
        m, s = job
        out = base / f"{m}-seed{s}"
        cmd = command(m, s, args.epochs, out, extra)
        rec = final_record(out, args.epochs)
        if rec is None:
            if out.exists():
                cmd += ["--resume"] if (out / "last.pt").exists() else []
            rc, secs, tail = run(cmd, args.threads)
            rec = final_record(out, args.epochs)
            if rec is None:
                print(f"FAILED {' '.join(cmd)}: {tail}", flush=True)
                return m, s, None, cmd
        print(f"{m:>19s} seed {s}: {100 * rec['test_acc']:5.1f} %  ({' '.join(cmd)})", flush=True)
        return m, s, rec, cmd

    def do_cv(m):
        out = base / f"{m}-cv{args.cv}"
        cmd = command(m, None, args.epochs, out, extra + ["--cv", str(args.cv)])
        f = out / "cv.json"
        if not f.exists():
            rc, secs, tail = run(cmd, args.threads)
            if not f.exists():
                print(f"FAILED {' '.join(cmd)}: {tail}", flush=True)
                return m, None, cmd
        res = json.loads(f.read_text())
        print(f"{m:>19s} {args.cv}-fold CV: {100 * res['mean']:5.1f} +- {100 * res['std']:.1f} %", flush=True)
        return m, res, cmd

    with ThreadPoolExecutor(args.jobs) as pool:
        runs = list(pool.map(do, jobs))
        cvs = list(pool.map(do_cv, cv_jobs))
    if not args.keep_checkpoints:  # finished runs are reused from metrics.jsonl alone
        for f in base.glob("**/*.pt"):
            f.unlink()
    table: dict = {}
    for m in args.methods:
        recs = [(s, r, c) for mm, s, r, c in runs if mm == m and r is not None]
        if not recs:
            continue
        accs = [r["test_acc"] for _, r, _ in recs]
        table[m] = {
            "test_acc": summarize(accs),
            "per_seed": {str(s): r["test_acc"] for s, r, _ in recs},
            "test_modes_seed_mean": {k: statistics.mean(r["test_modes"][k] for _, r, _ in recs)
                                     for k in recs[0][1].get("test_modes", {})},
            "dead_final_seed_mean": [statistics.mean(r["dead"][l] for _, r, _ in recs)
                                     for l in range(len(recs[0][1].get("dead", [])))],
            "rate_final_seed_mean": [statistics.mean(r["rate"][l] for _, r, _ in recs)
                                     for l in range(len(recs[0][1].get("rate", [])))],
            "train_s_per_epoch": statistics.mean(r["train_time_s"] for _, r, _ in recs),
            "commands": [" ".join(c) for _, _, c in recs],
        }
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    for m, res, cmd in cvs:
        if res is not None and m in table:
            table[m]["cv"] = {"k": res["k"], "mean": res["mean"], "std": res["std"],
                              "folds": res["fold_acc"], "command": " ".join(cmd)}
    for r in table.values():
        r["measured"] = now
    meta = {"when": now, "epochs": args.epochs, "seeds": args.seeds,
            "extra": args.extra, "threads_per_run": args.threads,
            "data": "embedded N-MNIST subset: train 1,000 / test 100 (CV: all 1,100)"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "accuracy" if args.tag == "default" else f"accuracy_{args.tag}"
    if args.merge and (RESULTS / f"{name}.json").exists():
        old = json.loads((RESULTS / f"{name}.json").read_text())
        om = old.get("meta", {})
        if (om.get("epochs"), om.get("seeds"), om.get("extra", "")) != (args.epochs, args.seeds, args.extra):
            raise SystemExit(f"--merge: {name}.json was measured with epochs={om.get('epochs')}, "
                             f"seeds={om.get('seeds')}, extra={om.get('extra')!r}; rerun with the same settings")
        merged = {}
        for m, r in old.get("methods", {}).items():
            merged[m] = table.get(m, dict(r, measured=r.get("measured", om.get("when", "?"))))
        merged.update({m: r for m, r in table.items() if m not in merged})
        table = merged
        args.cv = args.cv or next((r["cv"]["k"] for r in table.values() if "cv" in r), 0)
    # commands are recorded relative to the checkout (no machine paths in results)
    text = json.dumps({"meta": meta, "methods": table}, indent=2).replace(str(ROOT) + "/", "")
    (RESULTS / f"{name}.json").write_text(text + "\n")
    lines = [f"| method | test acc. (mean +- std, {len(args.seeds)} seeds) | min-max |"
             + (f" {args.cv}-fold CV |" if args.cv else "") + " dead hidden (final) | s/epoch (1 thread, shared CPU) |",
             "|---|---|---|" + ("---|" if args.cv else "") + "---|---|"]
    for m, r in table.items():
        a = r["test_acc"]
        cv = r.get("cv")
        cv_cell = (f" {100 * cv['mean']:.1f} +- {100 * cv['std']:.1f} |" if cv else " - |") if args.cv else ""
        dead = r["dead_final_seed_mean"][0] if r["dead_final_seed_mean"] else float("nan")
        lines.append(f"| {m} | {100 * a['mean']:.1f} +- {100 * a['std']:.1f} | {100 * a['min']:.0f}-{100 * a['max']:.0f} |"
                     f"{cv_cell} {100 * dead:.0f} % | {r['train_s_per_epoch']:.0f} |")
    md = "\n".join(lines) + "\n\nCommand per cell: `spikeprop train --method METHOD --seed SEED --epochs " \
        f"{args.epochs}{(' ' + args.extra) if args.extra else ''}`" + (f"; CV: `... --cv {args.cv}`" if args.cv else "") + "\n"
    (RESULTS / f"{name}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
