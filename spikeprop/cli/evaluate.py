"""``spikeprop evaluate``: accuracy per prediction mode, confusion matrix, dead neurons, NeuroBench metrics."""
from __future__ import annotations

import argparse

EPILOG = """\
prediction modes:
  classifier   argmax of the output layer's summed voltage (classifier_rate: spike count, ties
               by voltage; classifier_spikes: spike count, first on ties, deploy --learn's readout)
  nearest      most similar class target embedding t_L (C comparisons)
  adaptive     descend a tree of class embeddings (fewer comparisons; mean reported)

examples:
  spikeprop evaluate runs/sp/best.pt
  spikeprop evaluate runs/sp/last.pt --split train --json"""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser("evaluate", help=summary, description=summary[0].upper() + summary[1:] + ".",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="a .pt file written by spikeprop train")
    p.add_argument("--data", metavar="DIR", help="data folder of the checkpoint's data set (N-MNIST default: embedded subset; "
                   "Fashion-MNIST default: /usr/share/datasets/fashion-mnist)")
    p.add_argument("--split", choices=("test", "train"), default="test")
    from spikeprop.validate import positive_int

    p.add_argument("--batch-size", type=positive_int, default=128, dest="batch_size")
    p.add_argument("--threads", type=positive_int)
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    return p


def format_confusion(cm, title: str) -> str:
    n = cm.shape[0]
    lines = [title, "true\\pred " + " ".join(f"{j:>4d}" for j in range(n))]
    for i in range(n):
        lines.append(f"{i:>9d} " + " ".join(f"{int(v):>4d}" for v in cm[i]))
    return "\n".join(lines)


DEPLOY_MODE = "classifier_rate"  # most output spikes, ties by summed voltage: deploy's readout


def print_modes(accs: dict, mode: str, n_targets: int) -> None:
    print("accuracy per prediction mode:")
    for m, a in accs.items():
        if m == "adaptive_comparisons":
            continue
        extra = f"  ({accs['adaptive_comparisons']:.1f} comparisons / sample of {n_targets})" if m == "adaptive" else ""
        extra += "  (spikes+voltage: deploy's readout)" if m == DEPLOY_MODE else ""
        star = "  <- trained for" if m == mode else ""
        print(f"  {m:<16s}{100 * a:6.1f} %{extra}{star}")


def run(args: argparse.Namespace) -> int:
    import json

    from spikeprop.evaluation import evaluate_checkpoint
    from spikeprop.neurobench_report import neurobench_lines

    ev = evaluate_checkpoint(args.checkpoint, args.split, args.data, args.batch_size)
    accs, mode, cfg, net_cfg = ev.accuracy, ev.primary_mode, ev.cfg, ev.net_cfg
    deploy_acc = accs.get(DEPLOY_MODE)
    if args.json:
        print(json.dumps({"checkpoint": str(args.checkpoint), "epoch": ev.epoch, "method": cfg.method,
                          "accuracy": accs, "primary_mode": mode, "confusion": ev.confusion.tolist(),
                          "layers": ev.layers, "neurobench": ev.neurobench, "readout": "spikes+voltage",
                          "readout_accuracy": deploy_acc}))
        return 0
    print(f"{args.checkpoint}: {cfg.method}, {'-'.join(map(str, net_cfg.sizes))} {net_cfg.neuron}, "
          f"epoch {ev.epoch}, {ev.n_samples} {args.split} samples")
    if deploy_acc is not None:  # the number `spikeprop deploy` reports for this file (torch, float)
        print(f"accuracy (spikes+voltage readout, as deploy): {100 * deploy_acc:.1f}%")
    print_modes(accs, mode, ev.n_targets)
    print(format_confusion(ev.confusion, f"confusion matrix ({mode}):"))
    print_layers(ev.layers, net_cfg.sizes)
    print("\n".join(neurobench_lines(ev.neurobench)))
    return 0


def print_layers(layers: list[dict], sizes: list[int]) -> None:
    """Firing rate and dead / near-dead / saturated fractions per layer."""
    print("dead neurons per layer (rate = spikes/step):")
    for l, s in enumerate(layers):
        print(f"  layer {l + 1} ({sizes[l + 1]:>4d}): rate {s['rate']:.3f}  dead {100 * s['dead']:.1f}%  "
              f"near-dead {100 * s['near_dead']:.1f}%  saturated {100 * s['saturated']:.1f}%")
