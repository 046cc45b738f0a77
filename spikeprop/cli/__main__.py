"""Entry point of the ``spikeprop`` console script.

Start-up matters (``spikeprop train`` should spend its time training), so nothing heavy is
imported here: only the module of the subcommand being run is loaded (all of them only for
``spikeprop --help`` or an unknown command), and torch is imported by that subcommand.
The process-wide settings (OpenMP wait policy, torch threads) are made here, once.
"""
from __future__ import annotations

import argparse
import os
import sys

from spikeprop.openmp import bounded_spin

# (command, module in spikeprop.cli, one-line summary) in the order --help lists them.
SUBCOMMANDS: list[tuple[str, str, str]] = [
    ("train", "train", "train a spiking network (Signal Propagation or a BPTT/BP baseline)"),
    ("evaluate", "evaluate", "accuracy per prediction mode, confusion matrix and dead neurons of a checkpoint"),
    ("dead-neurons", "dead_neurons", "controlled dead-neuron study across learning rules"),
    ("export", "export", "export a checkpoint to lava-dl netx HDF5, NIR or a Lava network description"),
    ("deploy", "deploy", "run a checkpoint, netx or NIR file on Lava or the bit-exact numpy fallback"),
]

DESCRIPTION = """\
Train spiking neural networks with Signal Propagation (forward-only, layer-local
learning) and deploy them to Lava (Loihi 2 semantics) or a bit-exact numpy simulator.

Typical session on the embedded N-MNIST subset (1,000 train + 100 test recordings):
  spikeprop train --method sp-surrogate --out runs/sp     # train, checkpoints in runs/sp
  spikeprop evaluate runs/sp/best.pt                      # accuracy, confusion matrix
  spikeprop deploy runs/sp/best.pt --backend lava --precision fixed
Use `spikeprop COMMAND --help` for each command's options.
Benchmarks run from a source checkout: ./run bench --help"""


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error (``spikeprop train: error: argument --T: ...``) instead of
    the usage block; the subcommand parsers are of the same class."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one with just that subcommand: importing a subcommand's
    module can be expensive (``deploy`` pulls in export.learning), so ``spikeprop train``
    does not pay for the others."""
    import importlib

    from spikeprop import __version__

    parser = OneLineParser(prog="spikeprop", description=DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"spikeprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command, module_name, summary in SUBCOMMANDS:
        if only is not None and command != only:
            continue
        module = importlib.import_module(f"spikeprop.cli.{module_name}")
        p = module.add_parser(sub, summary)
        p.set_defaults(_run=module.run)
    return parser


def requested_command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if known."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if any(first == c for c, _, _ in SUBCOMMANDS) else None


def set_threads(n: int | None) -> None:
    """``torch.set_num_threads(n)``; the one place the CLI sets them (None: torch's default)."""
    if n:
        import torch

        torch.set_num_threads(int(n))


def show_notes_as_one_line(command: str) -> None:
    """Library notes (``warnings`` of spikeprop's own categories, e.g. a renamed method in an
    old checkpoint) print as one line ``spikeprop COMMAND: note: ...`` instead of a warning
    with file and source line."""
    import warnings

    plain = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__module__.startswith("spikeprop"):
            print(f"spikeprop {command}: note: {message}", file=sys.stderr)
        else:
            plain(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def main(argv: list[str] | None = None) -> int:
    bounded_spin(os.environ)  # before torch loads: OpenMP threads spin briefly, then sleep
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(requested_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    from spikeprop.cli import failure

    previous = failure.install_signal_handlers()
    show_notes_as_one_line(args.command)
    try:
        set_threads(getattr(args, "threads", None))
        code = int(args._run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, not at exit
        return code
    except (Exception, KeyboardInterrupt) as exc:  # one line per error, see spikeprop.cli.failure
        return failure.handle(args.command, exc)
    finally:
        failure.restore_signal_handlers(previous)


if __name__ == "__main__":
    sys.exit(main())
