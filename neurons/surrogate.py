"""Spike functions for training, selectable by name (the name is what checkpoints save).

Each maps ``v_pre - vth`` to 0/1 spikes in the forward pass. The surrogates come from
``snntorch.surrogate`` (smooth backward pass). ``"heaviside"`` is the *true* gradient,
zero almost everywhere: with it, backpropagation through a spike carries no signal,
which is exactly the dead-neuron setting we study. (snntorch's own ``heaviside``
passes the gradient straight through where a spike occurred; it is offered here as
``"straight_through_spiked"``.)
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
    return fn if name == "heaviside" else _dtype_preserving(fn)


def spike_for_step(fn: SpikeFn) -> SpikeFn:
    """``fn`` while autograd is recording, else the plain Heaviside.

    Every spike function here has the Heaviside forward (``x > 0``; tested), so without a
    graph (inference, and SP's neuron stepping, whose learning signal never passes the
    spike) the surrogate's autograd wrapper is pure per-step overhead.
    """
    return fn if torch.is_grad_enabled() else heaviside

