"""A network from another library, through NIR, onto Lava: build a spiking network in snntorch,
export it with snntorch's own NIR exporter, read the file with ``export.nir.from_nir``, and run it
on the float fallback (checked against snntorch's forward), then in Loihi fixed point on the
fallback and on Lava (when installed), checked against each other.

    python examples/nir_roundtrip.py          # 20 test samples, T=30
    python examples/nir_roundtrip.py --quick  # smoke run (also SPIKEPROP_QUICK=1)
"""
import argparse
import os
from pathlib import Path

import nir
import numpy as np
import snntorch as snn
import torch
from snntorch import utils
from snntorch.export_nir import export_to_nir

from export.backend import resolve, run
from export.nir import from_nir, read_nir
from export.quantize import quantize
from spikeprop.deploy import dense_chunk, load_test_split

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--quick", action="store_true", default=os.environ.get("SPIKEPROP_QUICK") == "1")
parser.add_argument("--out", type=Path, default=Path("runs/examples/nir_roundtrip"))
args = parser.parse_args()
T, n_samples = (20, 4) if args.quick else (30, 20)
args.out.mkdir(parents=True, exist_ok=True)

# 1. snntorch: Linear + Leaky (reset to zero, which Lava's LIF does). Random weights, scaled for
#    activity; per-neuron beta/threshold tensors, as snntorch's exporter needs them.
torch.manual_seed(0)
layers = []
for i, (n_in, n_out) in enumerate([(2312, 64), (64, 10)]):
    linear = torch.nn.Linear(n_in, n_out)
    with torch.no_grad():
        linear.weight.mul_(6.0)
    layers += [linear, snn.Leaky(beta=torch.full((n_out,), 0.9), threshold=torch.ones(n_out),
                                 reset_mechanism="zero", init_hidden=True, output=i == 1)]
snn_net = torch.nn.Sequential(*layers)

# 2. snntorch -> NIR file -> our hardware-neutral Network (the snntorch convention is recognised).
nir.write(args.out / "snntorch.nir", export_to_nir(snn_net, torch.zeros(2312)))
network = from_nir(read_nir(args.out / "snntorch.nir"))
print(f"read {args.out / 'snntorch.nir'}: {network.summary()}")

# 3. Run: snntorch's own forward, the float fallback, and Loihi fixed point.
test = load_test_split(T, 300.0, None, n_samples)  # N-MNIST test recordings, sparse
x, labels = dense_chunk(test, 0, len(test)), test.labels.numpy()  # (T, B, 2312) spikes
utils.reset(snn_net)
with torch.no_grad():
    snn_out = np.stack([snn_net(torch.as_tensor(x_t, dtype=torch.float32))[0].numpy() != 0 for x_t in x])
outputs = {"snntorch": snn_out, "fallback float": run(network, x, backend="fallback").spikes}
fixed, report = quantize(network)
outputs["fallback fixed"] = run(fixed, x, backend="fallback").spikes
if resolve("auto", quiet=True) == "lava":
    outputs["Lava fixed"] = run(fixed, x, backend="lava").spikes
else:
    print("lava-nc is not installed: skipping Lava (./run install adds it)")
for name, spikes in outputs.items():
    print(f"{name:15s}: {int(spikes.sum()):5d} output spikes")
print(f"fallback float == snntorch: {np.array_equal(outputs['fallback float'], snn_out)}")
if "Lava fixed" in outputs:
    print(f"Lava fixed == fallback fixed: {np.array_equal(outputs['Lava fixed'], outputs['fallback fixed'])}")

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs), 3), sharey=True)
for ax, (name, spikes) in zip(axes, outputs.items()):
    t, n = np.nonzero(spikes[:, 0])  # sample 0
    ax.scatter(t, n, marker="|", s=60)
    ax.set(title=name, xlabel="time step", xlim=(-0.5, T - 0.5), ylim=(-0.5, 9.5))
axes[0].set_ylabel("output neuron")
fig.tight_layout()
fig.savefig(args.out / "output_raster.png", dpi=110)
print(f"raster plot: {args.out / 'output_raster.png'}")
