"""Spike functions for training, selectable by name (the name is what checkpoints save).

Each maps ``v_pre - vth`` to 0/1 spikes in the forward pass. The surrogates come from
``snntorch.surrogate`` (smooth backward pass). ``"heaviside"`` is the *true* gradient,
zero almost everywhere: with it, backpropagation through a spike carries no signal,
which is exactly the dead-neuron setting we study. (snntorch's own ``heaviside``
passes the gradient straight through where a spike occurred; it is offered here as
``"straight_through_spiked"``.) ``"boxcar"`` is the windowed control between the two: a
gradient of ``1 / (2 w)`` where ``|v - vth| < w`` and exactly zero elsewhere, so a neuron far
below threshold (dead) gets no gradient while one near threshold (alive) does; it
separates "no gradient reaches dead neurons" from "no gradient at all".
"""
from __future__ import annotations

from typing import Callable

import torch
from snntorch import surrogate as _sn

from neurons.functional.spike import heaviside

SpikeFn = Callable[[torch.Tensor], torch.Tensor]


class _TrueHeaviside(torch.autograd.Function):
    """Heaviside forward, zero backward: the analytical gradient of a spike."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return torch.zeros_like(grad_output)


def true_heaviside() -> SpikeFn:
    return _TrueHeaviside.apply


class _Boxcar(torch.autograd.Function):
    """Heaviside forward, ``1{|x| < w} / (2 w)`` backward (unit area, like the spike's delta)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, width: float) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        ctx.width = width
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):  # type: ignore[override]
        (x,) = ctx.saved_tensors
        window = (x.abs() < ctx.width).to(grad_output.dtype)
        return grad_output * window / (2.0 * ctx.width), None


def boxcar(width: float = 0.5) -> SpikeFn:
    """Windowed surrogate: zero gradient outside ``|v - vth| < width`` (eRBP's boxcar)."""
    if not width > 0:
        raise ValueError(f"boxcar width must be positive, got {width}")
    return lambda x: _Boxcar.apply(x, float(width))


def _dtype_preserving(fn: SpikeFn) -> SpikeFn:
    """snntorch surrogates return float32 spikes; keep the input's dtype (float64 runs)."""

    def spike(x: torch.Tensor) -> torch.Tensor:
        return fn(x).to(x.dtype)

    return spike


SURROGATES: dict[str, Callable[[], SpikeFn]] = {
    "atan": _sn.atan,
    "fast_sigmoid": _sn.fast_sigmoid,
    "sigmoid": _sn.sigmoid,
    "triangular": _sn.triangular,
    "straight_through": _sn.straight_through_estimator,
    "straight_through_spiked": _sn.heaviside,
    "heaviside": true_heaviside,
    "boxcar": boxcar,
}
DEFAULT_SURROGATE = "fast_sigmoid"


def spike_fn(name: str = DEFAULT_SURROGATE, **kwargs: float) -> SpikeFn:
    """Return the spike function called ``name`` (see ``SURROGATES``), e.g. ``spike_fn("atan", alpha=2.0)``."""
    try:
        factory = SURROGATES[name]
    except KeyError:
        raise ValueError(
            f"unknown surrogate {name!r}; choose one of: {', '.join(sorted(SURROGATES))}"
        ) from None
    fn = factory(**kwargs)
    return fn if name in ("heaviside", "boxcar") else _dtype_preserving(fn)


def spike_for_step(fn: SpikeFn) -> SpikeFn:
    """``fn`` while autograd is recording, else the plain Heaviside.

    Every spike function here has the Heaviside forward (``x > 0``; tested), so without a
    graph (inference, and SP's neuron stepping, whose learning signal never passes the
    spike) the surrogate's autograd wrapper is pure per-step overhead.
    """
    return fn if torch.is_grad_enabled() else heaviside

