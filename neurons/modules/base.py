"""Shared plumbing for the torch neuron modules: input checks and the time loop."""
from __future__ import annotations

from typing import Any, Callable

import torch


def check_input(name: str, x: torch.Tensor, state_like: torch.Tensor | None = None) -> None:
    """Raise one clear error for a non-tensor, non-float, or shape-mismatched input."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: input must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name}: input must be floating point, got {x.dtype} (use x.float())")
    if state_like is not None and state_like.shape != x.shape:
        raise ValueError(
            f"{name}: input has shape {tuple(x.shape)} but the state has shape "
            f"{tuple(state_like.shape)}; pass state=None to start a new sequence"
        )


def run_sequence(
    step: Callable[..., tuple[torch.Tensor, torch.Tensor, Any]],
    x_seq: torch.Tensor,
    state: Any = None,
) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """Apply a one-step module over dim 0 (time). Returns spikes and v_pre, both (T, ...)."""
    if x_seq.dim() < 2:
        raise ValueError(f"expected a time-major sequence (T, ...), got shape {tuple(x_seq.shape)}")
    spikes, volts = [], []
    for x in x_seq:
        s, v_pre, state = step(x, state)
        spikes.append(s)
        volts.append(v_pre)
    return torch.stack(spikes), torch.stack(volts), state
