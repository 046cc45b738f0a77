"""Dead neurons: start every neuron silenced (a negative bias current pulls the membrane below
rest, so most never reach threshold) and watch two SP rules bring them back, or not.

SP-voltage's layer loss reads the membrane voltage, which moves even when a neuron never
spikes; SP-surrogate's reads sigmoid(slope * (v - threshold)), which is flat far below the
threshold. A neuron is *dead* if it never spikes on the validation recordings.

    python examples/dead_neurons.py          # full: 2312-200-200-10, T=25, 6 epochs
    python examples/dead_neurons.py --quick  # smoke run (also SPIKEPROP_QUICK=1)

The controlled study over more rules, settings and seeds is ``spikeprop.dead_neurons``.
"""
import argparse
import os
from pathlib import Path

import torch

from spikeprop.config import TrainConfig
from spikeprop.datasets import load_dataset
from spikeprop.model import NetConfig
from spikeprop.splits import split_dataset
from spikeprop.trainer import Trainer

RULES = ("sp-voltage", "sp-surrogate")
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--bias", type=float, default=-0.1, help="bias current of every neuron (default -0.1)")
parser.add_argument("--quick", action="store_true", default=os.environ.get("SPIKEPROP_QUICK") == "1")
parser.add_argument("--out", type=Path, default=Path("runs/examples/dead_neurons"))
args = parser.parse_args()
T, hidden, epochs = (10, 32, 2) if args.quick else (25, 200, 6)

train_all, test = load_dataset("train", T, 300.0), load_dataset("test", T, 300.0)
if args.quick:
    train_all = train_all.subset(torch.arange(0, len(train_all), 5))
train, val = split_dataset(train_all, fraction=0.1, seed=0)

histories = {}
for rule in RULES:
    net_cfg = NetConfig(sizes=[2312, hidden, hidden, 10], bias=args.bias)  # the silenced start
    trainer = Trainer(net_cfg, TrainConfig(method=rule, T=T, epochs=epochs), progress=False, plot=False)
    start = trainer.evaluate(val, "val")  # dead fraction per layer before any training
    histories[rule] = [start] + trainer.fit(train, val, test)  # each epoch: dead fraction on val
    dead = lambda rec: " ".join(f"{d:4.0%}" for d in rec["dead"])
    print(f"{rule:13s} dead per layer: start {dead(histories[rule][0])} -> end {dead(histories[rule][-1])};"
          f" test accuracy {histories[rule][-1]['test_acc']:.1%}")

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, len(RULES), figsize=(4.5 * len(RULES), 3.2), sharey=True)
for ax, (rule, history) in zip(axes, histories.items()):
    for layer in range(len(history[0]["dead"])):
        ax.plot(range(len(history)), [rec["dead"][layer] for rec in history], "o-", label=f"layer {layer + 1}")
    ax.set(title=f"{rule}, bias {args.bias:g}", xlabel="epoch (0 = before training)", ylim=(-0.02, 1.02))
    ax.legend(fontsize=8)
axes[0].set_ylabel("dead fraction (never spikes)")
fig.tight_layout()
args.out.mkdir(parents=True, exist_ok=True)
fig.savefig(args.out / "dead_fraction.png", dpi=110)
print(f"plot: {args.out / 'dead_fraction.png'}")
