"""Deploy a trained checkpoint: quantise it to Loihi 2 fixed point, run it on Lava and on the
bit-exact numpy fallback, and check that both give the same spikes.

    python examples/deploy_lava.py                       # trains a small model first if needed
    python examples/deploy_lava.py --checkpoint runs/examples/train_sp/sp-surrogate/best.pt
    python examples/deploy_lava.py --quick               # smoke run (also SPIKEPROP_QUICK=1)

Without lava-nc (``./run install`` installs it) only the fallback runs. Plots the output
layer's spikes of one test sample on both backends.
"""
import argparse
import os
from pathlib import Path

import numpy as np

from export.backend import resolve, run
from export.quantize import quantize
from spikeprop.artifacts import load_any
from spikeprop.config import TrainConfig
from spikeprop.datasets import load_dataset
from spikeprop.deploy import dense_chunk, load_test_split
from spikeprop.model import NetConfig
from spikeprop.trainer import Trainer

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--checkpoint", type=Path, help="a spikeprop checkpoint (default: train a small one)")
parser.add_argument("--quick", action="store_true", default=os.environ.get("SPIKEPROP_QUICK") == "1")
parser.add_argument("--out", type=Path, default=Path("runs/examples/deploy_lava"))
args = parser.parse_args()
n_samples = 4 if args.quick else 20

if args.checkpoint is None:  # a small SP-surrogate model, 1 epoch (quick) or 3
    T = 10 if args.quick else 20
    trainer = Trainer(NetConfig(sizes=[2312, 32 if args.quick else 100, 10]),
                      TrainConfig(T=T, epochs=1 if args.quick else 3, val_fraction=0.0),
                      out=args.out / "model", progress=False, plot=False)
    trainer.fit(load_dataset("train", T, 300.0))
    args.checkpoint = args.out / "model" / "best.pt"

loaded = load_any(args.checkpoint)  # float Network + the torch model + its T
fixed, report = quantize(loaded.network)  # 8-bit weights, 24-bit voltages, per-layer scales
print(report)
test = load_test_split(loaded.T, loaded.window_ms or 300.0, None, n_samples)  # sparse until needed
x, labels = dense_chunk(test, 0, len(test)), test.labels.numpy()  # (T, B, 2312) bool spikes

results = {"fallback": run(fixed, x, backend="fallback")}
if resolve("auto", quiet=True) == "lava":
    results["lava"] = run(fixed, x, backend="lava", layer_spikes=True)  # Lava's CPU simulation of Loihi 2
else:
    print("lava-nc is not installed: fallback only (./run install adds Lava)")
for name, res in results.items():
    pred = res.spikes.sum(axis=0).argmax(axis=1)  # class with the most output spikes
    counts = "/".join(str(int(layer["s"].sum())) for layer in res.layers)
    print(f"{name:8s}: spikes per layer {counts}, accuracy {np.mean(pred == labels):.0%} "
          f"on {len(labels)} test samples, {1e3 * res.timing['per_sample_s']:.1f} ms/sample")
if "lava" in results:
    same = [np.array_equal(a["s"], b["s"]) for a, b in zip(results["lava"].layers, results["fallback"].layers)]
    print(f"Lava and fallback spikes identical, layer by layer: {same}")

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3), squeeze=False)
for ax, (name, res) in zip(axes[0], results.items()):
    t, n = np.nonzero(res.spikes[:, 0])  # sample 0: (time step, output neuron) of each spike
    ax.scatter(t, n, marker="|", s=80)
    ax.set(title=f"{name} (label {labels[0]})", xlabel="time step", ylabel="output neuron",
           xlim=(-0.5, x.shape[0] - 0.5), ylim=(-0.5, 9.5))
fig.tight_layout()
args.out.mkdir(parents=True, exist_ok=True)
fig.savefig(args.out / "output_raster.png", dpi=110)
print(f"raster plot: {args.out / 'output_raster.png'}")
