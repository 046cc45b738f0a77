"""Keep learning on the device: the output layer of an SP-trained network is reset and then
learns on the chip model, online, one sample after another, with a three-factor rule Loihi 2
can run (dw = 2^lr_exp * presynaptic trace * error; the label arrives as a spike train into
the output neurons' dendrites). The hidden layer stays as SP trained it.

    python examples/learn_on_chip.py                    # Lava if installed, else the fallback
    python examples/learn_on_chip.py --backend fallback # the bit-exact numpy device model
    python examples/learn_on_chip.py --quick            # smoke run on the fallback (also SPIKEPROP_QUICK=1)

Prints and plots the test accuracy after each chunk of learned samples.
"""
import argparse
import os
from pathlib import Path

from export.backend import learner
from export.learning import LearningSpec
from spikeprop.artifacts import load_any
from spikeprop.config import TrainConfig
from spikeprop.datasets import load_dataset
from spikeprop.model import NetConfig
from spikeprop.onchip.data import load_spike_frames
from spikeprop.trainer import Trainer

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--checkpoint", type=Path, help="a spikeprop checkpoint (default: train a small one)")
parser.add_argument("--backend", choices=["auto", "lava", "fallback"],
                    help="default: auto (Lava if installed); fallback in quick mode")
parser.add_argument("--quick", action="store_true", default=os.environ.get("SPIKEPROP_QUICK") == "1")
parser.add_argument("--out", type=Path, default=Path("runs/examples/learn_on_chip"))
args = parser.parse_args()
args.backend = args.backend or ("fallback" if args.quick else "auto")  # Lava learns ~2 samples/s
# T=30 steps per sample: the rule's default gains (LearningSpec) are set for it
T, n_learn, every = (30, 200, 50) if args.quick else (30, 1000, 100)

if args.checkpoint is None:  # SP-surrogate, 1 epoch (quick) or 3, so the hidden layer has features
    T_train = 10 if args.quick else 30
    trainer = Trainer(NetConfig(sizes=[2312, 32 if args.quick else 200, 10]),
                      TrainConfig(T=T_train, epochs=1 if args.quick else 3, val_fraction=0.0),
                      out=args.out / "model", progress=False, plot=False)
    trainer.fit(load_dataset("train", T_train, 300.0))
    args.checkpoint = args.out / "model" / "best.pt"

network = load_any(args.checkpoint).network  # float; the learner quantises it to Loihi fixed point
spec = LearningSpec(layers="output", reset_weights=True)  # output layer starts from all-zero weights
device = learner(network, spec, backend=args.backend, precision="fixed")
xtr, ytr = load_spike_frames("train", T)  # (N, T, 2312) booleans: the chip sees spikes
xte, yte = load_spike_frames("test", T)
print(f"learning on {device.backend}: {n_learn} samples x {T} steps, test accuracy every {every}")

samples, accuracy = [0], [device.accuracy(xte, yte)]
for start in range(0, n_learn, every):
    run = device.learn(xtr[start:start + every], ytr[start:start + every])  # online, sample by sample
    samples.append(start + every)
    accuracy.append(device.accuracy(xte, yte))  # frozen inference on the 100 test recordings
    print(f"  after {samples[-1]:5d} samples: test accuracy {accuracy[-1]:6.1%} ({run.seconds:.1f} s)")

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(samples, accuracy, "o-", label=f"output layer learning on {device.backend}")
ax.axhline(0.1, color="grey", linestyle=":", label="chance")
ax.set(xlabel="training samples seen on the device", ylabel="test accuracy", ylim=(0, 1))
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(args.out / "accuracy.png", dpi=110)
print(f"accuracy curve: {args.out / 'accuracy.png'}")
