"""Current-based LIF, identical to Lava's ``LIF`` process (float model).

Per step, in Lava's order::

    u     = u * (1 - du) + x               # synaptic current
    v_pre = v * (1 - dv) + u + bias
    s     = spike_fn(v_pre - vth)
    v     = v_pre * (1 - s)                # hard reset; u is not reset
"""
from __future__ import annotations

from typing import Any, NamedTuple

from neurons.functional.spike import SpikeFn, hard_reset, heaviside


class CubaLIFParams(NamedTuple):
    du: float = 0.5  # current decay per step (du=1: no current memory, i.e. plain LIF)
    dv: float = 0.1  # voltage decay per step
    vth: float = 1.0
    bias: float = 0.0


class CubaLIFState(NamedTuple):
    u: Any
    v: Any


def cuba_lif_step(
    x: Any, state: CubaLIFState, p: CubaLIFParams, spike_fn: SpikeFn = heaviside
) -> tuple[Any, Any, CubaLIFState]:
    """One time step. Returns ``(s, v_pre, new_state)``."""
    u = state.u * (1 - p.du) + x
    v_pre = state.v * (1 - p.dv) + u + p.bias
    s = spike_fn(v_pre - p.vth)
    return s, v_pre, CubaLIFState(u=u, v=hard_reset(v_pre, s))
