"""Two-compartment neuron: a passive dendrite for the teaching signal, a spiking soma.

Inspired by the eRBP neuron (Neftci et al. 2017): the dendrite integrates a separate
input (the target or error signal) and never spikes; the soma integrates the
feed-forward input, plus a coupling ``g * v_dend`` from the dendrite, spikes and resets.
Per step::

    v_dend = v_dend * (1 - dv_dend) + x_dend          # dendrite: leaky, no spike, no reset
    u      = u * (1 - du) + x                         # somatic synaptic current
    v_pre  = v * (1 - dv) + u + g * v_dend + bias     # soma
    s      = spike_fn(v_pre - vth)
    v      = v_pre * (1 - s)

With ``g = 0`` the soma is a plain CubaLIF neuron, so inference without a target is
unchanged; the dendrite voltage then only carries the learning signal (the third
factor of a plasticity rule), as in eRBP.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from neurons.functional.spike import SpikeFn, hard_reset, heaviside


class TwoCompartmentParams(NamedTuple):
    du: float = 1.0  # somatic current decay (1: no current memory)
    dv: float = 0.1  # somatic voltage decay
    dv_dend: float = 0.1  # dendritic voltage decay
    g: float = 0.0  # dendrite -> soma coupling conductance
    vth: float = 1.0
    bias: float = 0.0


class TwoCompartmentState(NamedTuple):
    u: Any
    v: Any
    v_dend: Any


def two_compartment_step(
    x: Any,
    x_dend: Any,
    state: TwoCompartmentState,
    p: TwoCompartmentParams,
    spike_fn: SpikeFn = heaviside,
) -> tuple[Any, Any, TwoCompartmentState]:
    """One time step. Returns ``(s, v_pre, new_state)``; ``new_state.v_dend`` is the dendrite."""
    v_dend = state.v_dend * (1 - p.dv_dend) + x_dend
    u = state.u * (1 - p.du) + x
    v_pre = state.v * (1 - p.dv) + u + p.g * v_dend + p.bias
    s = spike_fn(v_pre - p.vth)
    return s, v_pre, TwoCompartmentState(u=u, v=hard_reset(v_pre, s), v_dend=v_dend)
