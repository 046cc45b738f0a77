"""Accuracy of every learning rule at 1, 2 and 3 hidden layers on the embedded N-MNIST subset.

Each cell (depth x method) is ``spikeprop train`` -- the very command users run -- once per
seed: 900 training recordings, 100 held out for validation (``--val-fraction 0.1``), scored
on the 100 test recordings. Two test accuracies per run: the validation-selected checkpoint
(best.pt, the figure to quote) and the final epoch. With ``--cv K`` also ``spikeprop train
--cv K`` (K folds over the 1,000 training recordings, validation inside each fold's training
part). Finished runs are reused (their folders hold metrics.jsonl / cv.json), so an
interrupted table resumes where it stopped, and ``--collect`` tabulates what exists without
training anything.

    python benchmarks/accuracy_table.py                                  # everything (hours)
    python benchmarks/accuracy_table.py --seeds 0 --cv 0                 # 1 seed per cell
    python benchmarks/accuracy_table.py --methods sp-voltage --depths 2312,512,512,10 --merge
    python benchmarks/accuracy_table.py --collect                        # table of what exists

Writes benchmarks/results/accuracy.json and accuracy.md (``accuracy_TAG.*`` for another
``--tag``); runs live in benchmarks/results/accuracy_runs/TAG/DEPTH/METHOD-seedS (-cvK).
The markdown states a difference between two methods only where it exceeds the spread
between seeds (see ``compare``); cells not measured are listed as missing.
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
METHODS = ["sp-surrogate", "sp-voltage", "bptt", "shallow", "drtp-two-compartment", "sp-dendritic"]
DEPTHS = ["2312,800,10", "2312,512,512,10", "2312,400,400,400,10"]


def label(depth: str) -> str:
    return depth.replace(",", "-")


def command(method: str, depth: str, seed: int | None, epochs: int, out: Path, extra: list[str],
            cv: int = 0) -> list[str]:
    cmd = ["spikeprop", "train", "--method", method, "--sizes", depth, "--epochs", str(epochs)]
    cmd += ["--seed", str(seed)] if seed is not None else ["--cv", str(cv)]
    return cmd + ["--out", str(out)] + extra


def run(cmd: list[str], threads: int) -> tuple[int, float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "spikeprop.cli"] + cmd[1:] + ["--threads", str(threads), "--quiet"],
                          capture_output=True, text=True, env=env)
    tail = (proc.stderr.strip().splitlines() or [""])[-1]
    return proc.returncode, time.perf_counter() - start, tail


def run_record(out: Path, epochs: int) -> dict | None:
    """Selected (first epoch with the best validation accuracy, as best.pt) and final-epoch
    figures of a finished run, or None if it has not reached ``epochs``."""
    f = out / "metrics.jsonl"
    if not f.exists():
        return None
    recs = [json.loads(s) for s in f.read_text().splitlines() if s.strip()]
    if not recs or recs[-1]["epoch"] < epochs:
        return None
    recs = recs[:epochs]
    best = max(recs, key=lambda r: (r.get("val_acc", -1.0), -r["epoch"]))
    last = recs[-1]
    return {"selected": best["test_acc"], "final": last["test_acc"], "epoch_selected": best["epoch"],
            "val_acc": best.get("val_acc"), "nearest_selected": best.get("test_modes", {}).get("nearest"),
            "train_rate_final": last.get("train_rate"),
            "s_per_epoch": statistics.mean(r["train_time_s"] for r in recs)}


def drop_checkpoints(base: Path, epochs: int) -> None:
    """Delete best.pt/last.pt of finished runs (reused from metrics.jsonl / cv.json alone);
    unfinished runs keep theirs so they can resume."""
    for f in base.glob("**/*.pt"):
        run_dir = f.parent.parent if f.parent.name.startswith("fold") else f.parent
        if (run_dir / "cv.json").exists() or run_record(run_dir, epochs) is not None:
            f.unlink()


def summarize(values: list[float]) -> dict:
    return {"mean": statistics.mean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}


def measure(args, base: Path, extra: list[str]) -> dict:
    """Run (or reuse) every requested run; returns {depth: {method: cell}}."""
    jobs = [(d, m, s) for d in args.depths for m in args.methods for s in args.seeds]
    jobs += [(d, m, None) for d in args.depths for m in args.methods if args.cv]
    counter = {"done": 0}

    def do(job):
        d, m, s = job
        out = base / label(d) / (f"{m}-seed{s}" if s is not None else f"{m}-cv{args.cv}")
        cmd = command(m, d, s, args.epochs, out, extra, args.cv)
        rec = run_record(out, args.epochs) if s is not None else _cv_record(out)
        if rec is None and not args.collect:
            if s is not None and (out / "last.pt").exists():
                cmd += ["--resume"]
            print(f"start {label(d)} {m} {'seed ' + str(s) if s is not None else f'{args.cv}-fold CV'}", flush=True)
            rc, secs, tail = run(cmd, args.threads)
            rec = run_record(out, args.epochs) if s is not None else _cv_record(out)
            if rec is None:
                print(f"FAILED ({secs:.0f} s) {' '.join(cmd)}: {tail}", flush=True)
        counter["done"] += 1
        if rec is not None:
            print(f"[{counter['done']}/{len(jobs)}] {label(d)} {m:>20s} "
                  f"{'seed ' + str(s) if s is not None else 'CV':>7s}: selected {100 * rec['selected']:5.1f} %, "
                  f"final {100 * rec['final']:5.1f} %", flush=True)
        return d, m, s, rec, " ".join(cmd)

    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(do, jobs))
    cells: dict = {}
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    for d, m, s, rec, cmd in done:
        if rec is None:
            continue
        cell = cells.setdefault(label(d), {}).setdefault(m, {"seeds": {}, "measured": now})
        if s is None:
            cell["cv"] = dict(rec, command=cmd)
        else:
            cell["seeds"][str(s)] = dict(rec, command=cmd)
    return cells


def _cv_record(out: Path) -> dict | None:
    f = out / "cv.json"
    if not f.exists():
        return None
    res = json.loads(f.read_text())
    return {"selected": res["mean"], "final": res["mean_final"], "selected_std": res["std"],
            "final_std": res["std_final"], "folds": res["fold_acc"], "folds_final": res["fold_acc_final"], "k": res["k"]}


def finish(cell: dict) -> dict:
    """Seed summaries of a cell (selected and final test accuracy)."""
    runs = list(cell["seeds"].values())
    if runs:
        cell["selected"] = summarize([r["selected"] for r in runs])
        cell["final"] = summarize([r["final"] for r in runs])
        cell["s_per_epoch"] = statistics.mean(r["s_per_epoch"] for r in runs)
    return cell


def mean_val(cell: dict) -> str:
    """Mean validation accuracy of the selected epochs over a cell's seeds (the number the
    checkpoint was chosen on), or "-" when no run recorded one."""
    vals = [r["val_acc"] for r in cell["seeds"].values() if r.get("val_acc") is not None]
    return f"{100 * statistics.mean(vals):.1f}" if vals else "-"


def compare(a: dict, b: dict) -> str | None:
    """'a - b = +x points' only when both have >= 2 seeds and |mean difference| exceeds the
    larger of the two seed standard deviations (the spread between seeds); else None."""
    sa, sb = a.get("selected"), b.get("selected")
    if not sa or not sb or sa["n"] < 2 or sb["n"] < 2:
        return None
    diff = sa["mean"] - sb["mean"]
    spread = max(sa["std"], sb["std"])
    return f"{100 * diff:+.1f} points (spread {100 * spread:.1f})" if abs(diff) > spread else None


def neuron_name(extra: str) -> str:
    """The hidden neuron model named in a table's header: LIF unless ``--neuron`` says otherwise
    (the two-compartment methods always run two-compartment neurons, whatever the option)."""
    words = extra.split()
    neuron = words[words.index("--neuron") + 1] if "--neuron" in words[:-1] else "lif"
    return {"lif": "LIF", "cuba_lif": "CubaLIF (two-compartment methods: two-compartment neurons)"}.get(neuron, neuron)


def markdown(table: dict, meta: dict) -> str:
    lines = [f"Embedded N-MNIST subset, {neuron_name(meta.get('extra', ''))}, T=30 over 300 ms, batch 32, {meta['epochs']} epochs; "
             "900 train / 100 validation (held out of the training recordings) / 100 test. "
             "*selected* = test accuracy of best.pt (the epoch with the best validation accuracy); "
             "*final* = test accuracy after the last epoch; mean +- std over seeds (n); "
             "CV = K-fold over the 1,000 training recordings, validation inside each fold. "
             "s/epoch was measured on a shared, heavily loaded 2-core machine (1 thread per run).", ""]
    for depth in [label(d) for d in DEPTHS] + [d for d in table if d not in map(label, DEPTHS)]:
        if depth not in table:
            continue
        lines += [f"#### {depth}", "", "| method | selected test acc. | validation acc. (selected epoch) "
                  "| final-epoch test acc. | CV selected | CV final | per seed (selected) | s/epoch |",
                  "|---|---|---|---|---|---|---|---|"]
        for m, c in table[depth].items():
            sel, fin, cv = c.get("selected"), c.get("final"), c.get("cv")
            fmt = (lambda s: f"{100 * s['mean']:.1f} +- {100 * s['std']:.1f} (n={s['n']})" if s else "-")
            cvs = (f"{100 * cv['selected']:.1f} +- {100 * cv['selected_std']:.1f}",
                   f"{100 * cv['final']:.1f} +- {100 * cv['final_std']:.1f}") if cv else ("-", "-")
            per = ", ".join(f"{100 * r['selected']:.0f}" for r in c["seeds"].values()) or "-"
            lines.append(f"| {m} | {fmt(sel)} | {mean_val(c)} | {fmt(fin)} | {cvs[0]} | {cvs[1]} | {per} | "
                         f"{c.get('s_per_epoch', float('nan')):.0f} |")
        diffs = [f"{m} vs {ref}: {txt}" for ref in ("bptt", "shallow") if ref in table[depth]
                 for m, c in table[depth].items() if m != ref
                 and (txt := compare(c, table[depth][ref])) is not None]
        lines += ["", "Differences beyond the seed spread: " + ("; ".join(diffs) if diffs else
                  "none can be stated (fewer than 2 seeds, or within the spread)."), ""]
    if meta.get("missing"):
        lines += ["Missing cells (not measured yet): " + ", ".join(meta["missing"]) + ".", ""]
    lines.append(f"Command per cell: `spikeprop train --method METHOD --sizes DEPTH --epochs {meta['epochs']} "
                 f"--seed SEED{(' ' + meta['extra']) if meta['extra'] else ''}`; CV: `... --cv K` instead of --seed.")
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", nargs="+", default=METHODS)
    p.add_argument("--depths", nargs="+", default=DEPTHS, metavar="SIZES", help="e.g. 2312,512,512,10")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--cv", type=int, default=5, help="also K-fold CV per cell (0: none)")
    p.add_argument("--jobs", type=int, default=2, help="runs in parallel (one thread each)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tag", default="depth", help="sub-folder of benchmarks/results/accuracy_runs")
    p.add_argument("--merge", action="store_true",
                   help="update only the measured cells in the existing JSON (same epochs and extra)")
    p.add_argument("--collect", action="store_true", help="train nothing: tabulate the finished runs")
    p.add_argument("--extra", default="", help="extra options for every `spikeprop train`, quoted")
    p.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 2 epochs, no CV, 2312-800-10 only")
    p.add_argument("--keep-checkpoints", action="store_true",
                   help="keep best.pt/last.pt of finished runs (default: delete, ~40 MB per run)")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.cv, args.depths = args.seeds[:1], 2, 0, args.depths[:1]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    base = RESULTS / "accuracy_runs" / args.tag
    cells = measure(args, base, args.extra.split())
    if not args.keep_checkpoints:
        drop_checkpoints(base, args.epochs)
    name = "accuracy" if args.tag == "depth" else f"accuracy_{args.tag}"
    path = RESULTS / f"{name}.json"
    table: dict = {}
    if args.merge and path.exists():
        old = json.loads(path.read_text())
        om = old.get("meta", {})
        if (om.get("epochs"), om.get("extra", "")) != (args.epochs, args.extra):
            raise SystemExit(f"--merge: {path.name} was measured with epochs={om.get('epochs')}, "
                             f"extra={om.get('extra')!r}; rerun with the same settings")
        table = old.get("cells", {})
    for depth, by_method in cells.items():
        for m, cell in by_method.items():
            merged = table.setdefault(depth, {}).setdefault(m, {"seeds": {}})
            merged["seeds"].update(cell["seeds"])
            merged.update({k: v for k, v in cell.items() if k != "seeds"})
            finish(merged)
    wanted = [(label(d), m) for d in (args.depths if args.quick else DEPTHS)
              for m in METHODS + [m for m in args.methods if m not in METHODS]]
    missing = [f"{d} {m}" for d, m in wanted if not table.get(d, {}).get(m, {}).get("seeds")]
    missing_cv = [f"{d} {m}" for d, m in wanted if "cv" not in table.get(d, {}).get(m, {})]
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "epochs": args.epochs, "extra": args.extra, "quick": args.quick,
            "threads_per_run": args.threads, "missing": missing, "missing_cv": missing_cv,
            "data": "embedded N-MNIST subset: train 900 / validation 100 / test 100 (CV: the 1,000 training recordings)"}
    # commands are recorded relative to the checkout (no machine paths in results)
    text = json.dumps({"meta": meta, "cells": table}, indent=2).replace(str(ROOT) + "/", "")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text + "\n")
    tmp.replace(path)
    md = markdown(table, meta) + (f"\nNo CV yet for: {', '.join(missing_cv)}.\n" if missing_cv else "")
    path.with_suffix(".md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
