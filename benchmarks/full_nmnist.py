"""Full-size N-MNIST: cold and warm load time, peak memory and epoch time of ``spikeprop train``.

Each phase runs in a fresh process (so its peak RSS is its own):
- ``cold``: an empty binned-split cache; every file of the folder is read and binned;
- ``warm``: the same load again, from the cache the cold phase wrote;
- ``epoch``: sp-surrogate on 2312-800-10 (batch 32) for ``--batches`` batches of the training
  split, extrapolated to the full epoch (54,000 recordings after the 10 % validation split),
  plus the validation + test evaluation extrapolated from ``--eval-samples`` recordings.

Load = the work of ``runs.load_splits``: index the folder, fingerprint its files, read or bin
train and test, split off validation. Import and start-up time are not included.

    python benchmarks/full_nmnist.py --data DIR --T 30
    python benchmarks/full_nmnist.py --data DIR --T 100 --phases cold warm

Appends to the ``records`` of benchmarks/results/full_nmnist.json (one per phase and T, with the
load average, since the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "full_nmnist.json"


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child (the pool workers), MB."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def phase(name: str, data: str, T: int, batches: int, eval_samples: int, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from spikeprop.config import TrainConfig
    from spikeprop.runs import load_splits

    cfg = TrainConfig(T=T)
    start = time.perf_counter()
    train, val, test = load_splits(cfg, data, progress=name == "cold")
    rec = {"phase": name, "T": T, "load_s": time.perf_counter() - start, "train": len(train),
           "val": len(val) if val else 0, "test": len(test), "active_pairs": int(train.flat.numel())}
    if name == "epoch":
        rec.update(time_epoch(cfg, train, val, test, batches, eval_samples))
    rec["peak_rss_mb"], rec["peak_rss_worker_mb"] = peak_rss_mb()
    return rec


def time_epoch(cfg, train, val, test, batches: int, eval_samples: int) -> dict:
    import torch

    from spikeprop.model import NetConfig
    from spikeprop.trainer import Trainer, epoch_order

    tr = Trainer(NetConfig(sizes=[2312, 800, 10]), cfg, None, progress=False, plot=False)
    order = epoch_order(len(train), cfg.seed, 0)
    tr.learner.train_batch(*train.batch(order[:cfg.batch_size]))  # warm-up (allocations)
    start = time.perf_counter()
    for i in range(1, batches + 1):
        tr.learner.train_batch(*train.batch(order[i * cfg.batch_size:(i + 1) * cfg.batch_size]))
    per_batch = (time.perf_counter() - start) / batches
    n_batches = -(-len(train) // cfg.batch_size)
    start = time.perf_counter()
    tr.evaluate(test.subset(torch.arange(min(eval_samples, len(test)))), "test")
    per_eval = (time.perf_counter() - start) / min(eval_samples, len(test))
    n_eval = len(test) + (len(val) if val else 0)
    return {"batches_timed": batches, "batch_size": cfg.batch_size, "s_per_batch": per_batch,
            "epoch_train_s_extrapolated": per_batch * n_batches, "eval_s_per_sample": per_eval,
            "epoch_eval_s_extrapolated": per_eval * n_eval,
            "epoch_s_extrapolated": per_batch * n_batches + per_eval * n_eval,
            "threads": torch.get_num_threads()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="N-MNIST folder (Train/<digit>/*.bin, Test/<digit>/*.bin)")
    p.add_argument("--T", type=int, default=30)
    p.add_argument("--phases", nargs="+", default=["cold", "warm", "epoch"], choices=("cold", "warm", "epoch"))
    p.add_argument("--batches", type=int, default=30, help="epoch phase: training batches timed")
    p.add_argument("--eval-samples", type=int, default=1000, dest="eval_samples")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache-dir", dest="cache_dir", help="binned-split cache (default: a new temporary folder)")
    p.add_argument("--one", help=argparse.SUPPRESS)  # run one phase in this process
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(phase(args.one, args.data, args.T, args.batches, args.eval_samples, args.threads)))
        return 0
    cache = args.cache_dir or tempfile.mkdtemp(prefix="spikeprop-cache-")
    env = dict(os.environ, SPIKEPROP_CACHE_DIR=cache, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    doc = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"records": []}
    records = doc["records"] if isinstance(doc, dict) else doc
    for name in args.phases:
        cmd = [sys.executable, __file__, "--data", args.data, "--T", str(args.T), "--one", name,
               "--batches", str(args.batches), "--eval-samples", str(args.eval_samples), "--threads", str(args.threads)]
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
        rec = json.loads(out.strip().splitlines()[-1])
        rec["load_avg_1min"] = os.getloadavg()[0]
        print(json.dumps(rec), flush=True)
        records.append(rec)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        tmp = RESULTS.with_suffix(".tmp")
        tmp.write_text(json.dumps({**doc, "records": records} if isinstance(doc, dict) else records, indent=2) + "\n")
        tmp.replace(RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
