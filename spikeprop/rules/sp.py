"""Signal Propagation with per-window layer-local losses: SP-voltage, SP-surrogate, shallow.

Each window of K = ``update_every`` steps (K=1: every step): layer by layer, the input
batch (B rows) and the target signal of every class (C rows) go through the same
weights; the layer's loss compares the two *before* the spike function (the voltage,
or a sigmoid of it), its gradient reaches only that layer's weights (inputs and neuron
state are detached), and all layers update at the end of the window. No graph
survives a window, so memory does not grow with T.

Each SP layer's loss also holds a homeostatic term (``losses.rate_loss``, weight
``cfg.sp_rate_weight``): the layer's own window firing rate, held fixed, times its
voltage. It keeps deeper layers spiking, without which a layer whose input layer has
gone quiet receives no target signal at all (docs/sp_depth.md).

``shallow`` is the same loop with only the output layer learning (hidden layers fixed).
"""
from __future__ import annotations

import torch

from spikeprop.config import TrainConfig
from spikeprop.model import SpikingNet
from spikeprop.rules.base import BatchResult, Learner, activity_kind, readout_activity
from spikeprop.rules.layers import with_input_gradient
from spikeprop.distributed import batch_share, window_rate
from spikeprop.rules.losses import activity, classifier_loss, rate_loss, sp_layer_loss
from spikeprop.rules.signal import TargetSignal
from spikeprop.rules.sp_fused import LayerLossSpec, fused_applies, fused_layer_loss
from spikeprop.rules.sparse import SparseSpikes, sparse_linear, spike_linear


def eligibility(cur: torch.Tensor, decay: float) -> torch.Tensor:
    """Leaky sum over the window's steps, ``e_t = sum_{j<=t} decay^(t-j) cur_j`` (K, R, N).

    Used only for its gradient: d e_t / dW is the presynaptic trace of the window's
    inputs (an eligibility trace, e-prop style), since the voltage integrates past input,
    not just this step's. Still one local, forward-in-time product per window; the trace
    starts at each window (earlier windows already updated the weights)."""
    k = cur.shape[0]
    steps = torch.arange(k)
    lag = (steps[:, None] - steps[None, :]).clamp(min=0).to(cur.dtype)
    m = torch.where(steps[:, None] >= steps[None, :], decay ** lag, torch.zeros(()))
    return torch.einsum("tj,j...->t...", m, cur)


class LocalLearner(Learner):
    def __init__(self, net: SpikingNet, signal: TargetSignal, cfg: TrainConfig) -> None:
        super().__init__(net, signal, cfg)
        last = net.n_layers - 1
        self.learning = [l == last or cfg.method != "shallow" for l in range(net.n_layers)]
        self.optimizer = self.make_adam(
            [fc.weight for fc, learn in zip(net.fcs, self.learning) if learn])
        self.kind = activity_kind(cfg.method)
        self.fused_specs = [self.fused_spec(l) for l in range(net.n_layers)]

    def fused_spec(self, l: int) -> LayerLossSpec | None:
        """Layer ``l``'s loss settings when ``rules.sp_fused`` computes it (an SP layer with
        the default loss; not a classifier output), else None (``layer_loss``'s graph)."""
        cfg, last = self.cfg, self.net.n_layers - 1
        vth = self.net.neurons[l].threshold
        if not self.learning[l] or (l == last and cfg.output == "classifier") or not fused_applies(cfg, vth):
            return None
        feeds_hidden = l < self.net.n_layers - 2
        weight = cfg.sp_rate_weight if cfg.sp_rate_layers == "all" or feeds_hidden else 0.0
        return LayerLossSpec(kind=self.kind, vth=vth, slope=cfg.slope, v_floor=cfg.sp_v_floor, tau=cfg.tau,
                             rate_weight=weight, rate_target=cfg.sp_rate_target, rate_mode=cfg.sp_rate_mode)

    def layer_loss(self, l: int, vh: torch.Tensor, vt: torch.Tensor, y: torch.Tensor,
                   rate: torch.Tensor | None = None) -> torch.Tensor:
        """Loss of layer ``l`` from its input- and target-driven voltages (K, B|C, N);
        ``rate`` (N,): the layer's own firing rate in this window (no graph), for the
        homeostatic term."""
        cfg = self.cfg
        if l == self.net.n_layers - 1 and cfg.output == "classifier":
            classes = torch.arange(vt.shape[-2])
            return classifier_loss(vh, y) + classifier_loss(vt, classes)
        vth = self.net.neurons[l].threshold
        h = activity(vh, self.kind, vth, cfg.slope, cfg.sp_v_floor)
        t = activity(vt, self.kind, vth, cfg.slope, cfg.sp_v_floor)
        loss = sp_layer_loss(h, t, y, cfg.loss, cfg.tau, cfg.similarity)
        feeds_hidden = l < self.net.n_layers - 2
        if cfg.sp_rate_weight > 0 and rate is not None and (cfg.sp_rate_layers == "all" or feeds_hidden):
            loss = loss + cfg.sp_rate_weight * rate_loss(vh, rate, cfg.sp_rate_target, cfg.sp_rate_mode,
                                                         v_target=vt, share=batch_share())
        return loss

    def window(self, x: SparseSpikes, t0: int, k: int, y: torch.Tensor, states: list):
        """Steps ``t0 .. t0+k`` through all layers. Returns per-layer losses (graphs that
        reach only that layer's weight), per-layer spikes and voltages (K, B + C, N) (the B
        input-driven rows, then the C target-driven rows; one joint state per layer) and
        per-layer spike counts per row over the window (B + C, N).

        The first layer's product covers the input rows and the C target rows at once
        (the target pattern is constant, so C rows serve all k steps); deeper layers take
        both branches' spikes in one product, and each layer's neurons run both branches
        in one fused pass (``NeuronModule.window``), so nothing is concatenated."""
        net = self.net
        pattern = self.signal()
        C = pattern.shape[0]
        B = x.shape[1]
        first = x.window(t0, t0 + k, extra=pattern)
        prev = active = None
        losses: list[torch.Tensor | None] = []
        spikes, volts, rows = [], [], []
        for l in range(net.n_layers):
            fc, neuron = net.fcs[l], net.neurons[l]
            with torch.set_grad_enabled(self.learning[l]):
                if l == 0:
                    cur = sparse_linear(first, fc.weight)
                    cur_h, cur_t = cur.split([k * B, C])
                    cur_h = cur_h.view(k, B, -1)
                    cur_t = cur_t.expand(k, C, -1)
                else:  # one product for both branches: B input rows, then C target rows
                    cur = spike_linear(prev, fc.weight, active)
                    cur_h, cur_t = cur[:, :B], cur[:, B:]
            s, v, states[l], active = neuron.window([cur_h, cur_t], states[l], coords=True)
            if self.learning[l] and self.cfg.sp_trace > 0:
                cur_h, cur_t = eligibility(cur_h, self.cfg.sp_trace), eligibility(cur_t, self.cfg.sp_trace)
            per_row = s.sum(0)  # (B + C, N) spikes per row: exact (0/1 sums), shared by the tallies
            rate = window_rate(s, B, per_row)  # over every worker's samples when data-parallel
            if not self.learning[l]:
                losses.append(None)
            elif self.fused_specs[l] is not None:  # the same loss as one node (rules.sp_fused)
                losses.append(fused_layer_loss(cur, v, y, rate, self.fused_specs[l], batch_share()))
            else:
                losses.append(self.layer_loss(l, *with_input_gradient(v, cur_h, cur_t), y, rate))
            spikes.append(s)
            rows.append(per_row)
            volts.append(v)
            prev = s
        return losses, spikes, volts, rows

    def train_batch(self, x: SparseSpikes, y: torch.Tensor) -> BatchResult:
        net, cfg = self.net, self.cfg
        T, B, _ = x.shape
        L = net.n_layers
        states: list = [None] * L
        loss_sums = [0.0] * L
        counts = [torch.zeros(n) for n in net.cfg.sizes[1:]]
        out_h = torch.zeros(B, net.cfg.sizes[-1])
        out_t = torch.zeros(self.signal.n_classes, net.cfg.sizes[-1])
        out_r = torch.zeros(B, net.cfg.sizes[-1])
        for t0 in range(0, T, cfg.update_every):
            k = min(T, t0 + cfg.update_every) - t0
            losses, spikes, volts, per_row = self.window(x, t0, k, y, states)
            for l in range(L):
                counts[l] += per_row[l][:B].sum(0)
                if losses[l] is not None:
                    loss_sums[l] += float(losses[l].detach())
            out_h += self.readout(volts[-1][:, :B]).sum(0)
            out_r += per_row[-1][:B]
            out_t += self.readout(volts[-1][:, B:]).sum(0)
            self.step(sum(lo for lo in losses if lo is not None), f"in window starting at step {t0}")
        return BatchResult(losses=[s / T for s in loss_sums], output=out_h, target_output=out_t,
                           spike_counts=counts, n_steps=T * B, rate_output=out_r)

    def readout(self, v_out: torch.Tensor) -> torch.Tensor:
        return readout_activity(v_out, self.cfg, self.net.neurons[-1].threshold)
