"""``SpikingNet``: a stack of dense synapses + spiking neurons, the one network type that
training, checkpoints and export share.

Layer ``l`` computes ``a_l = W_l s_{l-1}`` (no synaptic bias: a bias lives in the neuron,
as on Loihi) and feeds it to a neuron population. ``config`` is plain data (JSON-able),
so a checkpoint can rebuild the exact model and the exporter can map it to Lava.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from neurons import LIF, CubaLIF, StepNeuron, TwoCompartment, registered_neurons
from spikeprop.errors import ConfigError

NEURON_KINDS = ("lif", "cuba_lif", "two_compartment")  # built in; more via neurons.register_neuron


@dataclass
class NetConfig:
    sizes: list[int] = field(default_factory=lambda: [2312, 800, 10])
    neuron: str = "lif"  # one of NEURON_KINDS
    beta: float = 0.9  # LIF decay (dv = 1 - beta for the other kinds too, unless dv is given)
    du: float = 1.0  # current decay (cuba_lif, two_compartment); 1.0 = no current memory
    dv_dend: float = 0.1  # dendrite decay (two_compartment)
    g: float = 0.0  # dendrite -> soma coupling (two_compartment)
    threshold: float = 1.0
    bias: float = 0.0
    surrogate: str = "fast_sigmoid"
    init_gain: float = 1.0  # multiplies the default (Kaiming-uniform) weight init
    # a kind registered with neurons.register_neuron: its parameters (vth defaults to threshold)
    neuron_params: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.neuron not in NEURON_KINDS + registered_neurons():
            raise ConfigError(f"unknown neuron {self.neuron!r}; choose one of "
                              f"{NEURON_KINDS + registered_neurons()} (or add one with neurons.register_neuron)")
        if self.neuron_params and self.neuron in NEURON_KINDS:
            raise ConfigError(f"neuron_params are for registered neuron kinds; {self.neuron!r} uses the named fields")
        try:
            ok = len(self.sizes) >= 2 and all(int(n) > 0 for n in self.sizes)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ConfigError(f"sizes must list at least 2 positive widths, got {self.sizes}")
        self.sizes = [int(n) for n in self.sizes]

    @property
    def dv(self) -> float:
        return 1.0 - self.beta

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not d["neuron_params"]:  # built-in kinds: the same config.json as before the field existed
            del d["neuron_params"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "NetConfig":
        if not isinstance(d, dict):
            raise ConfigError(f"a network config must be a mapping, got {type(d).__name__}")
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ConfigError(f"unknown network config keys: {', '.join(unknown)}")
        return cls(**known)


def make_neuron(cfg: NetConfig) -> nn.Module:
    """One neuron population as described by ``cfg`` (shape comes from the input)."""
    if cfg.neuron not in NEURON_KINDS:  # registered with neurons.register_neuron
        return StepNeuron(cfg.neuron, surrogate=cfg.surrogate, **{"vth": cfg.threshold, **cfg.neuron_params})
    if cfg.neuron == "lif":
        return LIF(beta=cfg.beta, threshold=cfg.threshold, bias=cfg.bias, surrogate=cfg.surrogate)
    if cfg.neuron == "cuba_lif":
        return CubaLIF(du=cfg.du, dv=cfg.dv, threshold=cfg.threshold, bias=cfg.bias,
                       surrogate=cfg.surrogate)
    return TwoCompartment(du=cfg.du, dv=cfg.dv, dv_dend=cfg.dv_dend, g=cfg.g,
                          threshold=cfg.threshold, bias=cfg.bias, surrogate=cfg.surrogate)


class SpikingNet(nn.Module):
    """Dense spiking network. ``step`` advances one time step; ``forward`` runs a sequence."""

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.fcs = nn.ModuleList(
            nn.Linear(a, b, bias=False) for a, b in zip(cfg.sizes[:-1], cfg.sizes[1:])
        )
        if cfg.init_gain != 1.0:
            with torch.no_grad():
                for fc in self.fcs:
                    fc.weight.mul_(cfg.init_gain)
        self.neurons = nn.ModuleList(make_neuron(cfg) for _ in self.fcs)

    @property
    def n_layers(self) -> int:
        return len(self.fcs)

    def step(self, x: torch.Tensor, states: list | None = None):
        """One step through all layers. Returns per-layer lists ``(spikes, v_pre, states)``."""
        if x.shape[-1] != self.cfg.sizes[0]:
            raise ValueError(
                f"SpikingNet: input width {x.shape[-1]} does not match the network's "
                f"{self.cfg.sizes[0]} inputs"
            )
        states = states or [None] * self.n_layers
        spikes, volts, new_states = [], [], []
        h = x
        for fc, neuron, st in zip(self.fcs, self.neurons, states):
            h, v_pre, st = neuron(fc(h), state=st)
            spikes.append(h)
            volts.append(v_pre)
            new_states.append(st)
        return spikes, volts, new_states

    def forward(self, x_seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run a (T, B, N_in) sequence; returns output spikes and output v_pre, both (T, B, N_out)."""
        if x_seq.dim() != 3:
            raise ValueError(f"SpikingNet: expected input (T, B, N), got shape {tuple(x_seq.shape)}")
        states = None
        out_s, out_v = [], []
        for x in x_seq:
            spikes, volts, states = self.step(x, states)
            out_s.append(spikes[-1])
            out_v.append(volts[-1])
        return torch.stack(out_s), torch.stack(out_v)
