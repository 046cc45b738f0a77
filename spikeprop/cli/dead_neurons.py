"""``spikeprop dead-neurons``: the controlled dead-neuron study across learning rules."""
from __future__ import annotations

import argparse

EPILOG = """\
what it does:
  Trains the same network on the same data, seeds and budget with each method, in three
  settings: normal (threshold 1, bias 0), high-threshold (--stress-threshold) and
  negative-bias (--stress-bias); both stress settings start most hidden neurons silent,
  the first by raising the bar, the second by lowering the voltage. Before training
  (epoch 0) and after every epoch it records, per layer on the test set: accuracy, the
  dead fraction (no spike on any step of any recording), near-dead, saturated, the
  firing-rate and the voltage-minus-threshold distributions.

outputs (in --out):
  results.csv, results.md   one row per run: accuracy, dead % per layer at start and end,
                            epochs until recovery (every hidden layer dead <= --recovery-level)
  dead_fraction.png         dead fraction over epochs per method and layer
  rate_hist.png             firing-rate histograms of the hidden neurons, start vs end
  voltage_hist.png          v_pre - threshold distribution, start vs end
  acc_vs_dead.png           accuracy versus dead fraction, each run's path over epochs
  study.json, <run>/history.jsonl, <run>/rates.json   everything behind them

examples:
  spikeprop dead-neurons                                # default study (~1-2 min on 2 cores)
  spikeprop dead-neurons --quick --out runs/dn-quick    # tiny smoke run (~15 s)
  spikeprop dead-neurons --stress-threshold 3 --stress-bias -0.2 --epochs 12
  spikeprop dead-neurons --methods bptt-boxcar,sp-voltage --settings high-threshold --seeds 0,1,2
  spikeprop dead-neurons --data ~/N-MNIST --train-limit 5000 --sizes 2312,800,10

A run that fails is reported in one line (traceback in its folder) and the others go
on; the exit status is 1 if any run failed."""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    from spikeprop.dead_neurons.spec import QUICK, StudySpec

    d, q = StudySpec(), StudySpec(**QUICK)
    p = subparsers.add_parser(
        "dead-neurons", help=summary, description=summary[0].upper() + summary[1:] + ".",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", metavar="DIR", default="runs/dead-neurons",
                   help="output folder (default runs/dead-neurons; files in it are replaced)")
    p.add_argument("--quick", action="store_true",
                   help=f"tiny settings for tests: sizes {','.join(map(str, q.sizes))}, T={q.T}, "
                        f"{q.epochs} epochs, {q.train_limit} train / {q.test_limit} test recordings")
    _add_study_options(p, d)
    return p


def _add_study_options(p: argparse.ArgumentParser, d) -> None:
    from spikeprop.dead_neurons.spec import DEFAULT_METHODS

    p.add_argument("--methods", metavar="M,M,..",
                   help=f"methods to compare (default {','.join(DEFAULT_METHODS)})")
    p.add_argument("--settings", metavar="S,..",
                   help="any of normal, high-threshold, negative-bias (default: all three)")
    p.add_argument("--seeds", metavar="N,..", help=f"seeds; each is one run per method and setting (default {d.seeds[0]})")
    p.add_argument("--stress-threshold", type=float, dest="stress_threshold", metavar="VTH",
                   help=f"threshold of every neuron in the high-threshold setting (default {d.stress_threshold:g}; normal: 1)")
    p.add_argument("--stress-bias", type=float, dest="stress_bias", metavar="B",
                   help=f"constant current into every neuron per step in the negative-bias setting "
                        f"(default {d.stress_bias:g}; normal: 0)")
    p.add_argument("--recovery-level", type=float, dest="recovery_level", metavar="F",
                   help=f"recovered once every hidden layer's dead fraction is <= F (default {d.recovery_level:g})")
    p.add_argument("--near-dead-rate", type=float, dest="near_dead_rate", metavar="R",
                   help=f"spikes/step below which a neuron is near-dead (default {d.near_dead_rate:g})")
    p.add_argument("--sizes", metavar="N,N,..",
                   help=f"layer widths incl. input and output (default {','.join(map(str, d.sizes))})")
    p.add_argument("--neuron", choices=("lif", "cuba_lif", "two_compartment"),
                   help=f"neuron model (default {d.neuron}; the two-compartment rules always use two_compartment)")
    from spikeprop.validate import positive_float, positive_int

    p.add_argument("--T", type=positive_int, help=f"time bins per recording (default {d.T}, over {d.window_ms:g} ms)")
    p.add_argument("--epochs", type=positive_int, help=f"epochs per run (default {d.epochs})")
    p.add_argument("--batch-size", type=positive_int, dest="batch_size", help=f"samples per batch (default {d.batch_size})")
    p.add_argument("--lr", type=positive_float, help=f"Adam learning rate (default {d.lr:g})")
    p.add_argument("--data", metavar="DIR", help="N-MNIST folder; default: embedded subset (1,000 train / 100 test)")
    p.add_argument("--train-limit", type=positive_int, dest="train_limit", metavar="N", help="use the first N training recordings")
    p.add_argument("--test-limit", type=positive_int, dest="test_limit", metavar="N", help="use the first N test recordings")
    p.add_argument("--threads", type=positive_int, help="torch threads (default: torch's choice)")
    p.add_argument("--checkpoints", action="store_true",
                   help="also keep each run's last.pt/best.pt (for spikeprop evaluate)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _ints(text: str, opt: str) -> list[int]:
    from spikeprop.errors import SpikePropError
    try:
        return [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise SpikePropError(f"{opt} must be comma-separated integers, got {text!r}") from None


def _names(text: str) -> list[str]:
    return [s for s in text.replace(" ", "").split(",") if s]


def resolve_spec(args: argparse.Namespace):
    """Defaults (or --quick's) < explicit options."""
    from spikeprop.dead_neurons.spec import QUICK, StudySpec
    from spikeprop.errors import SpikePropError

    d = (StudySpec(**QUICK) if args.quick else StudySpec()).to_dict()
    if args.methods:
        d["methods"] = _names(args.methods)
    if args.settings:
        d["settings"] = _names(args.settings)
    if args.seeds:
        d["seeds"] = _ints(args.seeds, "--seeds")
    if args.sizes:
        d["sizes"] = _ints(args.sizes, "--sizes")
    if args.data:
        d["data_dir"] = args.data
    for k in ("stress_threshold", "stress_bias", "recovery_level", "near_dead_rate", "neuron", "T",
              "epochs", "batch_size", "lr", "train_limit", "test_limit", "threads"):
        v = getattr(args, k)
        if v is not None:
            d[k] = v
    try:
        return StudySpec(**d)
    except (ValueError, TypeError) as exc:
        raise SpikePropError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from spikeprop.dead_neurons.plots import write_plots
    from spikeprop.dead_neurons.study import run_study
    from spikeprop.dead_neurons.tables import write_tables

    spec = resolve_spec(args)
    out = Path(args.out)
    n = len(spec.settings) * len(spec.methods) * len(spec.seeds)
    print(f"dead-neuron study: {n} runs ({', '.join(spec.settings)} x {', '.join(spec.methods)} x seeds "
          f"{', '.join(map(str, spec.seeds))}), network {'-'.join(map(str, spec.sizes))}, T={spec.T}, "
          f"{spec.epochs} epochs; stress: threshold {spec.stress_threshold:g} / bias {spec.stress_bias:g}")
    start = time.perf_counter()
    results, meta = run_study(spec, out, progress=not args.quiet, checkpoints=args.checkpoints)
    write_tables(results, spec, out, meta)
    try:
        write_plots(results, spec, out)
    except Exception as exc:  # a plot that fails (matplotlib, odd data) must not lose the tables
        print(f"warning: could not draw the plots: {type(exc).__name__}: {exc}")
    failed = [r for r in results if not r.ok]
    print()
    print((out / "results.md").read_text(), end="")
    print(f"\n{len(results) - len(failed)}/{len(results)} runs ok in {time.perf_counter() - start:.0f} s; "
          f"wrote {out / 'results.csv'}, {out / 'results.md'} and "
          f"{', '.join(p.name for p in sorted(out.glob('*.png')))}")
    if failed:
        print(f"failed runs: {', '.join(r.name for r in failed)}")
    return 1 if failed else 0
