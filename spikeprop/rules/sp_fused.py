"""One SP hidden layer's window loss as a single autograd node on the layer's current.

Why: built from autograd pieces, a window's hidden-layer loss is a graph of ~15 nodes
(activity, cosine, cross-entropy, rate term, the row split of the two branches, the
expansion of the constant target current over the window, the input-gradient pass), and
their backward allocates and fills several fresh (K, B + C, N) tensors per window: the
concatenation of the two branches' gradients alone copies 4 MB for a 2312-800 layer.
This node computes the same values with the same kernels, in the same order, and writes
the gradient of the current once, into one buffer laid out like the current:
``losses.activity``'s surrogate, the cosine's written-out backward (``losses``), and
autograd itself on the small tensors (the (K, B, C) similarities and the (K, N) voltage
sums of the rate term). Same values, bit for bit (tests/spikeprop/test_sp_fast_path.py).

It covers the settings SP trains with by default (contrastive loss with cosine
similarity; SP-surrogate, or SP-voltage floored at 0 or raw; a fixed threshold; no
eligibility trace); ``fused_applies`` says when, and other settings take the graph of
``LocalLearner.layer_loss``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from spikeprop.config import TrainConfig
from spikeprop.rules import losses


@dataclass(frozen=True)
class LayerLossSpec:
    """What one hidden layer's loss needs besides its tensors."""

    kind: str  # "surrogate" or "voltage" (losses.activity)
    vth: float | torch.Tensor
    slope: float
    v_floor: float | None
    tau: float
    rate_weight: float  # 0: no homeostatic term
    rate_target: float
    rate_mode: str


def fused_applies(cfg: TrainConfig, vth: float | torch.Tensor) -> bool:
    """Whether ``fused_layer_loss`` reproduces ``LocalLearner.layer_loss`` for a hidden layer."""
    learned_vth = isinstance(vth, torch.Tensor) and vth.requires_grad
    return (cfg.loss == "contrastive" and cfg.similarity == "cosine" and cfg.sp_trace == 0
            and not learned_vth and (cfg.method == "sp-surrogate" or cfg.sp_v_floor in (None, 0.0)))


def fused_layer_loss(cur: torch.Tensor, v: torch.Tensor, y: torch.Tensor, rate: torch.Tensor | None,
                     spec: LayerLossSpec, share: float = 1.0) -> torch.Tensor:
    """The layer's SP loss (contrastive + weighted rate term) of the window's voltages ``v``
    (K, B + C, N; data rows, then one row per class), differentiable in ``cur``: the
    layer's synaptic current, either (K, B + C, N) like ``v`` or, for the first layer,
    (K * B + C, N): the data rows of every step, then the C target rows once (the
    target input is constant, so one row per class serves every step). The voltage's
    gradient with respect to this step's current is 1 (``layers.with_input_gradient``).
    ``share``: this worker's fraction of the batch (``distributed.batch_share``)."""
    return _SPLayerLoss.apply(cur, v, y, rate, spec, share)


class _SPLayerLoss(torch.autograd.Function):
    @staticmethod
    def forward(ctx, cur, v, y, rate, spec: LayerLossSpec, share: float):  # type: ignore[override]
        K, C = v.shape[0], v.shape[1] - y.numel()
        B = y.numel()
        vh, vt = v[:, :B], v[:, B:]
        h, t = (losses.activity(x, spec.kind, spec.vth, spec.slope, spec.v_floor) for x in (vh, vt))
        cos, saved = losses.cosine_forward(h, t)
        with torch.enable_grad():  # autograd on the small tensors: the graph's exact values
            leaves = [cos.detach().requires_grad_()]
            loss = losses.contrastive_from_similarity(leaves[0], y, spec.tau)
            if spec.rate_weight > 0 and rate is not None:
                err = losses.rate_error(rate, spec.rate_target, spec.rate_mode)
                leaves += [vh.sum(-2).requires_grad_(), vt.sum(-2).requires_grad_()]
                loss = loss + spec.rate_weight * losses.rate_loss_from_sums(
                    leaves[1], leaves[2], B, C, err, share)
        ctx.loss, ctx.leaves, ctx.saved, ctx.spec = loss, leaves, saved, spec
        ctx.acts, ctx.shape, ctx.first = (h, t), (K, B, C), cur.dim() == 2
        return loss.detach()

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        grads = torch.autograd.grad(ctx.loss, ctx.leaves, grad)
        (K, B, C), spec = ctx.shape, ctx.spec
        h, t = ctx.acts
        N = h.shape[-1]
        out = torch.empty(K * B + C, N) if ctx.first else torch.empty(K, B + C, N)
        gh_buf = out[:K * B].view(K, B, N) if ctx.first else None
        gh, gt = losses.cosine_backward(grads[0], ctx.saved, out_h=gh_buf)
        gh, gt = _activity_grad(gh, h, spec), _activity_grad(gt, t, spec)
        if len(grads) > 1:  # the rate term: its (K, N) gradient, the same for every row
            gh.add_(grads[1].unsqueeze(-2))
            gt.add_(grads[2].unsqueeze(-2))
        if ctx.first:  # the target current is one row per class for all K steps: summed over them
            torch.sum(gt, 0, keepdim=True, out=out[K * B:].view(1, C, N))
        else:
            out[:, :B] = gh
            out[:, B:] = gt
        ctx.loss = ctx.leaves = ctx.saved = ctx.acts = None
        return out, None, None, None, None, None


def _activity_grad(g: torch.Tensor, act: torch.Tensor, spec: LayerLossSpec) -> torch.Tensor:
    """The activity's backward (autograd's kernels), computed in ``g``'s place: returns ``g``."""
    if spec.kind == "surrogate":
        return losses.surrogate_grad(g, act, spec.slope)
    if spec.v_floor is None:
        return g
    return torch.ops.aten.threshold_backward.grad_input(g, act, 0.0, grad_input=g)  # relu's backward
