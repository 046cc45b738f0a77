"""SP at depth: runs ``spikeprop train`` per configuration and collects its metrics.

Measures the product path: each configuration is one ``spikeprop train ... --quiet --out DIR``
process, which holds out its own stratified validation split (``spikeprop.splits``,
``--val-fraction``, seeded by the run seed) and chooses ``best.pt`` on it. This driver only
reads ``DIR/metrics.jsonl`` and appends one JSON line per run to the results file: best
validation accuracy, the test accuracy of that validation-selected epoch (reporting only),
the final epoch's test accuracy, and the hidden layers' rates / dead fractions (measured on
the validation split) at the end. A configuration whose DIR already holds all its epochs is
not trained again, so an interrupted grid can be resumed.

    python benchmarks/sp_depth_study.py --methods sp-voltage,sp-surrogate \\
        --sizes 2312,800,10 --sizes 2312,512,512,10 --rate-layers all,feeding --seeds 0,1 --jobs 2
    python benchmarks/sp_depth_study.py --methods sp-voltage --sizes 2312,800,10 --rate-weights 0
"""
from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def run_dir(root: Path, sizes: str, method: str, layers: str, weight: float, seed: int,
            lr: float | None = None, neuron: str = "lif") -> Path:
    """Folder of one run; the learning rate and neuron appear in the name only when given /
    not LIF, so the folders of earlier grids keep their names."""
    tail = (f"_lr{lr:g}" if lr is not None else "") + (f"_{neuron}" if neuron != "lif" else "")
    return root / f"{sizes.replace(',', '-')}_{method}_{layers}_w{weight:g}{tail}_s{seed}"


def read_metrics(out: Path) -> list[dict]:
    path = out / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _round(xs: list[float]) -> list[float]:
    return [round(x, 4) for x in xs]


def summarise(history: list[dict]) -> dict:
    """The numbers a row of docs/sp_depth.md needs; the validation-selected epoch is the first
    epoch with the best val_acc (the Trainer's rule: a later tie does not replace best.pt)."""
    best = max(history, key=lambda r: (r["val_acc"], -r["epoch"]))
    last = history[-1]
    return {
        "best_val": round(best["val_acc"], 4), "best_epoch": best["epoch"],
        "best_val_test": round(best["test_acc"], 4), "final_val": round(last["val_acc"], 4),
        "final_test": round(last["test_acc"], 4),
        "rate": _round(last["rate"][:-1]), "dead": _round(last["dead"][:-1]),
        "val_curve": [round(r["val_acc"], 3) for r in history],
    }


def train_one(args: argparse.Namespace, sizes: str, method: str, layers: str, weight: float,
              lr: float | None, seed: int) -> dict:
    out = run_dir(Path(args.root), sizes, method, layers, weight, seed, lr, args.neuron)
    cmd = ["spikeprop", "train", "--method", method, "--sizes", sizes, "--neuron", args.neuron,
           "--T", str(args.T), "--epochs", str(args.epochs), "--seed", str(seed), "--threads", "1",
           "--sp-rate-layers", layers, "--sp-rate-weight", f"{weight:g}", "--quiet", "--out", str(out)]
    cmd += ["--lr", f"{lr:g}"] if lr is not None else []
    start = time.perf_counter()
    if len(read_metrics(out)) < args.epochs:
        if out.exists() and (out / "last.pt").exists():
            cmd += ["--resume"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    history = read_metrics(out)
    row = {"driver": "spikeprop train", "method": method, "sizes": sizes, "neuron": args.neuron,
           "seed": seed, "T": args.T, "epochs": args.epochs, "sp_rate_layers": layers,
           "sp_rate_weight": weight, "lr": lr if lr is not None else _config_lr(out), "out": str(out), "time_s": round(time.perf_counter() - start, 1)}
    row.update(summarise(history))
    return row


def _config_lr(out: Path) -> float | None:
    """The learning rate a run used, from its config.json (the default when none was given)."""
    try:
        return json.loads((out / "config.json").read_text())["train"]["lr"]
    except (OSError, KeyError, ValueError):
        return None


def _pct(xs: list[float]) -> str:
    """Mean and, with several seeds, the spread (max - min) in points."""
    mean = 100 * sum(xs) / len(xs)
    return f"{mean:.1f}" if len(xs) == 1 else f"{mean:.1f} ({100 * (max(xs) - min(xs)):.0f})"


def table(rows: list[dict]) -> str:
    """Markdown table, one line per configuration, seeds pooled: mean (max - min spread)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r.get("driver") == "spikeprop train":
            # rows written before the lr column ran at the lr default of that time, 5e-4
            key = (r["sizes"], r["method"], r.get("neuron", "lif"), r["sp_rate_layers"],
                   r["sp_rate_weight"], r.get("lr") or 5e-4)
            groups.setdefault(key, {})[r["seed"]] = r  # the last row of a seed wins
    lines = ["| network | method | neuron | rate layers | w | lr | seeds | best val | test @best val "
             "| test final | hidden rates at the end | dead |", "|" + "---|" * 12]
    for (sizes, method, neuron, layers, w, lr), by_seed in groups.items():
        rs = [by_seed[s] for s in sorted(by_seed)]
        rate = " / ".join(f"{sum(r['rate'][i] for r in rs) / len(rs):.3f}" for i in range(len(rs[0]["rate"])))
        dead = " / ".join(f"{100 * sum(r['dead'][i] for r in rs) / len(rs):.0f}" for i in range(len(rs[0]["dead"])))
        lines.append(f"| {sizes.replace(',', '-')} | {method} | {neuron} | {layers} | {w:g} | {lr:g} "
                     f"| {','.join(map(str, sorted(by_seed)))} "
                     f"| {_pct([r['best_val'] for r in rs])} | {_pct([r['best_val_test'] for r in rs])} "
                     f"| {_pct([r['final_test'] for r in rs])} | {rate} | {dead} % |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", default="sp-voltage,sp-surrogate")
    p.add_argument("--sizes", action="append", help="layer widths, repeatable (default 2312,512,512,10)")
    p.add_argument("--rate-layers", default="all,feeding")
    p.add_argument("--rate-weights", default="30")
    p.add_argument("--lrs", default="", help="Adam learning rates, comma-separated (default: spikeprop's)")
    p.add_argument("--seeds", default="0")
    p.add_argument("--neuron", default="lif")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--T", type=int, default=30)
    p.add_argument("--jobs", type=int, default=1, help="trainings at once (each on one thread)")
    p.add_argument("--root", default="runs/sp_depth", help="folder of the run folders")
    p.add_argument("--results", default="benchmarks/results/sp_depth_study.jsonl")
    p.add_argument("--table", action="store_true", help="print the results file as a markdown table and stop")
    args = p.parse_args()
    if args.table:
        rows = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line.strip()]
        print(table(rows))
        return
    grid = list(itertools.product(
        args.sizes or ["2312,512,512,10"], args.methods.split(","), args.rate_layers.split(","),
        [float(w) for w in args.rate_weights.split(",")],
        [float(x) for x in args.lrs.split(",")] if args.lrs else [None], [int(s) for s in args.seeds.split(",")]))
    with ThreadPoolExecutor(args.jobs) as pool:
        for row in pool.map(lambda g: train_one(args, *g), grid):
            line = json.dumps(row)
            print(line, flush=True)
            with open(args.results, "a") as f:
                f.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
