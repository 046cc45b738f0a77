"""A new neuron in one function: an adaptive-threshold LIF, written once as a pure step
function, trained by the SP trainer and run by the float fallback simulator unchanged.

The step function uses only operators torch tensors and numpy arrays share, so training calls
it on tensors with a surrogate spike function and the fallback on arrays with Heaviside.
``neurons.register_neuron`` makes the kind known to both (torch: ``neurons.StepNeuron``).

    python examples/custom_neuron.py          # full: 2312-200-10, T=30, 3 epochs
    python examples/custom_neuron.py --quick  # smoke run (also SPIKEPROP_QUICK=1)
"""
import argparse
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

import neurons
from export.fallback import simulate
from export.from_torch import from_torch
from neurons.functional.spike import hard_reset
from spikeprop.config import TrainConfig
from spikeprop.datasets import load_dataset
from spikeprop.model import NetConfig
from spikeprop.trainer import Trainer


class AdaptiveParams(NamedTuple):  # every field needs a default; vth is the base threshold
    dv: float = 0.1  # voltage decay per step
    vth: float = 1.0
    bias: float = 0.0
    da: float = 0.1  # decay of the adaptation per step
    jump: float = 0.5  # threshold increase per spike


class AdaptiveState(NamedTuple):  # every field starts at zero; v is required
    v: Any
    a: Any  # threshold adaptation


def adaptive_lif_step(x, state, p, spike_fn):
    """Returns (spikes, voltage before reset, new state), like neurons.lif_step."""
    v_pre = state.v * (1 - p.dv) + x + p.bias
    s = spike_fn(v_pre - (p.vth + state.a))  # fires above vth + adaptation
    return s, v_pre, AdaptiveState(v=hard_reset(v_pre, s), a=state.a * (1 - p.da) + p.jump * s)


neurons.register_neuron("adaptive_lif", adaptive_lif_step, AdaptiveParams, AdaptiveState)

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--quick", action="store_true", default=os.environ.get("SPIKEPROP_QUICK") == "1")
parser.add_argument("--out", type=Path, default=Path("runs/examples/custom_neuron"))
args = parser.parse_args()
T, hidden, epochs = (10, 32, 1) if args.quick else (30, 200, 3)

train, test = load_dataset("train", T, 300.0), load_dataset("test", T, 300.0)
if args.quick:
    train = train.subset(torch.arange(0, len(train), 5))
net_cfg = NetConfig(sizes=[2312, hidden, 10], neuron="adaptive_lif", neuron_params={"jump": 0.5})
trainer = Trainer(net_cfg, TrainConfig(method="sp-surrogate", T=T, epochs=epochs, val_fraction=0.0),
                  out=args.out, progress=False, plot=False)
history = trainer.fit(train, test=test)
print(f"trained {net_cfg.neuron} with sp-surrogate: test accuracy {history[-1]['test_acc']:.1%}")

# The same network in the float fallback (numpy, Heaviside), against torch in float64.
model = trainer.net.double().eval()
x = test.batch(torch.arange(8))[0].dense().double()  # (T, 8, 2312) input spikes
states, torch_spikes = None, []
with torch.no_grad():
    for x_t in x:  # one time step through all layers
        spikes, _, states = model.step(x_t, states)
        torch_spikes.append([s.numpy() != 0 for s in spikes])
result = simulate(from_torch(model), x.numpy(), record=True)
for layer, out in enumerate(result.layers):
    ref = np.stack([step[layer] for step in torch_spikes])
    print(f"layer {layer + 1}: fallback spikes == torch spikes: {np.array_equal(out['s'], ref)} "
          f"({int(ref.sum())} spikes in 8 test samples)")

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

hidden_v = result.layers[0]["v"][:, 0]  # (T, hidden) voltage after reset, sample 0
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(hidden_v[:, :5])
ax.set(title="adaptive LIF: hidden voltage, 5 neurons (fallback)", xlabel="time step", ylabel="v")
fig.tight_layout()
fig.savefig(args.out / "hidden_voltage.png", dpi=110)
print(f"plot: {args.out / 'hidden_voltage.png'}")
