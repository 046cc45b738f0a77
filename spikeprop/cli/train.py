"""``spikeprop train``: train a spiking network with SP or a BPTT/BP baseline."""
from __future__ import annotations

import argparse
import os
import time

# Before torch loads: OpenMP threads that sleep instead of spin. On a shared or busy
# machine spinning threads made training up to 10x slower; on an idle one it costs nothing.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

EPILOG = """\
methods:
  sp-surrogate        SP, layer loss on sigmoid(v_pre - vth) (before the spike)
  sp-voltage          SP, layer loss on the membrane voltage itself (no surrogate at all)
  sp-two-compartment  target drives the dendrite, input the soma; explicit 3-factor dW
  bptt                backpropagation through time with a surrogate gradient (snntorch)
  bp-heaviside        BPTT with the true (zero) spike gradient: the dead-neuron baseline
  shallow             only the output layer learns (hidden layers stay random)

examples:
  spikeprop train                                   # SP-surrogate on the embedded N-MNIST subset
  spikeprop train --method bptt --epochs 5 --out runs/bptt
  spikeprop train --method sp-voltage --sizes 2312,400,400,10 --T 50
  spikeprop train --data ~/N-MNIST --epochs 30 --batch-size 128
  spikeprop train --out runs/bptt --resume          # continue runs/bptt/last.pt
  spikeprop train --cv 5 --method sp-surrogate      # 5-fold CV over all 1,100 samples
  spikeprop train --config run.json                 # {"net": {...}, "train": {...}}

Output folder: config.json, metrics.jsonl (one line per epoch), last.pt, best.pt,
curves.png. Then: spikeprop evaluate OUT/best.pt"""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help=summary, description=summary[0].upper() + summary[1:] + ".",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from spikeprop.config import METHODS  # light module

    p.add_argument("--data", metavar="DIR", help="N-MNIST folder (Train/ and Test/); default: embedded subset")
    p.add_argument("--method", choices=METHODS, help="learning rule (default sp-surrogate)")
    p.add_argument("--neuron", choices=("lif", "cuba_lif", "two_compartment"), help="neuron model (default lif)")
    p.add_argument("--sizes", metavar="N,N,..", help="layer widths incl. input and output (default 2312,800,10)")
    p.add_argument("--T", type=int, help="time bins per recording (default 30, over 300 ms)")
    p.add_argument("--batch-size", type=int, dest="batch_size", help="samples per batch (default 32)")
    p.add_argument("--epochs", type=int, help="total epochs (default 15)")
    p.add_argument("--lr", type=float, help="Adam learning rate (default 5e-4)")
    p.add_argument("--seed", type=int, help="seed for weights, target signal and batch order (default 0)")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    p.add_argument("--update-every", type=int, dest="update_every", metavar="K",
                   help="SP: local loss + update every K time steps (default 10)")
    p.add_argument("--loss", choices=("contrastive", "l2"), help="SP layer loss (default contrastive)")
    p.add_argument("--sp-trace", type=float, dest="sp_trace", metavar="DECAY",
                   help="SP: gradient through an eligibility trace of the input (e.g. 0.9; default 0)")
    p.add_argument("--sp-v-floor", dest="sp_v_floor", metavar="V|none", type=_floor,
                   help="SP-voltage: the loss sees max(v_pre, V) (default 0, the depolarisation); "
                        "'none' = the raw voltage, which keeps a gradient for silent neurons")
    p.add_argument("--output", choices=("classifier", "sp"),
                   help="output layer: local classifier or SP loss (default classifier)")
    p.add_argument("--out", metavar="DIR", help="output folder (default runs/METHOD-TIMESTAMP)")
    p.add_argument("--resume", nargs="?", const="auto", metavar="CKPT",
                   help="continue from CKPT (default OUT/last.pt) with its configuration")
    p.add_argument("--config", metavar="FILE", help="JSON config; command-line options override it")
    p.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validation over train+test")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


NET_KEYS = ("neuron", "sizes")
TRAIN_KEYS = ("method", "T", "batch_size", "epochs", "lr", "seed", "threads", "update_every", "loss", "output",
              "sp_trace", "sp_v_floor")
_RAW = object()  # --sp-v-floor none: distinct from "option not given" (None)


def _floor(text: str) -> object:
    if text.strip().lower() == "none":
        return _RAW
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None


def resolve_configs(args: argparse.Namespace):
    """Defaults < --config file < explicit options."""
    from spikeprop.config import TrainConfig, read_config_file
    from spikeprop.errors import SpikePropError
    from spikeprop.model import NetConfig

    net_d, train_d = read_config_file(args.config) if args.config else ({}, {})
    for k in NET_KEYS:
        v = getattr(args, k)
        if v is not None:
            if k == "sizes":
                try:
                    v = [int(s) for s in str(v).replace(" ", "").split(",") if s]
                except ValueError:
                    raise SpikePropError(f"--sizes must be comma-separated integers, got {args.sizes!r}") from None
            net_d[k] = v
    for k in TRAIN_KEYS:
        v = getattr(args, k)
        if v is not None:
            train_d[k] = None if v is _RAW else v
    try:
        return NetConfig.from_dict(net_d), TrainConfig.from_dict(train_d)
    except (ValueError, TypeError) as exc:
        raise SpikePropError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch

    from spikeprop.checkpoint import configs_of, load_checkpoint
    from spikeprop.errors import SpikePropError
    from spikeprop.rules.sparse import SparseDataset
    from spikeprop.trainer import Trainer, cross_validate, load_dataset

    net_cfg, cfg = resolve_configs(args)
    if args.resume:
        if args.resume == "auto" and not args.out:
            raise SpikePropError("--resume needs --out DIR (to find DIR/last.pt) or a checkpoint path")
        ckpt_path = Path(args.out) / "last.pt" if args.resume == "auto" else Path(args.resume)
        net_cfg, saved = configs_of(load_checkpoint(ckpt_path), ckpt_path)
        d = saved.to_dict()
        for k in ("epochs", "threads"):  # the only things a resume may change
            if getattr(args, k) is not None:
                d[k] = getattr(args, k)
        cfg = type(saved).from_dict(d)
        out = Path(args.out) if args.out else ckpt_path.parent
    else:
        out = Path(args.out) if args.out else Path("runs") / f"{cfg.method}-{time.strftime('%Y%m%d-%H%M%S')}"
        if (out / "last.pt").exists():
            raise SpikePropError(f"{out} already holds a run; use --resume to continue it or choose another --out")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    progress = not args.quiet
    train = load_dataset("train", cfg.T, cfg.window_ms, args.data)
    test = load_dataset("test", cfg.T, cfg.window_ms, args.data)
    print(f"data: {len(train)} train / {len(test)} test recordings, T={cfg.T} bins over "
          f"{cfg.window_ms:g} ms, {100 * train.density:.2f}% inputs active per step")
    if args.cv:
        if args.cv < 2:
            raise SpikePropError("--cv needs K >= 2")
        res = cross_validate(net_cfg, cfg, SparseDataset.concat(train, test), args.cv, out, progress)
        accs = ", ".join(f"{a:.3f}" for a in res["fold_acc"])
        print(f"{cfg.method}: {args.cv}-fold CV accuracy {100 * res['mean']:.1f} +- {100 * res['std']:.1f} % "
              f"(folds: {accs}); details in {out / 'cv.json'}")
        return 0
    trainer = Trainer(net_cfg, cfg, out, progress)
    if args.resume:
        trainer.resume(ckpt_path)
        print(f"resumed {ckpt_path} at epoch {trainer.epoch}/{cfg.epochs}")
    hist = trainer.fit(train, test)
    if hist:
        last = hist[-1]
        modes = ", ".join(f"{m} {100 * a:.1f}%" for m, a in last.get("test_modes", {}).items()
                          if m != "adaptive_comparisons")
        print(f"{cfg.method}: test accuracy {100 * last.get('test_acc', 0):.1f}% after {last['epoch']} epochs "
              f"(best {100 * trainer.best:.1f}%); modes: {modes}")
    print(f"run folder: {out}  (next: spikeprop evaluate {out / 'best.pt'})")
    return 0
