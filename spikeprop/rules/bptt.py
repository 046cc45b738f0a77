"""Backpropagation baselines on the same network: BPTT with a surrogate, and with a boxcar.

The whole sequence is unrolled with gradients through the neuron state, as snntorch
does; the output layer's voltage is scored with cross-entropy at every step (snntorch
tutorial loss). The spike function is the network's ``cfg.surrogate``; ``bptt-boxcar``
builds the network with ``"boxcar"`` (gradient only where ``|v - vth| < 0.5``): the
dead-neuron control, since a neuron far below threshold gets no gradient at all while
one near threshold learns as under BPTT. (The true Heaviside gradient is zero for every
hidden neuron, so BPTT with it equals ``shallow``; old ``bp-heaviside`` configs map to
``bptt`` with surrogate ``"heaviside"``.) Memory grows with T by nature.
"""
from __future__ import annotations

import torch

from spikeprop.rules.base import BatchResult, Learner
from spikeprop.rules.layers import layer_current, run_layer
from spikeprop.rules.losses import classifier_loss
from spikeprop.rules.sparse import SparseSpikes


class BPTTLearner(Learner):
    def __init__(self, net, signal, cfg) -> None:
        super().__init__(net, signal, cfg)
        self.optimizer = self.make_adam([fc.weight for fc in net.fcs])

    def train_batch(self, x: SparseSpikes, y: torch.Tensor) -> BatchResult:
        T, B, _ = x.shape
        h = x.window(0, T)
        counts = []
        for fc, neuron in zip(self.net.fcs, self.net.neurons):
            h, v, _ = run_layer(neuron, layer_current(fc, h, T))
            counts.append(h.detach().sum((0, 1)))
        loss = classifier_loss(v, y)
        self.step(loss, "in the BPTT loss")
        n = self.net.n_layers
        return BatchResult(losses=[0.0] * (n - 1) + [float(loss.detach()) / T], output=v.detach().sum(0),
                           target_output=None, spike_counts=counts, n_steps=T * B,
                           rate_output=h.detach().sum(0))
