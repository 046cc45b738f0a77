"""Lava's ``floating_pt`` models in numpy float64, through ``neurons.functional``.

The neuron dynamics are not re-implemented: each step calls ``lif_step``,
``cuba_lif_step`` or ``two_compartment_step`` (the same functions training uses) on
numpy arrays with the Heaviside spike function. Lava's float LIF with ``du = 1`` computes
``u = u * 0 + a = a``, so a plain LIF layer is exactly ``lif_step``.

Dense: Lava sums the weight columns of the active inputs (``W[:, s].sum(axis=1)``); here
one float64 matmul over all time steps and samples does it. Sums of float32-valued weights
are exact in float64 unless the weights span more than ~29 binary orders of magnitude, so
the two agree bit for bit in practice (the tests check voltages, not just spikes).

A kind registered with ``neurons.register_neuron`` runs here through its own step function
(the extension point: no simulator code to write); only the built-in kinds have fixed-point
and Lava models.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from export.network import Layer
from neurons.functional import (
    CubaLIFParams,
    CubaLIFState,
    LIFParams,
    LIFState,
    TwoCompartmentParams,
    TwoCompartmentState,
    cuba_lif_step,
    heaviside,
    lif_step,
    two_compartment_step,
)
from neurons.registry import BUILTIN_NEURONS, neuron_kind


class PreparedLayer(NamedTuple):
    layer: Layer
    wt: np.ndarray  # W.T, float64, contiguous


def prepare_layer(layer: Layer) -> PreparedLayer:
    return PreparedLayer(layer, np.ascontiguousarray(np.asarray(layer.weights, dtype=np.float64).T))


def dense(layer: Layer | PreparedLayer, spikes: np.ndarray) -> np.ndarray:
    """Synaptic input ``W @ s`` for every step and sample: (..., n_in) -> float64 (..., n_out)."""
    prep = layer if isinstance(layer, PreparedLayer) else prepare_layer(layer)
    flat = (spikes.reshape(-1, spikes.shape[-1]) != 0).astype(np.float64)
    return (flat @ prep.wt).reshape(spikes.shape[:-1] + (prep.wt.shape[1],))


def _params(layer: Layer):
    p = {k: (np.asarray(v, dtype=np.float64) if np.ndim(v) else float(v)) for k, v in layer.params.items()}
    if layer.neuron not in BUILTIN_NEURONS:
        return neuron_kind(layer.neuron).params_type(**p)
    if layer.neuron == "lif":
        return LIFParams(dv=p["dv"], vth=p["vth"], bias=p["bias"])
    if layer.neuron == "cuba_lif":
        return CubaLIFParams(du=p["du"], dv=p["dv"], vth=p["vth"], bias=p["bias"])
    return TwoCompartmentParams(
        du=p["du"], dv=p["dv"], dv_dend=p["dv_dend"], g=p["g"], vth=p["vth"], bias=p["bias"]
    )


def run_layer(
    layer: Layer, a: np.ndarray, x_dend: np.ndarray | None = None, record: bool = False
) -> dict[str, np.ndarray]:
    """Run one neuron population over time. ``a``: float64 synaptic input (T, B, N).

    Returns ``{"s": bool (T, B, N)}`` plus ``u``, ``v`` (after reset), ``v_dend`` if ``record``
    (``u`` of a plain LIF is its input, as in Lava).
    """
    p = _params(layer)
    T, shape = a.shape[0], a.shape[1:]
    z = np.zeros(shape, dtype=np.float64)
    out_s = np.empty(a.shape, dtype=bool)
    rec = {k: np.empty(a.shape, dtype=np.float64) for k in ("u", "v")} if record else {}
    if layer.neuron not in BUILTIN_NEURONS:  # registered with neurons.register_neuron
        spec = neuron_kind(layer.neuron)
        state = spec.state_type(*(z.copy() for _ in spec.state_type._fields))
        for t in range(T):
            s, _, state = spec.step_fn(a[t], state, p, heaviside)
            out_s[t] = s != 0
            if record:
                rec["u"][t], rec["v"][t] = getattr(state, "u", a[t]), state.v
    elif layer.neuron == "lif":
        state = LIFState(v=z)
        for t in range(T):
            s, _, state = lif_step(a[t], state, p, heaviside)
            out_s[t] = s != 0
            if record:
                rec["u"][t], rec["v"][t] = a[t], state.v
    elif layer.neuron == "cuba_lif":
        state = CubaLIFState(u=z, v=z.copy())
        for t in range(T):
            s, _, state = cuba_lif_step(a[t], state, p, heaviside)
            out_s[t] = s != 0
            if record:
                rec["u"][t], rec["v"][t] = state.u, state.v
    else:
        if record:
            rec["v_dend"] = np.empty(a.shape, dtype=np.float64)
        xd = np.zeros(a.shape) if x_dend is None else np.asarray(x_dend, dtype=np.float64)
        state = TwoCompartmentState(u=z, v=z.copy(), v_dend=z.copy())
        for t in range(T):
            s, _, state = two_compartment_step(a[t], xd[t], state, p, heaviside)
            out_s[t] = s != 0
            if record:
                rec["u"][t], rec["v"][t], rec["v_dend"][t] = state.u, state.v, state.v_dend
    return {"s": out_s, **rec}


def run_network_layer(prep: PreparedLayer, spikes: np.ndarray, x_dend: np.ndarray | None, record: bool,
                      align: bool) -> dict[str, np.ndarray]:
    """Dense + neurons of one prepared layer over the whole sequence."""
    a = dense(prep, spikes)
    if not align:  # Lava time: each Dense delivers one step later
        a = np.concatenate([np.zeros_like(a[:1]), a[:-1]], axis=0)
    return run_layer(prep.layer, a, x_dend, record)
