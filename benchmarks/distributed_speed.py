"""1 worker vs N data-parallel workers, same global batch, whole epochs, side by side in one run.

Runs ``spikeprop train`` once as one process (torch's default threads: all cores) and once
as N workers under torchrun (``spikeprop.distributed.launch_workers``: 1 thread each), on
the embedded N-MNIST subset, and reads the per-epoch training time (``train_time_s``,
without evaluation) and the whole epoch (``time_s``, with every worker's evaluation) from
each run's ``metrics.jsonl``. Also checks both runs logged the same train accuracy.

    python benchmarks/distributed_speed.py --workers 2 --epochs 2 --repeats 3 -- --method bptt
    -> benchmarks/results/distributed_speed.json (--json to choose)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spikeprop.distributed import launch_workers


def run(workers: int, out: Path, train_args: list[str]) -> dict:
    argv = ["train", "--quiet", "--out", str(out), *train_args]
    start = time.perf_counter()
    if workers == 1:
        rc = subprocess.call([sys.executable, "-m", "spikeprop", *argv])
    else:
        rc = launch_workers(workers, argv)
    wall = time.perf_counter() - start
    if rc != 0:
        raise SystemExit(f"{workers}-worker run failed (exit code {rc})")
    recs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return {"workers": workers, "wall_s": wall,
            "train_time_s": [r["train_time_s"] for r in recs], "time_s": [r["time_s"] for r in recs],
            "train_acc": [r["train_acc"] for r in recs], "test_acc": [r.get("test_acc") for r in recs]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64, dest="batch_size", help="global batch")
    p.add_argument("--repeats", type=int, default=1, help="alternating 1-worker / N-worker pairs")
    p.add_argument("--json", default="benchmarks/results/distributed_speed.json")
    p.add_argument("train_args", nargs="*", help="more `spikeprop train` options (after --)")
    a = p.parse_args()
    common = ["--epochs", str(a.epochs), "--batch-size", str(a.batch_size), *a.train_args]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(a.repeats):  # alternate, so a change in the machine's load hits both
            for n in (1, a.workers):
                rows.append(run(n, Path(tmp) / f"r{rep}w{n}", common))
    load = os.getloadavg()
    res = {"cores": os.cpu_count(), "load_avg_1_5_15_after": load, "train_args": common, "runs": rows}
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    for r in rows:
        print(f"{r['workers']} worker(s): train s/epoch {', '.join(f'{t:.1f}' for t in r['train_time_s'])}; "
              f"epoch incl. eval {', '.join(f'{t:.1f}' for t in r['time_s'])}; wall {r['wall_s']:.1f} s; "
              f"train acc {r['train_acc']}")
    print(f"{os.cpu_count()} cores, load average after the runs {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
