"""Two-compartment SP: the target drives the dendrite, the input drives the soma.

Hidden layer l: the target branch (one row per class, same weights) produces the
current ``W_l t_{l-1}``; the dendrite of each sample's neuron receives the current of
its own class, the soma receives ``W_l s_{l-1}`` from the input. The post-synaptic error
(third factor) is the mismatch between the dendrite voltage and the soma's free voltage
(its input integrated with the dendrite's leak, i.e. the soma voltage without resets:
comparing the reset soma with a never-resetting dendrite would bias every error
upwards and saturate firing), and the update is an
explicit three-factor rule, ``dW = lr * post_error^T @ pre_trace``, a pure function of
(pre trace, post error) whose constants live in ``TrainConfig`` (``tc_*``), so it maps
to an on-chip learning rule (e.g. Lava's LearningDense). No autograd is used.
In classifier mode, the output layer's dendrite receives the one-hot label itself
(``tc_drive`` per step): the same rule then trains a classifier.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from spikeprop.rules.base import BatchResult, Learner, check_finite
from spikeprop.rules.layers import layer_current, run_layer
from spikeprop.rules.sparse import SparseRows, SparseSpikes


def update_trace(trace: torch.Tensor, spikes: torch.Tensor, decay: float) -> torch.Tensor:
    """Presynaptic trace: ``x <- decay * x + s`` (decay 0: the current spike only)."""
    return decay * trace + spikes


def leaky_integral(cur: torch.Tensor, state: torch.Tensor | None, decay: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, R, N) currents -> their leaky integral at every step (and the last), no reset."""
    v = torch.zeros_like(cur[0]) if state is None else state
    out = []
    for c in cur:
        v = update_trace(v, c, decay)
        out.append(v)
    return torch.stack(out), v


def post_error(v_dend: torch.Tensor, v_soma: torch.Tensor, vth: float | torch.Tensor,
               slope: float) -> torch.Tensor:
    """Dendrite/soma mismatch, squashed so it stays bounded: f(v_dend) - f(v_soma).

    With ``slope * (v - vth)`` inside a sigmoid this is the logistic-regression error of
    the soma against the dendrite's target, so the rule is a local delta rule."""
    return torch.sigmoid(slope * (v_dend - vth)) - torch.sigmoid(slope * (v_soma - vth))


def three_factor_dw(pre_trace: torch.Tensor, error: torch.Tensor, lr: float) -> torch.Tensor:
    """``dW = lr * error^T @ pre_trace / R`` over R rows (samples x steps): (N_out, N_in)."""
    return lr * error.t() @ pre_trace / pre_trace.shape[0]


def three_factor_dw_sparse(pre: SparseRows, error: torch.Tensor, lr: float) -> torch.Tensor:
    """``three_factor_dw`` for a binary sparse pre trace (decay 0), touching active inputs only."""
    g = F.embedding_bag(pre.rows_by_col, error.contiguous(), pre.col_offsets, mode="sum")
    return lr * g.t() / pre.n_rows


class TwoCompartmentLearner(Learner):
    def __init__(self, net, signal, cfg) -> None:
        super().__init__(net, signal, cfg)
        if net.cfg.neuron != "two_compartment":
            raise ValueError("sp-two-compartment needs neuron='two_compartment'")

    @torch.no_grad()
    def train_batch(self, x: SparseSpikes, y: torch.Tensor) -> BatchResult:
        net, cfg = self.net, self.cfg
        T, B, _ = x.shape
        L = net.n_layers
        pattern = self.signal()
        C = pattern.shape[0]
        states_h: list = [None] * L
        states_t: list = [None] * L
        traces: list = [None] * L
        free: list = [None] * L
        loss_sums = [0.0] * L
        counts = [torch.zeros(n) for n in net.cfg.sizes[1:]]
        out_h = torch.zeros(B, net.cfg.sizes[-1])
        out_t = torch.zeros(C, net.cfg.sizes[-1])
        out_r = torch.zeros(B, net.cfg.sizes[-1])
        onehot = F.one_hot(y, net.cfg.sizes[-1]).float() * cfg.tc_drive
        for t0 in range(0, T, cfg.update_every):
            k = min(T, t0 + cfg.update_every) - t0
            prev_h: torch.Tensor | SparseRows = x.window(t0, t0 + k)
            prev_t = None
            updates = []
            for l in range(L):
                fc, neuron = net.fcs[l], net.neurons[l]
                cur_h = layer_current(fc, prev_h, k)
                cur_t = (pattern @ fc.weight.t()).expand(k, C, -1) if l == 0 else prev_t @ fc.weight.t()
                if l == L - 1 and cfg.output == "classifier":
                    dend = onehot.expand(k, B, -1)
                else:
                    dend = cur_t[:, y]
                s_h, v_h, states_h[l], v_d = run_layer(neuron, cur_h, states_h[l], dend, record_dend=True)
                s_t, v_t, states_t[l] = run_layer(neuron, cur_t, states_t[l])
                v_free, free[l] = leaky_integral(cur_h, free[l], 1.0 - float(neuron.dv_dend))
                err = post_error(v_d, v_free, neuron.threshold, cfg.tc_slope).reshape(k * B, -1)
                dw, traces[l] = self.weight_update(prev_h, err, k, traces[l])
                updates.append(dw)
                loss_sums[l] += float(err.pow(2).mean(-1).sum()) / B
                counts[l] += s_h.sum((0, 1))
                prev_h, prev_t = s_h, s_t
            out_h += v_h.sum(0)
            out_r += s_h.sum(0)
            out_t += v_t.sum(0)
            for fc, dw in zip(net.fcs, updates):
                check_finite(dw, f"(two-compartment update in window starting at step {t0})")
                fc.weight += dw
        return BatchResult(losses=[s / T for s in loss_sums], output=out_h, target_output=out_t,
                           spike_counts=counts, n_steps=T * B, rate_output=out_r)

    def weight_update(self, pre: torch.Tensor | SparseRows, err: torch.Tensor, k: int,
                      trace: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(dW, trace) of one layer for one window; the trace carries across the windows of a sequence."""
        cfg = self.cfg
        decay = cfg.tc_trace_decay
        if isinstance(pre, SparseRows) and decay == 0.0:
            return three_factor_dw_sparse(pre, err, cfg.tc_lr), None
        spikes = pre.dense().view(k, -1, pre.n_cols) if isinstance(pre, SparseRows) else pre
        tr = torch.zeros_like(spikes[0]) if trace is None else trace
        steps = []
        for s in spikes:
            tr = update_trace(tr, s, decay)
            steps.append(tr)
        pre_trace = torch.stack(steps).reshape(k * spikes.shape[1], -1)
        return three_factor_dw(pre_trace, err, cfg.tc_lr), tr
