"""``spikeprop deploy``: run a checkpoint, netx or NIR file on Lava or the bit-exact fallback and
report accuracy on the N-MNIST test split, spikes per layer, agreement with the torch model,
NeuroBench's metrics and time per sample (the work: ``spikeprop.deploy``); with ``--learn``, learn on the device
model instead (``spikeprop.onchip``). This module parses and prints.
"""
from __future__ import annotations

import argparse

EPILOG = """\
examples:
  spikeprop deploy runs/sp/best.pt --backend lava --precision fixed
  spikeprop deploy net.h5 --backend fallback --n-samples 100
  spikeprop deploy snn.nir --backend lava --precision fixed      # a NIR graph (e.g. from snntorch)
  spikeprop deploy snn.nir --nir-convention norse --backend fallback
  spikeprop deploy runs/sp/best.pt --backend auto --precision float --json
  spikeprop deploy runs/sp/best.pt --learn --backend fallback     # learn the output layer on the device model
  spikeprop deploy runs/sp/best.pt --learn --backend lava --learn-samples 50

time convention: every sample runs in model time (each layer starts when its first input
arrives, see export/result.py); on Lava a chunk of samples runs as one sequence with
per-layer resets, so one compile serves the whole chunk.

NIR files: the convention (spikeprop, snntorch, norse) is recognised from the file; a file
that matches none or both asks for --nir-convention. What maps: docs/interoperability.md.

NeuroBench metrics (printed and under "neurobench" in --json): Footprint, ConnectionSparsity,
ActivationSparsity (per layer), SynapticOperations (Effective_ACs/MACs, Dense; per sample),
ClassificationAccuracy, from this run's spikes (export/neurobench.py has the definitions)."""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser("deploy", help=summary, description=summary[0].upper() + summary[1:] + ".",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from spikeprop.artifacts import NIR_CONVENTIONS
    from spikeprop.validate import positive_float, positive_int

    p.add_argument("model", metavar="MODEL", help="a .pt checkpoint, a netx .h5/.net file, a .nir graph or a .npz network")
    p.add_argument("--backend", choices=("lava", "fallback", "auto"), default="auto")
    p.add_argument("--precision", choices=("float", "fixed"), default="fixed")
    p.add_argument("--n-samples", type=positive_int, default=100, dest="n_samples", help="test samples (default: 100)")
    p.add_argument("--T", type=positive_int, help="time bins per sample (default: the checkpoint's, else 30)")
    p.add_argument("--window-ms", type=positive_float, dest="window_ms",
                   help="recording length binned into T (default: the checkpoint's, else 300; deploy - --learn "
                        "with the sp rule: 100)")
    p.add_argument("--data", metavar="DIR", help="data folder of the model's data set (N-MNIST default: embedded subset; "
                   "Fashion-MNIST default: /usr/share/datasets/fashion-mnist)")
    p.add_argument("--chunk", type=positive_int, default=None, help="samples per Lava run / progress step")
    p.add_argument("--no-progress", action="store_true", dest="no_progress")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--nir-convention", choices=NIR_CONVENTIONS, default="auto", dest="nir_convention",
                   help=".nir input: whose convention it follows (default auto: recognised from the file, "
                        "else an error asks for this option)")
    p.add_argument("--readout", choices=("spikes+voltage", "spikes"), default="spikes+voltage",
                   help="class = most output spikes, ties broken by the summed output voltage "
                        "(default; probes the output layer's voltage) or by class order (spikes only)")
    from spikeprop.cli.learn_args import add_learning_args

    add_learning_args(p)
    return p


def run(args: argparse.Namespace) -> int:
    if args.learn:
        return run_learning(args)
    from spikeprop.deploy import deploy

    res = deploy(args.model, backend=args.backend, precision=args.precision, n_samples=args.n_samples, T=args.T,
                 window_ms=args.window_ms, data=args.data, chunk=args.chunk, readout=args.readout,
                 progress=not (args.no_progress or args.json), quiet=args.json, name=str(args.model),
                 nir_convention=args.nir_convention)
    if args.json:
        import json

        print(json.dumps(res.summary, indent=2))
        return 0
    print_deploy(res)
    return 0


def print_deploy(res) -> None:
    """The human-readable deploy report."""
    from spikeprop.neurobench_report import neurobench_lines

    r = res.summary
    if res.quantization is not None:
        print(res.quantization)
    print(f"deploy {r['model']}: {r['network']} on {r['backend']}, {r['n_samples']} test samples, T={r['T']}")
    line = f"accuracy ({r['readout']} readout): {100 * r['accuracy']:.1f}%"
    if "torch_accuracy" in r:
        line += (f"   torch (float64, same readout): {100 * r['torch_accuracy']:.1f}%"
                 f"   drop: {r['accuracy_drop_points']:+.1f} points")
    print(line)
    if "prediction_agreement" in r:
        print(f"agreement with torch: {100 * r['prediction_agreement']:.1f}% of predictions, "
              f"{100 * r['identical_output_spike_trains']:.1f}% of output spike trains identical")
    for l, c in enumerate(r["spikes_per_sample"]):
        ref = f" (torch {r['torch_spikes_per_sample'][l]:.1f})" if "torch_spikes_per_sample" in r else ""
        print(f"spikes per sample, layer {l}: {c:.1f}{ref}")
    for line in neurobench_lines(r["neurobench"]):
        print(line)
    extra = f", Lava compile/start {res.timing['compile_s']:.1f} s in total" if r["backend"] == "lava" else ""
    print(f"time per sample: {r['ms_per_sample']:.2f} ms (simulation {r['ms_per_sample_run']:.2f} ms{extra})")


def run_learning(args: argparse.Namespace) -> int:
    """``--learn``: learn on the device model, write learning.json + accuracy.png, print the summary."""
    from spikeprop.cli.learn_args import learn_setup
    from spikeprop.deploy import resolve_backend
    from spikeprop.onchip.experiment import run_learning as learn
    from spikeprop.onchip.report import summary_lines, write_learning

    from export.errors import ExportError
    from spikeprop.errors import SpikePropError

    backend = resolve_backend(args.backend)
    try:
        model = None if args.model == "-" else args.model  # '-': untrained network of --learn-sizes
        report = learn(model, learn_setup(args), backend, args.precision, log=print)
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None
    json_path, png_path = write_learning(report, args.learn_out)
    for line in summary_lines(report):
        print(line)
    print(f"wrote {json_path} and {png_path}")
    return 0
