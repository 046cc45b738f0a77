"""``spikeprop deploy CKPT --learn``: stream the embedded training samples with their targets through
a learning network (fallback, or Lava for a short stream), freeze it, report test accuracy, weight
changes and a PNG of accuracy over learning steps. ``spikeprop deploy`` calls :func:`run_learning`.

With a checkpoint (``deploy CKPT --learn``) the hidden layers come from the checkpoint (SP-trained,
quantised) and the plastic layers (``--learn-layers``) are reset to untrained unless
``--learn-keep-weights``. Without one (``python -m export.learning.cli --learn``) a random
frozen hidden layer is used (the earlier experiment).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from export.learning.data import load_frames
from export.learning.experiment import ExperimentResult, plot_accuracy, random_layer
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


def add_learning_args(p: argparse.ArgumentParser, standalone: bool = False) -> None:
    g = p.add_argument_group("on-chip learning (--learn)")
    g.add_argument("--learn", action="store_true", help="learn on the device model, then freeze and test")
    g.add_argument("--learn-layers", choices=["output", "all", "hidden"], default="output",
                   help="output: plastic output layer on frozen (checkpoint) hidden layers; all: every layer "
                        "plastic ('hidden' is an alias of 'all')")
    g.add_argument("--learn-keep-weights", action="store_true",
                   help="plastic layers start from the checkpoint's weights (default: reset to untrained)")
    g.add_argument("--learn-no-state-reset", action="store_true",
                   help="run the samples back to back without zeroing the neuron state between them")
    g.add_argument("--learn-samples", type=int, default=1000, help="training samples streamed (default 1000)")
    g.add_argument("--learn-T", type=int, default=None, help="time bins per sample (default: checkpoint's, else 30)")
    g.add_argument("--learn-lr-exp", type=int, default=-7, help="output rule: dw = 2^e * x1 * (y2 - y3)")
    g.add_argument("--learn-hidden-lr-exp", type=int, default=-7)
    g.add_argument("--learn-e-shift", type=int, default=2, help="third factor = dendrite / 2^(6 + e_shift)")
    g.add_argument("--learn-hidden-x1-impulse", type=int, default=None,
                   help="pre-trace impulse of hidden plastic layers only (default: same as the output's, 4)")
    g.add_argument("--learn-hidden-e-shift", type=int, default=None,
                   help="e_shift of hidden plastic layers only (default: same as --learn-e-shift)")
    g.add_argument("--learn-hidden", type=int, default=200, help="hidden width without a checkpoint")
    g.add_argument("--learn-eval-every", type=int, default=100, help="evaluate every N training samples")
    g.add_argument("--learn-out", default="runs/learn", help="directory for learning.json and accuracy.png")
    g.add_argument("--learn-seed", type=int, default=7)
    if standalone:
        p.add_argument("model", nargs="?", default=None, help="checkpoint (.pt) or network (.npz); none: random hidden")
        p.add_argument("--backend", choices=("lava", "fallback", "auto"), default="fallback")
        p.add_argument("--precision", choices=("float", "fixed"), default="fixed",
                       help="fixed: Loihi arithmetic (bit-exact with Lava); float: the rule in float64 "
                            "(fallback = Lava's float engine)")


def _spec(args: argparse.Namespace):
    from export.learning.spec import LearningSpec

    layers = "all" if args.learn_layers in ("all", "hidden") else "output"
    return LearningSpec(layers=layers, reset_weights=not args.learn_keep_weights,
                        reset_state=not args.learn_no_state_reset, lr_exp=args.learn_lr_exp,
                        hidden_lr_exp=args.learn_hidden_lr_exp, e_shift=args.learn_e_shift, seed=args.learn_seed,
                        hidden_x1_impulse=getattr(args, "learn_hidden_x1_impulse", None),
                        hidden_e_shift=getattr(args, "learn_hidden_e_shift", None))


def _torch_accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    from spikeprop.cli.deploy import torch_reference

    ref, _ = torch_reference(model, np.swapaxes(x, 0, 1))
    return float((ref[-1].sum(axis=0).argmax(axis=1) == y).mean())  # spike counts, as the learner reads out


def run_learning(args: argparse.Namespace) -> dict:
    """Learn on the device model as ``args`` say, freeze, test; write learning.json + accuracy.png."""
    from export.learning.spec import DeviceLearner, to_learning_network, weight_change_stats

    t0 = time.perf_counter()
    backend = getattr(args, "backend", "fallback")
    if backend == "auto":
        from export.lava import lava_available

        backend = "lava" if lava_available() else "fallback"
    precision = getattr(args, "precision", "fixed")
    spec = _spec(args)
    model_path = getattr(args, "model", None)
    model, info = None, {}
    if model_path:
        from export.load import load_any

        loaded = load_any(model_path)
        model = loaded.model
        T = args.learn_T or loaded.T or 30
        lnet = to_learning_network(loaded.network, spec)
        source = str(model_path)
    else:
        T = args.learn_T or 30
        lnet = build_network("hidden" if spec.layers == "all" else "output", args.learn_hidden, seed=0)
        source = "random frozen hidden layer (no checkpoint)"
    dev = DeviceLearner(lnet, spec, backend, precision)
    xtr, ytr = load_frames("train", T)
    xte, yte = load_frames("test", T)
    n = min(args.learn_samples, len(xtr))
    every = max(1, args.learn_eval_every)
    if model is not None:
        info["torch_test_acc"] = _torch_accuracy(model, xte, yte)
        ref = DeviceLearner(to_learning_network(loaded.network, replace(spec, reset_weights=False)), spec)
        info["checkpoint_fixed_test_acc"] = ref.accuracy(xte, yte)
    plastic = [l.plastic for l in lnet.layers]
    print(f"learning on {backend} ({precision}): {source}; sizes {[lnet.n_in] + [l.shape[0] for l in lnet.layers]}, "
          f"plastic layers {[i for i, p in enumerate(plastic) if p]}, {n} samples x {T} steps = {n * T} learning steps"
          f"{', state reset per sample' if spec.reset_state else ''}")
    before = dev.weights
    steps, samples, acc = [0], [0], [dev.accuracy(xte, yte)]
    learn_s = 0.0
    for i in range(0, n, every):  # one learning run per chunk: identical on Lava and the fallback
        run = dev.learn(xtr[i:i + every], ytr[i:i + every])
        learn_s += run.seconds
        done = min(i + every, n)
        steps.append(done * T), samples.append(done), acc.append(dev.accuracy(xte, yte))
        print(f"  after {done:5d} samples ({done * T:6d} learning steps): test accuracy {100 * acc[-1]:5.1f} %")
    final = {"final_test_acc": acc[-1], "train_acc_200": dev.accuracy(xtr[:200], ytr[:200])}
    if precision == "fixed":
        # freeze: the learned network as a plain exported Network, run by the export layer's backend
        frozen = dev.to_network()
        if backend == "lava":
            from export.lava.build import run_lava

            res = run_lava(frozen, np.swapaxes(xte, 0, 1))
        else:
            from export.fallback import simulate

            res = simulate(frozen, np.swapaxes(xte, 0, 1))
        final["frozen_export_test_acc"] = float((res.spikes.sum(axis=0).argmax(axis=1) == yte).mean())
    stats = weight_change_stats(before, dev.weights, plastic)
    report = {"source": source, "backend": backend, "precision": precision, "T": T, "samples": n,
              "spec": asdict(spec), "steps": steps, "samples_curve": samples, "test_acc": acc, **final, **info,
              "chance": 1.0 / lnet.n_classes, "weight_stats": stats, "learning_seconds": learn_s,
              "learning_steps_per_s": n * T / max(learn_s, 1e-9), "total_seconds": time.perf_counter() - t0}
    out = Path(args.learn_out)
    out.mkdir(parents=True, exist_ok=True)
    res_obj = ExperimentResult(steps=steps, samples=samples, test_acc=acc)
    label = f"{'all' if spec.layers == 'all' else 'output'} plastic ({backend}, {precision})"
    plot_accuracy({label: res_obj}, str(out / "accuracy.png"))
    (out / "learning.json").write_text(json.dumps(report, indent=1, default=str))
    line = f"final test accuracy {100 * final['final_test_acc']:.1f} % (chance {100 / lnet.n_classes:.0f} %)"
    if "frozen_export_test_acc" in final:
        line += f"; frozen network via export {backend}: {100 * final['frozen_export_test_acc']:.1f} %"
    if "torch_test_acc" in info:
        line += (f"; checkpoint: torch {100 * info['torch_test_acc']:.1f} %, "
                 f"fixed {100 * info['checkpoint_fixed_test_acc']:.1f} %")
    print(line)
    print(f"train accuracy (first 200): {100 * final['train_acc_200']:.1f} %; "
          f"{report['learning_steps_per_s']:.0f} learning steps/s")
    for w in stats:
        print(f"  layer {w['layer']} {w['shape']}: {100 * w['changed_frac']:.1f} % of weights changed, "
              f"mean |dw| {w['mean_abs_dw']:.2f}, max |dw| {w['max_abs_dw']:.0f}, saturated "
              f"{100 * w['saturated_frac']:.2f} %")
    print(f"wrote {out / 'learning.json'} and {out / 'accuracy.png'}")
    return report


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m export.learning.cli", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_learning_args(p, standalone=True)
    return run_learning(p.parse_args(argv))


if __name__ == "__main__":
    main()
