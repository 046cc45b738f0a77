"""``deploy ... --learn``: stream the embedded training samples with targets through a learning
network (fallback, or Lava for a short stream), freeze, report test accuracy, weight changes and a
PNG of accuracy over learning steps. ``spikeprop deploy`` calls :func:`run_learning` with its args.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from export.learning.data import load_frames
from export.learning.experiment import plot_accuracy, random_layer, run_experiment
from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams
from export.learning.rule import ThreeFactorRule


def output_layer(n_in: int, n_classes: int = 10, *, lr_exp: int = -7, x1_impulse: int = 4,
                 e_shift: int = 3, vth: int = 256, target_w: int = 8, fb: int = 32,
                 seed: int = 7) -> LearningLayer:
    """Untrained (all-zero) plastic output layer; the one-hot target drives each neuron's dendrite."""
    return LearningLayer(weights=np.zeros((n_classes, n_in), dtype=np.int32),
                         neuron=SPNeuronParams(vth=vth, fb=fb, e_shift=e_shift),
                         rule=ThreeFactorRule(lr_exp=lr_exp, x1_impulse=x1_impulse, x1_tau=4, rng_seed=seed),
                         target_weights=np.eye(n_classes, dtype=np.int32) * target_w)


def hidden_plastic_layer(n_in: int, n_out: int, n_classes: int = 10, *, amp: int = 100, vth: int = 300,
                         lr_exp: int = -7, x1_impulse: int = 4, e_shift: int = 3, target_w: int = 8,
                         fb: int = 32, seed: int = 1) -> LearningLayer:
    """Plastic hidden layer: random initial weights; its dendrites see a fixed random (+/-) projection
    of the target (the target signal reaching every layer, forward only, no backward pass)."""
    rng = np.random.default_rng(seed)
    base = random_layer(n_in, n_out, amp, vth, seed)
    proj = rng.choice([-target_w, target_w], size=(n_out, n_classes)).astype(np.int32)
    return LearningLayer(weights=base.weights, neuron=SPNeuronParams(vth=vth, fb=fb, e_shift=e_shift),
                         rule=ThreeFactorRule(lr_exp=lr_exp, x1_impulse=x1_impulse, x1_tau=4, rng_seed=seed + 10),
                         target_weights=proj)


def build_network(kind: str, hidden: int = 200, seed: int = 0) -> LearningNetwork:
    """``output``: frozen random hidden layer + plastic output; ``hidden``: both layers plastic."""
    if kind == "output":
        return LearningNetwork([random_layer(2312, hidden, 100, 300, seed), output_layer(hidden)])
    if kind == "hidden":
        return LearningNetwork([hidden_plastic_layer(2312, hidden, seed=seed + 1), output_layer(hidden)])
    raise ValueError(f"unknown learning network {kind!r}; choose 'output' or 'hidden'")


def add_learning_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("on-chip learning (--learn)")
    g.add_argument("--learn", action="store_true", help="learn on the device model, then freeze and test")
    g.add_argument("--learn-layers", choices=["output", "hidden"], default="output",
                   help="output: plastic output layer on frozen hidden; hidden: all layers plastic")
    g.add_argument("--learn-samples", type=int, default=1000)
    g.add_argument("--learn-T", type=int, default=60, help="time bins per sample")
    g.add_argument("--learn-hidden", type=int, default=200)
    g.add_argument("--learn-eval-every", type=int, default=100, help="evaluate every N training samples")
    g.add_argument("--learn-out", default="runs/learn", help="directory for learning.json and accuracy.png")


def run_learning(args: argparse.Namespace) -> dict:
    """Run the learning experiment described by ``args`` (fallback backend) and write its report."""
    t0 = time.perf_counter()
    T = args.learn_T
    xtr, ytr = load_frames("train", T)
    xte, yte = load_frames("test", T)
    n = min(args.learn_samples, len(xtr))
    net = build_network(args.learn_layers, args.learn_hidden)
    print(f"learning ({args.learn_layers} layers plastic) on {n} training samples x {T} steps "
          f"= {n * T} learning steps, fallback fixed point")
    res, _ = run_experiment(net, xtr[:n], ytr[:n], xte, yte, eval_every=args.learn_eval_every,
                            train_acc_samples=200)
    out = Path(args.learn_out)
    out.mkdir(parents=True, exist_ok=True)
    plot_accuracy({f"{args.learn_layers} plastic (fallback, fixed)": res}, str(out / "accuracy.png"))
    report = {"layers": args.learn_layers, "samples": n, "T": T, **asdict(res),
              "total_seconds": time.perf_counter() - t0}
    (out / "learning.json").write_text(json.dumps(report, indent=1))
    for s, a in zip(res.samples, res.test_acc):
        print(f"  after {s:5d} samples: test accuracy {100 * a:5.1f} %")
    print(f"final test accuracy {100 * res.final_test_acc:.1f} % (chance 10 %), train(200) "
          f"{100 * (res.final_train_acc or 0):.1f} %; {res.learning_steps_per_s:.0f} learning steps/s")
    for w in res.weight_stats:
        print(f"  layer {w['layer']} {w['shape']}: {100 * w['changed_frac']:.1f} % of weights changed, "
              f"mean |dw| {w['mean_abs_dw']:.2f}, max |dw| {w['max_abs_dw']}, saturated "
              f"{100 * w['saturated_frac']:.2f} %")
    print(f"wrote {out / 'learning.json'} and {out / 'accuracy.png'}")
    return report


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m export.learning.cli", description=__doc__)
    add_learning_args(p)
    return run_learning(p.parse_args(argv))


if __name__ == "__main__":
    main()
