"""``SPNeuron``: a two-compartment LIF that computes its own SP error and emits it as Loihi's
third factor. Integer arithmetic, one pure function shared by the Lava ProcessModel and the
fallback, so both run the same neuron by construction (``sp_neuron_float_step``: the same
equations in float, shared by Lava's floating_pt model and ``export.learning.float_ref``).

Per step (all values integers; ``<< 6`` is Loihi's activation/threshold scale)::

    u  = decay(u, du) + (a_in << 6)                   # soma current (input pass)
    v  = clip(decay(v, dv) + u)                       # soma voltage
    s  = v > (vth << 6);  v[s] = 0
    d  = clip(decay(d, dd) + (a_dend << 6) - s * (fb << 6))   # dendrite: target pass minus own spikes
    e  = sign(d) * (|d| >> (6 + e_shift))             # signed SP error, rounded toward zero
    y2 = clip(e, 0, 127);  y3 = clip(-e, 0, 127)      # two non-negative channels (7-bit traces)
    y2 = y3 = 0 where v_pre is outside [gate_lo, gate_hi] << 6   (optional eRBP boxcar)

``decay(x, d) = sign(x) * (|x * (4096 - d)| >> 12)``, rounding toward zero as Lava's LIF.
The dendrite never drives the soma (g = 0): inference without a target is unchanged.

Two-phase SP (``two_phase=True``, the ``sp`` rule): every sample is ``target_steps`` steps of the
target pass followed by the input pass, on the same synapses; ``k`` is the step within the sample
(layer ``l`` sees it ``l + 1`` steps late). The soma also keeps a *free voltage* ``f`` (the soma
voltage without resets, ``f = clip(decay(f, dv) + u)``: linear in the weights, its derivative is
the pre-synaptic trace). Then, replacing the dendrite/error lines above::

    target phase (k < target_steps):   d = (self_target ? f : 0) + (a_dend << 6);   y2 = y3 = 0
    input phase:                        d held;  e = (act(d) - act(f)) >> (6 + e_shift)  (toward zero)
                                        y2/y3 as above, zero for the first ``learn_skip`` steps
    act(x) = clip(x, act_lo << 6, act_hi << 6) - (act_lo << 6)

``act`` is the SP activity before the spike function: a hard sigmoid around the threshold
(SP-surrogate semantics, ``act_lo = vth - w``, ``act_hi = vth + w``) or the floored voltage
(SP-voltage, ``act_lo = 0``). Hidden layers' dendrites hold their own target response
(``self_target``); the output layer's holds the label's drive (``a_dend``: SP's output loss).
``phase_reset`` zeroes u, v, f, d at ``k = 0`` and u, v, f at ``k = target_steps``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from export.loihi import ACT_SHIFT as SHIFT
from export.loihi import DECAY_UNITY, dense_weights
from export.loihi import STATE_MAX as V_MAX


class SPNeuronParams(NamedTuple):
    du: int = 4096  # current decay on the 4096 scale (4096: no current memory)
    dv: int = 410  # voltage decay (~0.1)
    vth: int = 64  # threshold (compared with v >> 6)
    dd: int = 410  # dendrite decay
    fb: int = 0  # own spike -> dendrite (negative feedback) weight
    e_shift: int = 0  # error scaling: e = d / 2^(6 + e_shift), toward zero
    gate_lo: int | None = None  # boxcar gate on v_pre (unscaled like vth); None = no gate
    gate_hi: int | None = None
    two_phase: bool = False  # the sp rule: target pass, then input pass (see module docstring)
    target_steps: int = 0  # length of the target phase
    learn_skip: int = 0  # input-phase steps without learning (the target's pre-traces decay)
    act_lo: int = 0  # SP activity window (unscaled like vth)
    act_hi: int = 0
    self_target: bool = True  # dendrite holds the neuron's own target-phase response (hidden layers)


class SPNeuronState(NamedTuple):
    u: np.ndarray
    v: np.ndarray
    d: np.ndarray
    f: np.ndarray


def initial_state(shape) -> SPNeuronState:
    z = np.zeros(shape, dtype=np.int64)
    return SPNeuronState(u=z, v=z.copy(), d=z.copy(), f=z.copy())


def phase_reset(st, k: int | None, p: SPNeuronParams, zero=0):
    """Per-sample resets in place of a fresh state: everything at ``k == 0`` (a new sample
    reaches the layer), the soma (u, v, f) at the start of the input phase. ``st`` is a state
    tuple (u, v, d, f); ``zero`` the scalar zero of its dtype."""
    if k is None or not (k == 0 or (p.two_phase and k == p.target_steps)):
        return st
    u, v, d, f = (np.zeros_like(a) + zero for a in st)
    new = (u, v, d if k == 0 else st[2], f)
    return SPNeuronState(*new) if isinstance(st, SPNeuronState) else new


def _phase(k: int | None, p: SPNeuronParams) -> tuple[bool, bool]:
    """(target phase?, learning on?) at step ``k`` of a sample (``None``: inference)."""
    if k is None:
        return False, False
    target = k < p.target_steps
    return target, (not target) and k >= p.target_steps + p.learn_skip


def decay(x: np.ndarray, d: int) -> np.ndarray:
    y = x * (DECAY_UNITY - d)
    return np.sign(y) * (np.abs(y) >> 12)


def sp_neuron_fixed_step(a_in: np.ndarray, a_dend: np.ndarray, st: SPNeuronState,
                         p: SPNeuronParams, k: int | None = None):
    """One step. Returns ``(s, y2, y3, new_state)``; shapes follow ``a_in`` (any batch dims).
    ``k``: step within the sample (two-phase neurons; ``None``: inference, no third factor)."""
    a_in = np.asarray(a_in, dtype=np.int64)
    a_dend = np.asarray(a_dend, dtype=np.int64)
    u = np.clip(decay(st.u, p.du) + (a_in << SHIFT), -V_MAX, V_MAX)
    v_pre = np.clip(decay(st.v, p.dv) + u, -V_MAX, V_MAX)
    s = v_pre > (p.vth << SHIFT)
    v = np.where(s, 0, v_pre)
    if p.two_phase:
        return _two_phase_fixed(u, v, s, a_dend, st, p, k)
    d = np.clip(decay(st.d, p.dd) + (a_dend << SHIFT) - s * (p.fb << SHIFT), -V_MAX, V_MAX)
    e = np.sign(d) * (np.abs(d) >> (SHIFT + p.e_shift))  # toward zero: no systematic bias
    y2 = np.clip(e, 0, 127)
    y3 = np.clip(-e, 0, 127)
    if p.gate_lo is not None:
        open_ = (v_pre >= (p.gate_lo << SHIFT)) & (v_pre <= (p.gate_hi << SHIFT))
        y2, y3 = y2 * open_, y3 * open_
    return s, y2, y3, SPNeuronState(u=u, v=v, d=d, f=st.f)


def _act_fixed(x: np.ndarray, p: SPNeuronParams) -> np.ndarray:
    lo = p.act_lo << SHIFT
    return np.clip(x, lo, p.act_hi << SHIFT) - lo


def _two_phase_fixed(u, v, s, a_dend, st: SPNeuronState, p: SPNeuronParams, k: int | None):
    """Dendrite and error of the two-phase SP neuron (module docstring), integer arithmetic."""
    f = np.clip(decay(st.f, p.dv) + u, -V_MAX, V_MAX)
    target, learning = _phase(k, p)
    zero = np.zeros(np.shape(u), dtype=np.int64)
    if target:
        d = np.clip((f if p.self_target else zero) + (a_dend << SHIFT), -V_MAX, V_MAX)
    else:
        d = st.d + zero
    if not learning:
        return s, zero, zero.copy(), SPNeuronState(u=u, v=v, d=d, f=f)
    diff = _act_fixed(d, p) - _act_fixed(f, p)
    e = np.sign(diff) * (np.abs(diff) >> (SHIFT + p.e_shift))
    return s, np.clip(e, 0, 127), np.clip(-e, 0, 127), SPNeuronState(u=u, v=v, d=d, f=f)


def sp_neuron_float_step(a_in, a_dend, st, p: SPNeuronParams, k: int | None = None):
    """The same neuron without Loihi's integer arithmetic (Lava ``floating_pt`` model and the float
    fallback): exact decays ``x * (1 - d/4096)``, no clipping, and the error ``d / 2^(6+e_shift)``
    neither rounded nor saturated. ``st`` is a ``(u, v, d, f)`` tuple of float arrays."""
    u, v, d, f = st
    u = u * (1 - p.du / DECAY_UNITY) + a_in * 2.0 ** SHIFT
    v_pre = v * (1 - p.dv / DECAY_UNITY) + u
    s = v_pre > p.vth * 2.0 ** SHIFT
    v = np.where(s, 0.0, v_pre)
    if p.two_phase:
        f = f * (1 - p.dv / DECAY_UNITY) + u
        target, learning = _phase(k, p)
        zero = np.zeros(np.shape(u))
        d = ((f if p.self_target else zero) + a_dend * 2.0 ** SHIFT) if target else d + zero
        if not learning:
            return s, zero, zero.copy(), (u, v, d, f)
        lo, hi = p.act_lo * 2.0 ** SHIFT, p.act_hi * 2.0 ** SHIFT
        e = (np.clip(d, lo, hi) - np.clip(f, lo, hi)) / 2.0 ** (SHIFT + p.e_shift)
        return s, np.maximum(e, 0.0), np.maximum(-e, 0.0), (u, v, d, f)
    d = d * (1 - p.dd / DECAY_UNITY) + a_dend * 2.0 ** SHIFT - s * p.fb * 2.0 ** SHIFT
    e = d / 2.0 ** (SHIFT + p.e_shift)
    y2, y3 = np.maximum(e, 0.0), np.maximum(-e, 0.0)
    if p.gate_lo is not None:
        open_ = (v_pre >= p.gate_lo * 2.0 ** SHIFT) & (v_pre <= p.gate_hi * 2.0 ** SHIFT)
        y2, y3 = y2 * open_, y3 * open_
    return s, y2, y3, (u, v, d, f)


def dense_fixed(weights: np.ndarray, s: np.ndarray, weight_exp: int) -> np.ndarray:
    """Loihi Dense: integer weighted sum of binary spikes, shifted by ``weight_exp``.
    ``s`` is (..., n_in) bool; returns (..., n_out) int64."""
    # float64 BLAS is exact here (|sum| < 2^53) and far faster than numpy's integer matmul
    a = s.astype(np.float64) @ weights.T.astype(np.float64)
    return shift(a.astype(np.int64), weight_exp)


def shift(a: np.ndarray, weight_exp: int) -> np.ndarray:
    """Loihi's weight exponent: left shift if positive, arithmetic right shift if negative."""
    return a << weight_exp if weight_exp > 0 else a >> -weight_exp


def lava_dense_weights(weights: np.ndarray) -> np.ndarray:
    """Weights a static Lava ``Dense`` (fixed point, default sign mode) actually uses, as int32
    (``export.loihi.dense_weights``)."""
    return dense_weights(weights).astype(np.int32)
