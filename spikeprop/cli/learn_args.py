"""The ``--learn-*`` options of ``spikeprop deploy`` and the ``LearnSetup`` they describe."""
from __future__ import annotations

import argparse
from typing import Any


def add_learning_args(p: argparse.ArgumentParser) -> None:
    from spikeprop.validate import positive_int

    g = p.add_argument_group("on-chip learning (--learn)")
    g.add_argument("--learn", action="store_true", help="learn on the device model, then freeze and test")
    g.add_argument("--learn-rule", choices=["sp", "drtp"], default="sp",
                   help="sp (default): two-phase Signal Propagation, the class's target pattern through the same "
                        "weights, then the input; drtp: label one-hot into the output dendrite, fixed random "
                        "projection of it into hidden dendrites")
    g.add_argument("--learn-sizes", default=None,
                   help="without a checkpoint (CKPT '-'): untrained network sizes, e.g. 2312,256,256,10")
    g.add_argument("--learn-passes", type=int, default=None,
                   help="passes over the training recordings (default: sp 3, chosen on validation; drtp 1)")
    g.add_argument("--learn-val", type=int, default=200,
                   help="training recordings held out for validation (the learning curve); test is scored once")
    g.add_argument("--learn-target-steps", type=int, default=None, help="sp: target-phase steps per sample")
    g.add_argument("--learn-skip", type=int, default=None, help="sp: input-phase steps before learning starts")
    g.add_argument("--learn-act", choices=["surrogate", "voltage"], default=None,
                   help="sp: activity compared (hard-sigmoid window around vth, or floored voltage)")
    g.add_argument("--learn-layers", choices=["output", "all", "hidden"], default="output",
                   help="output: plastic output layer on frozen (checkpoint) hidden layers; all: every layer "
                        "plastic ('hidden' is an alias of 'all')")
    g.add_argument("--learn-keep-weights", action="store_true",
                   help="plastic layers start from the checkpoint's weights (default: reset to untrained)")
    g.add_argument("--learn-no-state-reset", action="store_true",
                   help="run the samples back to back without zeroing the neuron state between them")
    g.add_argument("--learn-samples", type=positive_int, default=1000, help="training samples per pass (default: all)")
    g.add_argument("--learn-T", type=positive_int, default=None, help="time bins per sample (default: checkpoint's, else 30)")
    g.add_argument("--learn-lr-exp", type=int, default=None, help="output rule: dw = 2^e * x1 * (y2 - y3) (-7)")
    g.add_argument("--learn-hidden-lr-exp", type=int, default=None)
    g.add_argument("--learn-e-shift", type=int, default=None,
                   help="third factor = error / 2^(6 + e_shift) (rule default: drtp 2, sp: see LearningSpec.for_rule)")
    g.add_argument("--learn-hidden-x1-impulse", type=int, default=None,
                   help="pre-trace impulse of hidden plastic layers only (default: same as the output's, 4)")
    g.add_argument("--learn-hidden-e-shift", type=int, default=None,
                   help="e_shift of hidden plastic layers only (default: drtp same as --learn-e-shift, sp its own)")
    g.add_argument("--learn-hidden", type=positive_int, default=200, help="hidden width without a checkpoint")
    g.add_argument("--learn-eval-every", type=positive_int, default=100, help="evaluate every N training samples")
    g.add_argument("--learn-out", default="runs/learn", help="directory for learning.json and accuracy.png")
    g.add_argument("--learn-seed", type=int, default=7)


def learn_setup(args: argparse.Namespace) -> Any:
    """The parsed ``--learn-*`` options as a ``spikeprop.onchip.experiment.LearnSetup`` (options
    left unset take the chosen rule's defaults, ``LearningSpec.for_rule``)."""
    from export.learning import LearningSpec
    from spikeprop.onchip.experiment import LearnSetup, default_passes

    given = {"lr_exp": args.learn_lr_exp, "hidden_lr_exp": args.learn_hidden_lr_exp, "e_shift": args.learn_e_shift,
             "target_steps": args.learn_target_steps, "learn_skip": args.learn_skip, "act": args.learn_act,
             "hidden_e_shift": args.learn_hidden_e_shift}
    spec = LearningSpec.for_rule(args.learn_rule, layers="all" if args.learn_layers in ("all", "hidden") else "output",
                                 reset_weights=not args.learn_keep_weights, reset_state=not args.learn_no_state_reset,
                                 seed=args.learn_seed, hidden_x1_impulse=args.learn_hidden_x1_impulse,
                                 **{k: v for k, v in given.items() if v is not None})
    sizes = tuple(int(n) for n in args.learn_sizes.split(",")) if args.learn_sizes else None
    return LearnSetup(spec=spec, samples=args.learn_samples, T=args.learn_T or getattr(args, "T", None),
                      hidden=args.learn_hidden, eval_every=args.learn_eval_every,
                      passes=default_passes(args.learn_rule) if args.learn_passes is None else args.learn_passes,
                      val=args.learn_val, sizes=sizes, data=getattr(args, "data", None),
                      window_ms=getattr(args, "window_ms", None), n_test=getattr(args, "n_samples", None))
