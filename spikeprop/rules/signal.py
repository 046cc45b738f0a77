"""The target signal: how a label enters the network beside the input.

Choice: a fixed random projection of the one-hot label *into the input space*. Class k
gets a binary pattern over the N_in input channels (``density`` of them active), shown
as a spike on those channels at every time step, i.e. a constant per-class spike train.
Why the input space rather than the first layer's width: the target then passes
through *every* layer with the same weights as the data, the first layer included (so
W_1 also learns from the target side), and on hardware it is just more input spikes on
the existing input synapses (no extra current source per first-layer neuron). Being a
fixed 0/1 pattern it needs no weights, and there are only C distinct signals, so the
target branch is computed once per class per step (C rows), never per sample.
"""
from __future__ import annotations

import torch
from torch import nn


def class_patterns(n_classes: int, n_inputs: int, density: float, seed: int) -> torch.Tensor:
    """(C, N_in) 0/1 patterns, ``round(density * N_in)`` random channels per class."""
    g = torch.Generator().manual_seed(int(seed) * 7919 + 17)
    k = max(1, int(round(density * n_inputs)))
    pattern = torch.zeros(n_classes, n_inputs)
    for c in range(n_classes):
        pattern[c, torch.randperm(n_inputs, generator=g)[:k]] = 1.0
    return pattern


class TargetSignal(nn.Module):
    """Holds the per-class input patterns (a buffer, so checkpoints carry it)."""

    def __init__(self, n_classes: int, n_inputs: int, density: float = 0.03, seed: int = 0) -> None:
        super().__init__()
        self.register_buffer("pattern", class_patterns(n_classes, n_inputs, density, seed))

    @property
    def n_classes(self) -> int:
        return int(self.pattern.shape[0])

    def forward(self) -> torch.Tensor:
        """The target input of every class at one time step, (C, N_in)."""
        return self.pattern
