"""The scale of ``shallow``'s fixed random hidden layers, calibrated once on training data.

In ``shallow`` only the output layer learns: the hidden layers stay the random features
they were initialised as, so if they do not spike, the readout sees nothing and nothing
ever makes them spike. The default init (Kaiming-uniform, +-1/sqrt(fan_in)) suits dense
input such as N-MNIST's or the rate code's, but with the latency code of Fashion-MNIST
(one spike per bright pixel, ~360 per image over T=20 steps) a random 784-800 layer is
almost silent: 0.1 % of (sample, neuron) pairs spike at all, and shallow scored 15.6 %
after one epoch. So before the first epoch, layer by layer, each fixed hidden layer's
weights are multiplied by 1.25 until at least ``target`` of its (sample, neuron) pairs
spike at least once on a calibration batch of training samples. A layer that already
responds that much keeps its init (gain 1), and learning layers are never touched.
Only training samples are used; the gains are a function of the weights and those samples.
"""
from __future__ import annotations

import torch

from spikeprop.model import SpikingNet

STEP = 1.25  # multiplicative step of the search
MAX_GAIN = 64.0  # give up beyond this (a layer that still does not respond is reported by its gain)
CALIBRATION_SAMPLES = 256  # the first training samples (by index): the same on every worker


@torch.no_grad()
def active_fraction(net: SpikingNet, x: torch.Tensor, layer: int) -> float:
    """Fraction of (sample, neuron) pairs of ``layer`` that spike at least once for the
    (T, B, N) input ``x``."""
    states = None
    fired = torch.zeros(x.shape[1], net.cfg.sizes[layer + 1], dtype=torch.bool)
    for xt in x.float().unbind(0):
        spikes, _, states = net.step(xt, states)
        fired |= spikes[layer] > 0
    return float(fired.float().mean())


@torch.no_grad()
def calibrate_fixed_layers(net: SpikingNet, x: torch.Tensor, fixed: list[bool], target: float) -> list[float]:
    """Scale each layer with ``fixed[l]`` up (in place) until ``active_fraction >= target``
    on ``x``; earlier layers first, since a layer's input is the one before it. Returns the
    gain applied to each layer (1.0 for learning layers and layers already active enough)."""
    gains = []
    for l, is_fixed in enumerate(fixed):
        g = 1.0
        while is_fixed and g * STEP <= MAX_GAIN and active_fraction(net, x, l) < target:
            net.fcs[l].weight.mul_(STEP)
            g *= STEP
        gains.append(g)
    return gains
