"""``spikeprop train``: train a spiking network with SP or a BPTT/BP baseline."""
from __future__ import annotations

import argparse

EPILOG = """\
methods:
  sp-surrogate        SP, layer loss on sigmoid(v_pre - vth) (before the spike)
  sp-voltage          SP, layer loss on the membrane voltage itself (no surrogate at all)
  sp-dendritic        two-compartment SP: each layer's dendrite integrates the target pass
                      (the class's target signal fed forward through the same weights), the
                      soma the input; dW from their difference, an explicit 3-factor rule
                      (--tc-error surrogate|voltage: SP-surrogate or SP-voltage semantics)
  drtp-two-compartment  baseline, NOT SP: hidden dendrites get a fixed random +-1 projection
                      of the label (direct random target projection); same 3-factor rule
  bptt                backpropagation through time with a surrogate gradient (snntorch)
  bptt-boxcar         BPTT whose surrogate is zero outside |v - vth| < 0.5: dead neurons get
                      no gradient, live ones do (the dead-neuron control)
  shallow             only the output layer learns (hidden layers stay random)
  sp-onchip           the on-chip two-phase SP rule of `spikeprop deploy --learn` (same network,
                      stream, neuron and online update; float), for one-to-one comparison
Old names in config files and checkpoints still load, with a note: sp-two-compartment ->
drtp-two-compartment; bp-heaviside -> bptt with surrogate heaviside (equal to shallow).

examples:
  spikeprop train                                   # SP-surrogate on the embedded N-MNIST subset
  spikeprop train --method bptt --epochs 5 --out runs/bptt
  spikeprop train --method sp-voltage --sizes 2312,400,400,10 --T 50
  spikeprop train --data ~/N-MNIST --epochs 30 --batch-size 128   # binned once, then cached
  spikeprop train --dataset fashion-mnist --encoding latency --T 20   # 784-800-10
  spikeprop train --out runs/bptt --resume          # continue runs/bptt/last.pt
  spikeprop train --cv 5 --method sp-surrogate      # 5-fold CV over the 1,000 training recordings
  spikeprop train --val-fraction 0.2                # hold out 20 % of the training recordings

Model selection: best.pt is the epoch with the best accuracy on a validation split held out
of the training recordings (stratified, seeded, --val-fraction, default 10 %). The test split
is scored every epoch for reporting only; nothing is chosen on it.
  spikeprop train --workers 2                       # data-parallel on 2 processes (torchrun -m spikeprop ...)
  spikeprop train --config run.json                 # {"net": {...}, "train": {...}}

Output folder: config.json, metrics.jsonl (one line per epoch), last.pt, best.pt,
curves.png. Then: spikeprop evaluate OUT/best.pt"""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train", help=summary, description=summary[0].upper() + summary[1:] + ".",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    from spikeprop.config import METHODS, ORDERS  # light module
    from spikeprop.validate import int_at_least, positive_float, positive_int, unit_interval

    add_data_args(p)
    p.add_argument("--method", choices=METHODS, help="learning rule (default sp-surrogate)")
    p.add_argument("--neuron", choices=("lif", "cuba_lif", "two_compartment"), help="neuron model (default lif)")
    p.add_argument("--sizes", metavar="N,N,..", help="layer widths incl. input and output (default 2312,800,10)")
    p.add_argument("--T", type=positive_int, help="time bins per recording (default 30, over 300 ms) or steps per image")
    p.add_argument("--batch-size", type=positive_int, dest="batch_size", help="samples per batch (default 32)")
    p.add_argument("--epochs", type=positive_int, help="total epochs (default 15)")
    p.add_argument("--lr", type=positive_float,
                   help="Adam learning rate (default 1e-3 for sp-voltage and sp-surrogate, 5e-4 for the others)")
    p.add_argument("--seed", type=int, help="seed for weights, target signal and batch order (default 0)")
    p.add_argument("--threads", type=positive_int, help="torch threads (default: torch's choice)")
    add_sp_args(p)
    p.add_argument("--output", choices=("classifier", "sp"),
                   help="output layer: local classifier or SP loss (default classifier)")
    p.add_argument("--out", metavar="DIR", help="output folder (default runs/METHOD-TIMESTAMP)")
    p.add_argument("--resume", nargs="?", const="auto", metavar="CKPT",
                   help="continue from CKPT (default OUT/last.pt) with its configuration")
    p.add_argument("--config", metavar="FILE", help="JSON config; command-line options override it")
    p.add_argument("--val-fraction", type=unit_interval, dest="val_fraction", metavar="F",
                   help="fraction of the training recordings held out to choose best.pt (default 0.1; "
                        "0: choose on training accuracy)")
    p.add_argument("--order", choices=ORDERS,
                   help="shuffled: stratified validation split, shuffled epochs; file: file order, the last "
                        "recordings held out (deploy --learn's stream). Default: file for sp-onchip, else shuffled")
    p.add_argument("--cv", type=int_at_least(2), metavar="K",
                   help="K-fold cross-validation over the training recordings (validation inside each fold)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="data-parallel training on N worker processes of this machine (torchrun, gloo; "
                        "same weights as one process with the same total batch; docs/distributed.md)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def add_sp_args(p: argparse.ArgumentParser) -> None:
    """Options of the Signal Propagation layer loss (ignored by the baselines)."""
    from spikeprop.validate import positive_int, unit_interval

    p.add_argument("--update-every", type=positive_int, dest="update_every", metavar="K",
                   help="SP and two-compartment rules: local loss + weight update every K time "
                        "steps (default 10; 1 = every step)")
    p.add_argument("--tc-error", choices=("surrogate", "voltage"), dest="tc_error",
                   help="sp-dendritic: error with SP-surrogate or SP-voltage semantics (default surrogate)")
    p.add_argument("--loss", choices=("contrastive", "l2"), help="SP layer loss (default contrastive)")
    p.add_argument("--sp-trace", type=unit_interval, dest="sp_trace", metavar="DECAY",
                   help="SP: gradient through an eligibility trace of the input (e.g. 0.9; default 0)")
    p.add_argument("--sp-v-floor", dest="sp_v_floor", metavar="V|none", type=_floor,
                   help="SP-voltage: the loss sees max(v_pre, V) (default 0, the depolarisation); "
                        "'none' = the raw voltage, which keeps a gradient for silent neurons")
    p.add_argument("--sp-rate-weight", type=float, dest="sp_rate_weight", metavar="W",
                   help="SP: weight of the homeostatic firing-rate term in each layer's own loss "
                        "(default 10; 0 = the plain SP loss; docs/sp_depth.md)")
    p.add_argument("--sp-rate-layers", choices=("all", "feeding"), dest="sp_rate_layers",
                   help="SP: layers with the rate term: all hidden layers, or only those feeding another "
                        "hidden layer (default all)")
    p.add_argument("--shallow-activity", type=unit_interval, dest="shallow_activity", metavar="F",
                   help="shallow: scale the fixed random hidden layers up, before training, until this fraction "
                        "of (sample, neuron) pairs spike on 256 training samples (default 0.3; 0 = plain init)")


def add_data_args(p: argparse.ArgumentParser) -> None:
    """--data, --dataset, --encoding."""
    from spikeprop.config import DATASETS, ENCODINGS  # light module

    p.add_argument("--data", metavar="DIR", help="N-MNIST folder (Train/ and Test/; default: embedded subset) "
                   "or Fashion-MNIST folder (the four IDX files; default /usr/share/datasets/fashion-mnist)")
    p.add_argument("--dataset", choices=DATASETS, help="nmnist (default) or fashion-mnist (input width 784)")
    p.add_argument("--encoding", choices=ENCODINGS,
                   help="static images: rate (Bernoulli per step, default) or latency (one spike, brighter = earlier)")


NET_KEYS = ("neuron", "sizes")
TRAIN_KEYS = ("method", "dataset", "encoding", "T", "batch_size", "epochs", "lr", "seed", "threads", "update_every",
              "loss", "output", "sp_trace", "sp_v_floor", "val_fraction", "order", "sp_rate_weight", "sp_rate_layers",
              "tc_error", "shallow_activity")
_RAW = object()  # --sp-v-floor none: distinct from "option not given" (None)


def _floor(text: str) -> object:
    if text.strip().lower() == "none":
        return _RAW
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}") from None


def given_options(args: argparse.Namespace) -> tuple[dict, dict]:
    """The network and training options given on the command line (``--sizes`` parsed)."""
    from spikeprop.errors import SpikePropError

    net = {k: getattr(args, k) for k in NET_KEYS if getattr(args, k) is not None}
    if "sizes" in net:
        try:
            net["sizes"] = [int(s) for s in str(net["sizes"]).replace(" ", "").split(",") if s]
        except ValueError:
            raise SpikePropError(f"--sizes must be comma-separated integers, got {args.sizes!r}") from None
    train = {k: getattr(args, k) for k in TRAIN_KEYS if getattr(args, k) is not None}
    if train.get("sp_v_floor") is _RAW:
        train["sp_v_floor"] = None
    return net, train


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers != 1:
        import sys

        from spikeprop.distributed import launch_workers

        return launch_workers(args.workers, sys.argv[1:])  # drops --workers; each worker runs this command
    from spikeprop import runs
    from spikeprop.cli.__main__ import set_threads

    net, train_opts = given_options(args)
    plan = runs.plan_run(*runs.resolve_configs(net, train_opts, args.config), args.out, args.resume,
                         {"epochs": args.epochs, "threads": args.threads}, given=(net, train_opts))
    cfg, out = plan.cfg, plan.out
    if args.threads is None:
        set_threads(cfg.threads)  # from --config or the resumed checkpoint
    with runs.hold_run_folder(plan):  # one run per folder, for the run's whole life
        train, val, test = runs.load_splits(cfg, args.data, not args.quiet)
        runs.check_data(plan, train, val, args.cv)
        print(data_line(cfg, train, val, test))
        if args.cv:
            res = runs.cross_validate_run(plan, train, val, args.cv, not args.quiet)
            print(f"{cfg.method}: {args.cv}-fold CV test accuracy {100 * res['mean']:.1f} +- "
                  f"{100 * res['std']:.1f} % (validation-selected; final epoch {100 * res['mean_final']:.1f} +- "
                  f"{100 * res['std_final']:.1f} %); details in {out / 'cv.json'}")
            return 0
        trainer = runs.start_trainer(plan, not args.quiet)
        if plan.resume_from is not None:
            print(f"resumed {plan.resume_from} at epoch {trainer.epoch}/{cfg.epochs}")
        print_summary(cfg.method, trainer.fit(train, val, test), trainer)
    print(f"run folder: {out}  (next: spikeprop evaluate {out / 'best.pt'})")
    return 0


def data_line(cfg, train, val, test) -> str:
    """One line: how many samples of each split, and how they are turned into spikes."""
    images = cfg.dataset != "nmnist"
    counts = (f"data: {cfg.dataset}, {len(train)} train / {len(val) if val else 0} validation / {len(test)} test "
              f"{'images' if images else 'recordings'}, ")
    coding = f"{cfg.encoding} code over T={cfg.T} steps" if images else f"T={cfg.T} bins over {cfg.window_ms:g} ms"
    return counts + f"{coding}, {100 * train.density:.2f}% inputs active per step"


def print_summary(method: str, hist: list[dict], trainer) -> None:
    """Test accuracy of best.pt (chosen on validation data) and of the final epoch."""
    from spikeprop.trainer import selected_record

    if not hist:
        return
    best, last = selected_record(hist, trainer.best_epoch), hist[-1]
    chosen = f"validation {100 * best['val_acc']:.1f}%" if "val_acc" in best else "training accuracy"
    modes = ", ".join(f"{m} {100 * a:.1f}%" for m, a in best.get("test_modes", {}).items()
                      if m != "adaptive_comparisons")
    print(f"{method}: test accuracy {100 * best.get('test_acc', 0):.1f}% at epoch {best['epoch']} "
          f"(best.pt, chosen on {chosen}); final epoch {last['epoch']}: {100 * last.get('test_acc', 0):.1f}%; "
          f"modes at best.pt: {modes}")
