"""Leaky integrate-and-fire with hard reset, identical to Lava ``LIF(du=1, dv=dv)``.

Per step (Lava float model, same operation order)::

    v_pre = v * (1 - dv) + x + bias
    s     = spike_fn(v_pre - vth)          # Heaviside: v_pre > vth
    v     = v_pre * (1 - s)                # hard reset to 0

``beta = 1 - dv`` is snntorch's decay: ``snntorch.Leaky(beta, reset_mechanism="zero")``
produces the same spikes.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from neurons.functional.spike import SpikeFn, hard_reset, heaviside


class LIFParams(NamedTuple):
    dv: float = 0.1  # voltage decay per step (Lava dv); beta = 1 - dv
    vth: float = 1.0  # threshold; spike when v_pre > vth
    bias: float = 0.0  # constant input added every step


class LIFState(NamedTuple):
    v: Any  # membrane voltage after reset


def lif_step(
    x: Any, state: LIFState, p: LIFParams, spike_fn: SpikeFn = heaviside
) -> tuple[Any, Any, LIFState]:
    """One time step. Returns ``(s, v_pre, new_state)``; ``v_pre`` is before threshold and reset."""
    v_pre = state.v * (1 - p.dv) + x + p.bias
    s = spike_fn(v_pre - p.vth)
    return s, v_pre, LIFState(v=hard_reset(v_pre, s))
