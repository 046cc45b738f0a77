"""``spikeprop bench``: SP vs snntorch BPTT (speed, memory versus T, accuracy), fallback vs Lava."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = """\
Runs from a source checkout: the benchmark scripts live in benchmarks/ beside the spikeprop
package (benchmarks/run_all.py is the same command as a script).

parts (--only):
  training  samples/s and peak RSS of sp-voltage, sp-surrogate, sp-two-compartment, bptt and a
            plain snntorch BPTT loop; T in {25,100,300}; 2312-800-10 and 2312-512-512-10;
            batch 128; each configuration in its own process (~10 min)
  deploy    ms per sample: torch, numpy fallback (float, fixed), Lava (float, fixed);
            2312-512-512-10, T=300, 20 samples; Lava compile time; identical spikes (~3 min)
  accuracy  the embedded-subset accuracy table (benchmarks/accuracy_table.py; reused if
            benchmarks/results/accuracy.json exists, --rerun-accuracy to redo it: ~20 min)
  learning  on-chip-style learning, fallback vs Lava (benchmarks/bench_learning.py)

output (in --out): bench_training.json, bench_deploy.json, accuracy.json, learning.json
(machine, versions, date, load, every figure, ratios to snntorch BPTT and to Lava),
training_speed.png, training_memory.png, deploy_time.png and performance.md (the README's
Performance section).

examples:
  spikeprop bench --quick                          # a few minutes, -> benchmarks/results/quick
  spikeprop bench --only training,deploy --wait-load 1.0
  spikeprop bench --only deploy --no-lava"""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser("bench", help=summary, description=summary[0].upper() + summary[1:] + ".",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = _checkout()
    if root is not None:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        from benchmarks.run_all import add_arguments

        add_arguments(p)
    return p


def _checkout() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    return root if (root / "benchmarks" / "run_all.py").is_file() else None


def run(args: argparse.Namespace) -> int:
    from spikeprop.errors import SpikePropError

    root = _checkout()
    if root is None:
        raise SpikePropError("the benchmarks live in benchmarks/ of a source checkout; "
                             "run `spikeprop bench` from an installation in development mode (pip install -e .)")
    from benchmarks.run_all import run as run_all

    return run_all(args)
