"""Spike function and hard reset shared by every neuron step.

A spike function maps ``v_pre - vth`` to spikes (0/1). ``heaviside`` is what simulators
use; training passes a surrogate (``neurons.surrogate``). Lava fires on ``v > vth``
(strictly), so ``heaviside(0) == 0``.
"""
from __future__ import annotations

from typing import Any, Callable

SpikeFn = Callable[[Any], Any]


def heaviside(x: Any) -> Any:
    """1 where ``x > 0`` else 0, in the dtype of ``x``; works for torch tensors and numpy arrays."""
    above = x > 0
    if hasattr(above, "astype"):  # numpy
        return above.astype(x.dtype)
    return above.to(x.dtype)  # torch


def hard_reset(v_pre: Any, s: Any) -> Any:
    """Lava's reset: voltage set to 0 where the neuron spiked (``v[s] = 0``)."""
    return v_pre * (1 - s)
