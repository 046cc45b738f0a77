"""Training speed and memory: SP vs a plain snntorch BPTT loop, side by side in one run.

2312-800-10 LIF network, batch 128, T=100, 2 threads (defaults). Every configuration runs
in its own subprocess, so its peak RSS (``ru_maxrss`` of that child) is its own:

- samples/s of SP-surrogate, SP-voltage (and this project's BPTT) vs snntorch BPTT, T=100;
  the fastest batch of each configuration counts (speed configurations run twice,
  interleaved), since on a shared machine that is the least disturbed measurement
- peak RSS of SP at T=25 and T=300 (goal: within 15 %), and of BPTT for contrast

Data: the embedded N-MNIST subset (or ``--data DIR``); synthetic 2 % Bernoulli input
only if neither is available (the JSON says which). Results: printed, and saved to
``benchmarks/results/training.json``.

    python benchmarks/bench_training.py            # full run (~10 min on 2 cores)
    python benchmarks/bench_training.py --quick    # a short run
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "training.json"


# ---------------------------------------------------------------- child side
def load_batches(T: int, batch: int, n_batches: int, data: str | None, seed: int):
    """``n_batches`` sparse batches of real N-MNIST (or synthetic) recordings."""
    import torch

    from spikeprop.rules.sparse import SparseDataset

    n = batch * n_batches
    source = "synthetic"
    ds = None
    for candidate in ([data] if data else [None]):
        try:
            from spikeprop.datasets import load_dataset
            ds = load_dataset("train", T, 300.0, candidate, limit=n)
            source = candidate or "embedded"
            break
        except Exception:
            continue
    if ds is None:
        g = torch.Generator().manual_seed(seed)
        frames = (torch.rand(n, T, 2312, generator=g) < 0.02).to(torch.uint8)
        ds = SparseDataset.from_frames(frames, torch.arange(n) % 10)
    order = torch.arange(len(ds))
    batches = [ds.batch(order[i:i + batch]) for i in range(0, len(ds) - batch + 1, batch)]
    return batches, source, ds.density


def child(spec: dict) -> dict:
    import torch

    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    batches, source, density = load_batches(spec["T"], spec["batch"], spec["batches"] + 1, spec.get("data"), 0)
    sizes = [2312, 800, 10]
    if spec["kind"] == "snntorch":
        from benchmarks.snntorch_reference import TutorialNet, train_step

        net = TutorialNet(sizes)
        opt = torch.optim.Adam(net.parameters(), lr=5e-4)
        dense = [(x.dense(), y) for x, y in batches]
        del batches
        run = lambda xy: train_step(net, opt, *xy)  # noqa: E731
        items = dense
    else:
        from spikeprop.config import TrainConfig
        from spikeprop.model import NetConfig
        from spikeprop.rules import make_learner
        from spikeprop.trainer import build

        cfg = TrainConfig(method=spec["kind"], T=spec["T"], batch_size=spec["batch"])
        net, signal = build(NetConfig(sizes=sizes), cfg)
        learner = make_learner(net, signal, cfg)
        run = lambda xy: learner.train_batch(*xy)  # noqa: E731
        items = batches
    run(items[0])  # warm-up (allocator, first-call overheads)
    times = []
    for xy in items[1:]:
        start = time.perf_counter()
        run(xy)
        times.append(time.perf_counter() - start)
    elapsed = sum(times)
    n = spec["batch"] * (len(items) - 1)
    # best batch: on a shared machine the fastest batch is the least disturbed measurement
    return {**spec, "samples_per_s": spec["batch"] / min(times), "samples_per_s_mean": n / elapsed,
            "batch_seconds": times, "seconds": elapsed, "samples": n,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "data": source, "input_density": density}


# ---------------------------------------------------------------- parent side
def measure(spec: dict) -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # no spinning threads on a shared machine
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {**spec, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer batches, smaller T for the memory runs")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--T", type=int, default=100)
    p.add_argument("--batches", type=int, help="timed batches per configuration (default 3, quick 1)")
    p.add_argument("--data", help="N-MNIST folder (default: embedded subset)")
    p.add_argument("--out", default=str(RESULTS))
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    nb = args.batches or (1 if args.quick else 3)
    base = {"threads": args.threads, "batch": args.batch, "data": args.data}
    speed = [{**base, "kind": k, "T": args.T, "batches": nb}
             for k in ("snntorch", "sp-surrogate", "sp-voltage", "bptt")]
    t_small, t_large = 25, 300
    memory = [{**base, "kind": "sp-surrogate", "T": t, "batches": 1} for t in (t_small, t_large)]
    memory += [{**base, "kind": "snntorch", "T": t_small, "batches": 1}]  # T=args.T: from the speed runs
    results = []
    rounds = 1 if args.quick else 2  # speed configs interleaved twice; best round kept
    plan = [s for _ in range(rounds) for s in speed] + memory
    for spec in plan:
        r = measure(spec)
        prev = next((i for i, q in enumerate(results) if q["kind"] == r["kind"] and q["T"] == r["T"]
                     and "error" not in q), None)
        if prev is not None and "error" not in r:
            keep = r if r["samples_per_s"] > results[prev]["samples_per_s"] else results[prev]
            keep["rounds"] = results[prev].get("rounds", 1) + 1
            results[prev] = keep
            r = keep
        else:
            results.append(r)
        if "error" in r:
            print(f"{spec['kind']:>13s} T={spec['T']:<4d} FAILED: {r['error']}")
        else:
            print(f"{r['kind']:>13s} T={r['T']:<4d} {r['samples_per_s']:8.1f} samples/s (best batch)  "
                  f"peak RSS {r['peak_rss_mb']:7.0f} MB   ({r['data']})", flush=True)
    ok = [r for r in results if "error" not in r]
    get = lambda kind, T: next((r for r in ok if r["kind"] == kind and r["T"] == T), None)  # noqa: E731
    bptt = get("snntorch", args.T)
    summary: dict = {}
    if bptt:
        for k in ("sp-surrogate", "sp-voltage", "bptt"):
            r = get(k, args.T)
            if r:
                summary[f"speedup_{k}_vs_snntorch"] = r["samples_per_s"] / bptt["samples_per_s"]
    small, large = get("sp-surrogate", t_small), get("sp-surrogate", t_large)
    if small and large:
        summary["sp_rss_growth_T25_to_T300"] = large["peak_rss_mb"] / small["peak_rss_mb"] - 1
    b_small, b_large = get("snntorch", t_small), get("snntorch", args.T)
    if b_small and b_large:
        summary[f"snntorch_rss_growth_T25_to_T{args.T}"] = b_large["peak_rss_mb"] / b_small["peak_rss_mb"] - 1
    summary["goal_speedup_3x"] = all(v >= 3 for k, v in summary.items() if k.startswith("speedup_sp"))
    summary["goal_rss_within_15pct"] = summary.get("sp_rss_growth_T25_to_T300", 1.0) <= 0.15
    out = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "quick": args.quick, "network": "2312-800-10 LIF",
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
                       "load_avg_1min": os.getloadavg()[0]},
           "summary": summary, "runs": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
