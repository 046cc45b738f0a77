"""Entry point of the ``spikeprop`` console script."""
from __future__ import annotations

import argparse
import importlib
import sys

# (subcommand module, one-line summary) in the order --help lists them.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("train", "train a spiking network (Signal Propagation or a BPTT/BP baseline)"),
    ("evaluate", "accuracy per prediction mode, confusion matrix and dead neurons of a checkpoint"),
    ("dead_neurons", "controlled dead-neuron study across learning rules"),
    ("export", "export a checkpoint to lava-dl netx HDF5, NIR or a Lava network description"),
    ("deploy", "run a checkpoint, netx or NIR file on Lava or the bit-exact numpy fallback"),
    ("bench", "benchmarks: SP vs snntorch BPTT, fallback vs Lava"),
]

DESCRIPTION = """\
Train spiking neural networks with Signal Propagation (forward-only, layer-local
learning) and deploy them to Lava (Loihi 2 semantics) or a bit-exact numpy simulator.

Typical session on the embedded N-MNIST subset (1,000 train + 100 test recordings):
  spikeprop train --method sp-surrogate --out runs/sp     # train, checkpoints in runs/sp
  spikeprop evaluate runs/sp/best.pt                      # accuracy, confusion matrix
  spikeprop deploy runs/sp/best.pt --backend lava --precision fixed
Use `spikeprop COMMAND --help` for each command's options."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spikeprop",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from spikeprop import __version__

    parser.add_argument("--version", action="version", version=f"spikeprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name, summary in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"spikeprop.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"spikeprop.cli.{module_name}":
                raise
            continue  # subcommand not part of this build
        p = module.add_parser(sub, summary)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    from spikeprop.errors import SpikePropError

    try:
        return int(args._run(args) or 0)
    except SpikePropError as exc:
        print(f"spikeprop {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"spikeprop {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
