"""``sp-onchip``: the on-chip two-phase Signal Propagation rule (``spikeprop deploy --learn``'s
default ``sp`` rule, ``export.learning``) as a torch training method, so that an on-chip run and
an off-chip run of the same rule compare one to one.

Everything is taken from the on-chip definition rather than re-stated:

- the network: ``to_learning_network(untrained_network(sizes), LearningSpec.for_rule("sp",
  layers="all"))``: the same initial weights, thresholds, activity windows, label drive and class
  target patterns as ``deploy - --learn --learn-sizes ...`` (spec seed ``7 + --seed``: seed 0 is
  deploy's default ``--learn-seed 7``);
- the stream: ``export.learning.stream.sp_stream`` (per sample ``target_steps`` steps of the class
  pattern, then the sample; the label into the output dendrite, delayed to meet the wave);
- the neuron: the equations of ``export.learning.neuron.sp_neuron_float_step`` (two-phase form);
- the update, online at every step: ``dW = 2^(lr_exp-3) * x1 * (y2 - y3) * exp(-1/65535)``,
  as ``export.learning.float_ref`` and Lava's float engine.

The recordings are streamed as ``deploy --learn`` streams them: the method's default
``TrainConfig.order`` is "file" (every epoch in file order, the last ``val_fraction`` of the
training recordings held out; ``--val-fraction 0.2`` on the embedded subset holds out the same 200
as deploy's default). A batch (``--batch-size``) is one continuous stream from rest, as one chunk
(``--learn-eval-every``) of the on-chip run; an epoch is one ``--learn-passes`` pass. Nothing here
uses autograd or Adam.

After every batch the weights go into the ``SpikingNet`` as ``W * 2^weight_exp / vth`` per layer
(threshold 1, and the LIF decay set to the device's ``1 - dv/4096`` exactly, not the config's
rounded ``beta``: the same frozen network), which the trainer evaluates with the device's readout
(``classifier_spikes``: most output spikes, first class on ties). So ``spikeprop train --method
sp-onchip --epochs P --batch-size B --val-fraction 0.2 --seed S`` and ``spikeprop deploy - --learn
--learn-passes P --learn-eval-every B --precision float --learn-seed 7+S`` learn the same weights
and report the same accuracies (``tests/spikeprop/test_sp_onchip_method.py``).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from spikeprop.rules.base import BatchResult, Learner

ONCHIP_SEED = 7  # deploy --learn's default --learn-seed: --seed 0 gives the same network
SHIFT = 64.0  # Loihi's activation/threshold scale (<< 6)


def onchip_network(sizes: list[int], beta: float, seed: int):
    """The untrained learning network ``deploy - --learn`` starts from (``export.learning``)."""
    from export.learning import LearningSpec
    from export.learning.adapters import to_learning_network
    from export.learning.builders import untrained_network

    spec = LearningSpec.for_rule("sp", layers="all", seed=ONCHIP_SEED + seed)
    dv = int(round((1.0 - beta) * 4096))
    return to_learning_network(untrained_network(tuple(sizes), dv=dv), spec)


def neuron_step(a_in, a_dend, st, p, k: int):
    """``sp_neuron_float_step`` (two-phase) in torch: returns (spikes, error y2 - y3, state)."""
    u, v, d, f = st
    u = u * (1 - p.du / 4096) + a_in * SHIFT
    v_pre = v * (1 - p.dv / 4096) + u
    s = v_pre > p.vth * SHIFT
    v = torch.where(s, torch.zeros_like(v_pre), v_pre)
    f = f * (1 - p.dv / 4096) + u
    target = k < p.target_steps
    if target:
        d = (f if p.self_target else torch.zeros_like(f)) + a_dend * SHIFT
    if target or k < p.target_steps + p.learn_skip:
        return s, None, (u, v, d, f)
    lo, hi = p.act_lo * SHIFT, p.act_hi * SHIFT
    e = (d.clamp(lo, hi) - f.clamp(lo, hi)) / 2.0 ** (6 + p.e_shift)
    return s, e, (u, v, d, f)


class OnChipSPLearner(Learner):
    """Online two-phase SP on float weights in the device's units (``self.W``)."""

    def __init__(self, net, signal, cfg) -> None:
        super().__init__(net, signal, cfg)
        from export.learning.engine_fixed import truncate_mixed

        lnet = onchip_network(net.cfg.sizes, net.cfg.beta, cfg.seed)
        self.layers, self.patterns, self.Tt = lnet.layers, lnet.target_patterns, lnet.target_steps
        self.W = [torch.as_tensor(truncate_mixed(l.weights), dtype=torch.float64) for l in self.layers]
        for neuron, l in zip(net.neurons, self.layers):  # the device's decay (beta 0.9 -> dv 410 -> 0.8999)
            neuron.beta.fill_(1.0 - l.neuron.dv / 4096)
        self.tw = [None if l.target_weights is None else
                   torch.as_tensor(l.target_weights, dtype=torch.float64) * 2.0 ** l.target_exp for l in self.layers]
        self._sync()

    def _sync(self) -> None:
        """The learned weights into the frozen LIF network the trainer evaluates."""
        with torch.no_grad():
            for fc, w, l in zip(self.net.fcs, self.W, self.layers):
                fc.weight.copy_((w * 2.0 ** l.weight_exp / l.neuron.vth).to(fc.weight.dtype))

    def state_dict(self) -> dict:
        return {"W": [w.clone() for w in self.W]}

    def load_state_dict(self, d: dict) -> None:
        if d and "W" in d:
            self.W = [torch.as_tensor(w, dtype=torch.float64).clone() for w in d["W"]]
            self._sync()

    def train_batch(self, x, y: torch.Tensor) -> BatchResult:
        from export.learning.stream import sp_stream

        dense = x.dense() if hasattr(x, "dense") else x  # (T, B, n_in)
        xb = np.swapaxes(dense.numpy() != 0, 0, 1)
        xs, tg = sp_stream(xb, y.numpy(), self.patterns, self.Tt, label_delay=len(self.layers) - 1)
        counts, spikes, errs = self.run_stream(torch.as_tensor(xs), torch.as_tensor(tg), len(y), xb.shape[1])
        self._sync()
        n = len(y) * xb.shape[1]
        return BatchResult(losses=[float(e) / max(1, n) for e in errs], output=counts.float(), target_output=None,
                           spike_counts=spikes, n_steps=n, rate_output=counts.float())

    def run_stream(self, xs: torch.Tensor, tg: torch.Tensor, n: int, T: int):
        """Learn along one stream (``float_ref.FloatLearningNetwork.learn``'s loop); returns the
        output spike counts per sample (input phase), spike counts per neuron and the summed |error|."""
        L, per = self.layers, self.Tt + T
        st = [tuple(torch.zeros(l.shape[0], dtype=torch.float64) for _ in range(4)) for l in L]
        buff = [torch.zeros(l.shape[0], dtype=torch.float64) for l in L]
        tbuff = [torch.zeros(l.shape[0], dtype=torch.float64) for l in L]
        x1 = [torch.zeros(l.shape[1], dtype=torch.float64) for l in L]
        decay = [math.exp(-1.0 / l.rule.x1_tau) for l in L]
        lr = [2.0 ** (l.rule.lr_exp - 3) * math.exp(-1 / 65535) for l in L]
        counts = torch.zeros(n, L[-1].shape[0])
        spikes = [torch.zeros(l.shape[0]) for l in L]
        errs = [0.0] * len(L)
        xs, tg = xs.to(torch.float64), tg.to(torch.float64)
        for t in range(len(xs)):
            out, es = [], []
            for i, l in enumerate(L):
                k = (t + 1 - (i + 2)) % per
                if k in (0, self.Tt):  # phase_reset: everything at a new sample, the soma at the input phase
                    u, v, d, f = (torch.zeros_like(a) for a in st[i])
                    st[i] = (u, v, d if k == 0 else st[i][2], f)
                s, e, st[i] = neuron_step(buff[i], tbuff[i], st[i], l.neuron, k)
                out.append(s.to(torch.float64))
                es.append(e)
                j = (t + 1 - (i + 2)) // per  # the sample this layer is on (-1: the stream's first steps)
                if k >= self.Tt and 0 <= j < n:
                    spikes[i] += s
                    if i == len(L) - 1:
                        counts[j] += s
            pre = [xs[t]] + out[:-1]
            for i, l in enumerate(L):
                buff[i] = (self.W[i] @ pre[i]) * 2.0 ** l.weight_exp
                if self.tw[i] is not None:
                    tbuff[i] = self.tw[i] @ tg[t]
            for i in range(len(L)):
                x1[i] = x1[i] * decay[i] + L[i].rule.x1_impulse * pre[i]
                if es[i] is not None:
                    self.W[i].add_(torch.outer(es[i], x1[i]), alpha=lr[i])
                    errs[i] += float(es[i].abs().mean())
        return counts, spikes, errs
