"""Layer-local losses, pure functions of one layer's activity (no weights, no state).

Shapes: ``h`` (..., B, N) input-driven activity, ``t`` (..., C, N) target-driven activity
of every class (one row per class: the target branch is computed per class, not per
sample), ``y`` (B,) labels. Leading dims (time steps of an update window) are summed.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def activity(v_pre: torch.Tensor, kind: str, vth: float | torch.Tensor = 1.0,
             slope: float = 4.0, v_floor: float | None = None) -> torch.Tensor:
    """What an SP layer loss looks at, always *before* the spike function.

    ``"voltage"``: the membrane voltage itself (SP-voltage: no surrogate at all), floored
    at ``v_floor`` when given (``max(v_pre, v_floor)``, the depolarisation for 0): only
    voltage that moves a neuron towards its threshold counts, so the similarity is not
    dominated by hyperpolarised neurons that never spike (and whose voltage the next
    layer never sees); a floored neuron gets no gradient for that step;
    ``"surrogate"``: ``sigmoid(slope * (v_pre - vth))``, a smooth stand-in for the spike
    (SP-surrogate: the learning signal reaches U through f, never through the spike).
    """
    if kind == "voltage":
        if v_floor is None:
            return v_pre
        # relu for the default floor 0: same values and gradient, a cheaper backward
        return torch.relu(v_pre) if v_floor == 0.0 else v_pre.clamp(min=v_floor)
    if kind == "surrogate":
        if isinstance(vth, torch.Tensor) and vth.requires_grad:  # a learned threshold: autograd's graph
            return torch.sigmoid(slope * (v_pre - vth))
        return _Surrogate.apply(v_pre, vth, slope)
    raise ValueError(f"unknown activity kind {kind!r}")


def surrogate_grad(g: torch.Tensor, out: torch.Tensor, slope: float) -> torch.Tensor:
    """Its backward from the output ``out``, in ``g``'s place (autograd's kernel and order):
    returns ``g``."""
    return torch.ops.aten.sigmoid_backward.grad_input(g, out, grad_input=g).mul_(slope)


class _Surrogate(torch.autograd.Function):
    """``sigmoid(slope * (v_pre - vth))`` with autograd's exact forward and backward values,
    in one temporary instead of three: the forward works in place on ``v_pre - vth``, the
    backward is ``sigmoid_backward`` times ``slope``, the two kernels autograd itself runs.
    (Each fresh (K, B, N) temporary costs page faults as well as a pass; ~6 % of an
    SP-surrogate epoch, measured.)"""

    @staticmethod
    def forward(ctx, v_pre: torch.Tensor, vth, slope: float) -> torch.Tensor:  # type: ignore[override]
        out = torch.sub(v_pre, vth).mul_(slope).sigmoid_()
        ctx.save_for_backward(out)
        ctx.slope = slope
        return out

    @staticmethod
    def backward(ctx, g: torch.Tensor):  # type: ignore[override]
        (out,) = ctx.saved_tensors
        return torch.ops.aten.sigmoid_backward(g, out).mul_(ctx.slope), None, None


NORM_EPS = 1e-6  # norms are floored here, as F.normalize does


def _dots(h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``h @ t^T`` (..., B, C) computed as ``(t @ h^T)^T``: with C = 10 classes the direct
    product has a 10-column output, the slow shape for a CPU GEMM (about 2x, measured)."""
    return (t @ h.transpose(-1, -2)).transpose(-1, -2)


def cosine_forward(h: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """Cosine similarities (..., B, C) of (..., B, N) rows with (..., C, N) rows, norms
    floored at ``NORM_EPS``, and what ``cosine_backward`` needs."""
    h_raw = torch.linalg.vector_norm(h, dim=-1, keepdim=True)
    t_raw = torch.linalg.vector_norm(t, dim=-1, keepdim=True)
    h_norm, t_norm = h_raw.clamp(min=NORM_EPS), t_raw.clamp(min=NORM_EPS)
    cos = _dots(h, t) / h_norm / t_norm.transpose(-1, -2)
    return cos, (h, t, h_norm, t_norm, cos, h_raw >= NORM_EPS, t_raw >= NORM_EPS)


def cosine_backward(g: torch.Tensor, saved: tuple, need_h: bool = True, need_t: bool = True,
                    out_h: torch.Tensor | None = None):
    """``(dL/dh, dL/dt)`` from ``g = dL/dcos``, written out because autograd's takes ~8 passes
    over the (K, B, N) activities (two products, the norm's mask, divisions, an accumulation),
    about 15 % of an SP step, where two suffice: ``dL/dh = A t - lam * h`` with
    ``A = G / (|h| |t|^T)``, ``lam_b = sum_c G_bc cos_bc / |h_b|^2`` (zero where the norm is
    floored), and the same for ``t``. ``out_h``: a contiguous buffer that receives dL/dh."""
    h, t, h_norm, t_norm, cos, h_live, t_live = saved
    a = g / h_norm / t_norm.transpose(-1, -2)
    gc = g * cos
    gh = gt = None
    if need_h:
        lam = gc.sum(-1, keepdim=True) / h_norm.square() * h_live
        gh = torch.matmul(a, t, out=out_h) if out_h is not None else a @ t
        gh.addcmul_(h, lam, value=-1.0)
    if need_t:
        mu = gc.sum(-2, keepdim=True).transpose(-1, -2) / t_norm.square() * t_live
        gt = (a.transpose(-1, -2) @ h).addcmul_(t, mu, value=-1.0)
    return gh, gt


class _Cosine(torch.autograd.Function):
    """``cosine_forward`` / ``cosine_backward`` as an autograd function (``tests`` check it
    against autograd's own backward with ``gradcheck``)."""

    @staticmethod
    def forward(ctx, h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        cos, ctx.saved = cosine_forward(h, t)
        return cos

    @staticmethod
    def backward(ctx, g: torch.Tensor):  # type: ignore[override]
        return cosine_backward(g, ctx.saved, ctx.needs_input_grad[0], ctx.needs_input_grad[1])


def similarity(h: torch.Tensor, t: torch.Tensor, kind: str = "cosine") -> torch.Tensor:
    """(..., B, N) x (..., C, N) -> (..., B, C) similarities ``h_b . t_c`` (``"dot"``), or
    ``h_b . t_c / (|h_b| |t_c|)`` with norms floored at ``NORM_EPS`` (``"cosine"``)."""
    if kind == "cosine":
        return _Cosine.apply(h, t)
    if kind != "dot":
        raise ValueError(f"unknown similarity {kind!r}")
    return _dots(h, t)


def contrastive_loss(h: torch.Tensor, t: torch.Tensor, y: torch.Tensor, tau: float = 0.1,
                     kind: str = "cosine") -> torch.Tensor:
    """Cross-entropy of ``similarity(h, t) / tau`` against the true class.

    Mean over the batch, summed over leading (time) dims: each step contributes the loss
    it would have had with an update every step.
    """
    return contrastive_from_similarity(similarity(h, t, kind), y, tau)


def contrastive_from_similarity(sim: torch.Tensor, y: torch.Tensor, tau: float) -> torch.Tensor:
    """``contrastive_loss`` from its similarities (..., B, C)."""
    logits = sim / tau
    steps = logits.numel() // (logits.shape[-2] * logits.shape[-1])
    flat = logits.reshape(-1, logits.shape[-1])
    return F.cross_entropy(flat, y.repeat(steps), reduction="sum") / y.numel()


def l2_loss(h: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``|h_b - t_{y_b}|^2`` averaged over neurons and batch; works with a batch of one."""
    diff = h - t[..., y, :]
    return diff.pow(2).mean(-1).sum() / y.numel()


def classifier_loss(v_out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy on the output layer's voltage (one unit per class), per step summed."""
    steps = v_out.numel() // (v_out.shape[-2] * v_out.shape[-1])
    flat = v_out.reshape(-1, v_out.shape[-1])
    return F.cross_entropy(flat, y.repeat(steps), reduction="sum") / y.numel()


def sp_layer_loss(h: torch.Tensor, t: torch.Tensor, y: torch.Tensor, loss: str = "contrastive",
                  tau: float = 0.1, kind: str = "cosine") -> torch.Tensor:
    """The SP layer loss chosen by name (``"contrastive"`` or ``"l2"``)."""
    if loss == "contrastive":
        return contrastive_loss(h, t, y, tau, kind)
    if loss == "l2":
        return l2_loss(h, t, y)
    raise ValueError(f"unknown SP loss {loss!r}")


def rate_loss(v: torch.Tensor, rate: torch.Tensor, target: float, mode: str = "both",
              v_target: torch.Tensor | None = None, share: float = 1.0) -> torch.Tensor:
    """Homeostatic term: ``sum_j (r_j - r0) * mean v_j`` with the rate error held fixed.

    ``v`` (K, R, N) the layer's voltages (with their local gradient), ``rate`` (N,) each
    neuron's firing rate in the same window (no graph). The gradient moves a neuron's
    voltage up when it fires below ``target`` and down when above (``mode="up"``: only
    up), i.e. a per-neuron rate error times the presynaptic activity: local, forward-only.
    Summed over the window's steps like the SP losses; averaged over rows and neurons.

    ``v_target`` (K, C, N): the target pass's rows, averaged with ``v``'s (SP's two
    branches, passed apart so they need not be concatenated). Data-parallel (``share`` =
    this worker's fraction of the batch): the target rows, which every worker holds, count
    ``share`` times, so the workers' share-weighted gradients sum to exactly the
    one-process mean over all rows."""
    err = rate_error(rate, target, mode)
    if v_target is None:
        return (v.mean(-2) * err).mean(-1).sum()
    return rate_loss_from_sums(v.sum(-2), v_target.sum(-2), v.shape[-2], v_target.shape[-2], err, share)


def rate_loss_from_sums(v_sum: torch.Tensor, t_sum: torch.Tensor, rows: int, t_rows: int,
                        err: torch.Tensor, share: float = 1.0) -> torch.Tensor:
    """``rate_loss`` with both branches, from their voltages summed over rows (K, N) and the
    held rate error ``err`` (N,)."""
    vm = (v_sum + share * t_sum) / (rows + share * t_rows)
    return (vm * err).mean(-1).sum()


def rate_error(rate: torch.Tensor, target: float, mode: str = "both") -> torch.Tensor:
    """The homeostatic term's held per-neuron rate error (``mode`` as in ``rate_loss``)."""
    err = (rate - target).detach()
    if mode == "up":
        return err.clamp(max=0.0)
    if mode != "both":
        raise ValueError(f"unknown rate mode {mode!r}")
    return err
