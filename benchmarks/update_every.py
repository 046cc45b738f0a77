"""Updates per step: SP with a weight update every step (K=1) beside the default K=10.

Same cell as the accuracy table (2312-800-10 LIF, T=30, embedded subset, validation-selected
checkpoint), once with ``--update-every 1`` and once with the default 10; reports the test
accuracy of best.pt and of the final epoch, and the whole-epoch training time. The K=10 runs
are the accuracy table's own (benchmarks/results/accuracy_runs/depth/...), reused if present.

    python benchmarks/update_every.py                       # sp-surrogate, sp-voltage, seed 0
    python benchmarks/update_every.py --seeds 0 1 2 --epochs 10

Writes benchmarks/results/update_every.json and update_every.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy_table import RESULTS, ROOT, command, run, run_record  # noqa: E402

DEPTH = "2312,800,10"


def out_dir(method: str, k: int, seed: int) -> Path:
    if k == 10:  # the default: the accuracy table's run
        return RESULTS / "accuracy_runs" / "depth" / DEPTH.replace(",", "-") / f"{method}-seed{seed}"
    return RESULTS / "update_every_runs" / f"{method}-K{k}-seed{seed}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", nargs="+", default=["sp-surrogate", "sp-voltage"])
    p.add_argument("--ks", nargs="+", type=int, default=[1, 10])
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--collect", action="store_true", help="train nothing: tabulate the finished runs")
    p.add_argument("--name", default="update_every", help="results file name (NAME.json, NAME.md)")
    args = p.parse_args(argv)
    jobs = [(m, k, s) for m in args.methods for k in args.ks for s in args.seeds]

    def do(job):
        m, k, s = job
        out = out_dir(m, k, s)
        cmd = command(m, DEPTH, s, args.epochs, out, ["--update-every", str(k)] if k != 10 else [])
        if run_record(out, args.epochs) is None and not args.collect:
            print(f"start {m} K={k} seed {s}", flush=True)
            run(cmd, 1)
        rec = run_record(out, args.epochs)
        print(f"{m} K={k} seed {s}: {rec and round(100 * rec['selected'], 1)}", flush=True)
        return m, k, s, rec, " ".join(cmd)

    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(do, jobs))
    rows = [{"method": m, "K": k, "seed": s, **rec, "command": cmd} for m, k, s, rec, cmd in done if rec]
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "epochs": args.epochs, "sizes": DEPTH,
            "missing": [f"{m} K={k} seed {s}" for m, k, s, rec, _ in done if rec is None]}
    text = json.dumps({"meta": meta, "runs": rows}, indent=2).replace(str(ROOT) + "/", "")
    (RESULTS / f"{args.name}.json").write_text(text + "\n")
    lines = [f"2312-800-10 LIF, T=30, {args.epochs} epochs, embedded subset (900 train / 100 validation / "
             "100 test); s/epoch = mean whole-epoch training time, 1 thread, on a shared, loaded 2-core machine "
             "(compare the two K of a method, run at about the same time).", "",
             "| method | K (update every K steps) | seed | selected test acc. | final-epoch test acc. | s/epoch |",
             "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["method"], r["K"], r["seed"])):
        lines.append(f"| {r['method']} | {r['K']} | {r['seed']} | {100 * r['selected']:.1f} | "
                     f"{100 * r['final']:.1f} | {r['s_per_epoch']:.0f} |")
    if meta["missing"]:
        lines += ["", "Missing: " + ", ".join(meta["missing"])]
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
