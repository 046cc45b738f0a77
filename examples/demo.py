"""The main job, end to end: train with Signal Propagation on the embedded N-MNIST
subset, export the network to Lava, run it there in fixed point, and compare.

    ./run demo                 # about 1 minute on 2 cores (measured from a fresh clone: 55-64 s,
                               # plus a one-time install of about 2 minutes)
    ./run demo --epochs 2      # shorter
    ./run demo --backend fallback   # the bit-exact numpy simulator instead of Lava

Each step is one `spikeprop` command, printed before it runs, so you can repeat any
of them by hand.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from spikeprop.cli.__main__ import main as spikeprop


def step(title: str, argv: list[str]) -> None:
    print(f"\n=== {title}\n$ spikeprop {shlex.join(argv)}", flush=True)
    code = spikeprop(argv)
    if code:
        sys.exit(f"demo: step failed ({title}), exit code {code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", default="sp-surrogate", help="learning rule (default sp-surrogate)")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs (default 5)")
    parser.add_argument("--sizes", default="2312,200,10", help="layer widths (default 2312,200,10)")
    parser.add_argument("--T", type=int, default=30, help="time bins over 300 ms (default 30)")
    parser.add_argument("--backend", default="auto", choices=["lava", "fallback", "auto"],
                        help="deployment backend (default auto: Lava if installed)")
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="output folder (default runs/demo)")
    args = parser.parse_args()

    start = time.perf_counter()
    print("spikeprop demo: embedded N-MNIST subset (1,000 train + 100 test real recordings)")
    step("1. train with Signal Propagation (forward passes only, layer-local losses)",
         ["train", "--method", args.method, "--sizes", args.sizes, "--T", str(args.T),
          "--epochs", str(args.epochs), "--out", str(args.out), "--threads", "2"])
    ckpt = args.out / "best.pt"
    step("2. evaluate the torch model (all prediction modes, dead neurons)", ["evaluate", str(ckpt)])
    step("3. export to lava-dl netx HDF5 (fixed point)",
         ["export", str(ckpt), "--format", "netx", "-o", str(args.out / "network.net")])
    step("4. run on Lava, floating point (must equal torch spike for spike)",
         ["deploy", str(ckpt), "--backend", args.backend, "--precision", "float"])
    step("5. run on Lava, Loihi fixed point (8-bit weights, 24-bit state)",
         ["deploy", str(ckpt), "--backend", args.backend, "--precision", "fixed"])
    print(f"\ndemo finished in {time.perf_counter() - start:.0f} s; outputs in {args.out}/")


if __name__ == "__main__":
    main()
