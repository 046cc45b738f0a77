"""Train spiking networks with Signal Propagation (SP) on the embedded N-MNIST subset.

SP is forward-only and layer-local: the label becomes a target spike pattern that is fed
forward through the same weights as the data, and each layer learns to make a sample's
activity similar to its class target. Three rules are trained here, each with its neuron:
SP-voltage (LIF), SP-surrogate (LIF) and two-compartment SP (sp-dendritic: the dendrite integrates the
target pass through the same weights, on the two-compartment neuron).
``best.pt`` of each run is the epoch with the best accuracy on a validation split held out
of the training recordings; the test split is only reported.

    python examples/train_sp.py           # full: 2312-200-10, T=30, 5 epochs each
    python examples/train_sp.py --quick   # smoke run (also SPIKEPROP_QUICK=1)

Prints each rule's validation-chosen test accuracy; plots per-layer firing rates over epochs.
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

RUNS = [("sp-voltage", "lif"), ("sp-surrogate", "lif"), ("sp-dendritic", "two_compartment")]

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--quick", action="store_true", default=os.environ.get("SPIKEPROP_QUICK") == "1")
parser.add_argument("--out", type=Path, default=Path("runs/examples/train_sp"))
args = parser.parse_args()
T, hidden, epochs = (10, 32, 2) if args.quick else (30, 200, 5)

# The embedded subset: 1,000 training and 100 test recordings, binned into T frames of 2312 channels.
train_all, test = load_dataset("train", T, 300.0), load_dataset("test", T, 300.0)
if args.quick:  # every 5th recording (all classes stay in)
    train_all = train_all.subset(torch.arange(0, len(train_all), 5))
train, val = split_dataset(train_all, fraction=0.1, seed=0)  # stratified, held out of training
print(f"{len(train)} training, {len(val)} validation, {len(test)} test recordings; T={T}")

histories = {}
for method, neuron in RUNS:
    net_cfg = NetConfig(sizes=[2312, hidden, 10], neuron=neuron)
    cfg = TrainConfig(method=method, T=T, epochs=epochs, seed=0)
    trainer = Trainer(net_cfg, cfg, out=args.out / method, progress=False, plot=False)
    history = trainer.fit(train, val, test)  # writes best.pt (chosen on val) and last.pt
    best = history[trainer.best_epoch - 1]
    print(f"{method:19s} {neuron:15s} best epoch {trainer.best_epoch}: val {best['val_acc']:6.1%}  "
          f"test {best['test_acc']:6.1%}  ({sum(r['time_s'] for r in history):.0f} s)")
    histories[method] = history

# Firing rate of each layer during training (spikes per neuron per step), epoch by epoch.
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, len(RUNS), figsize=(4 * len(RUNS), 3.2), sharey=True)
for ax, (method, history) in zip(axes, histories.items()):
    epochs_axis = [r["epoch"] for r in history]
    for layer in range(len(history[0]["train_rate"])):
        ax.plot(epochs_axis, [r["train_rate"][layer] for r in history], "o-", label=f"layer {layer + 1}")
    ax.set(title=method, xlabel="epoch")
    ax.legend(fontsize=8)
axes[0].set_ylabel("firing rate (spikes/step)")
fig.tight_layout()
fig.savefig(args.out / "firing_rates.png", dpi=110)
print(f"checkpoints in {args.out}/<rule>/best.pt; plot: {args.out / 'firing_rates.png'}")
