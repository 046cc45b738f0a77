"""Lava's bit-accurate (``fixed_pt``) arithmetic in numpy, vectorised over time and batch.

Written from lava-nc 0.10.0's ``proc/dense/models.py`` (``PyDenseModelBitAcc``),
``utils/weightutils.py`` and ``proc/lif/models.py`` (``PyLifModelBitAcc``) and tested
bit-exact against them (spikes, ``u`` and ``v`` every step). What Lava does, in order:

Dense (per step, ``s`` the input spikes as booleans)
    sign mode from the weights (excitatory if min >= 0, inhibitory if max <= 0, else mixed);
    clip to 8 bits ([-256, 255] / [0, 255] / [-255, 0]); mixed: drop the lowest bit
    (``(w >> 1) << 1``, so 255 -> 254, -3 -> -4);
    ``a = sum(W[:, s])`` then ``a << weight_exp`` or ``a >> -weight_exp`` (arithmetic,
    i.e. floor); sent through an int32 channel (wraps at 32 bits); delivered one step later.
LIF (per step)
    ``a6 = a << 6`` (int32); ``u = trunc(u * (4096 - du) / 4096) + a6`` (rounding toward
    zero; ``du`` is the true decay, Lava's register holds du - 1); ``u`` wraps: above 2**23
    subtract 2**24, at or below -2**23 add 2**24 (once);
    ``v = clip(trunc(v * (4096 - dv) / 4096) + u + (bias_mant << bias_exp), +-(2**23 - 1))``;
    spike where ``v > vth << 6``; ``v = 0`` where spiked.

int32 intermediate wraps only matter for extreme weights; they are emulated exactly, but
only when a static bound says they can occur. The dense product runs as a float32 matmul
(sparse for event data): every partial sum is an integer below 2**24 in magnitude, which
float32 represents exactly (float64 otherwise).

The two-compartment neuron (our own Lava Process) uses the same current and voltage steps
plus a passive dendrite; its Lava fixed ProcessModel calls ``two_compartment_fixed_step``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from export.loihi import (  # noqa: F401  (activation_bound: re-exported for the Lava models)
    ACT_SHIFT, DECAY_UNITY, STATE_MAX, UV_MAX, VTH_SHIFT, activation_bound, dense_weights, scale_bias,
)
from export.network import Layer

V_LIMIT = STATE_MAX
_EXACT_F32 = 2**24
_clip = np.core.umath.clip  # the ufunc: np.clip's Python wrapper costs more than the clip


class FixedParams(NamedTuple):
    """Per-layer constants of the fixed-point neuron, precomputed once."""

    keep_u: int  # 4096 - du: multiplier of the current decay
    keep_v: int  # 4096 - dv
    keep_dend: int  # 4096 - dv_dend (two_compartment)
    g: int  # coupling, 12-bit fraction (two_compartment)
    bias: np.ndarray | float | None  # effective bias bias_mant << bias_exp; None when zero
    vth: int  # effective threshold: vth << 6
    wrap32: bool  # int32 overflow possible: emulate it
    wrap24: bool  # u may leave the 24-bit range: apply Lava's wrap


class FixedState(NamedTuple):
    u: np.ndarray
    v: np.ndarray
    v_dend: np.ndarray | None = None


# --- small exact helpers -----------------------------------------------------------------------
# State is held in float64 holding integer values: every product below needs at most 44
# significant bits (|u|, |v| < 2**31, multipliers < 2**16), so float64 is exact, and faster
# than int64 for the decay (one multiply + trunc instead of four integer operations).


def wrap_int32(x: np.ndarray) -> np.ndarray:
    """Two's-complement wrap of integer values into int32's range (what a cast to int32 does)."""
    return np.mod(x + 2.0**31, 2.0**32) - 2.0**31


def trunc_mul(x: np.ndarray, mult: int, out: np.ndarray | None = None) -> np.ndarray:
    """``sign(x * mult) * (|x * mult| >> 12)``: Lava's decay, rounding toward zero."""
    y = np.multiply(x, mult / DECAY_UNITY, out=out)
    return np.trunc(y, out=y)


def lava_weights(layer: Layer) -> np.ndarray:
    """The weights Lava's fixed Dense model actually uses (``export.loihi.dense_weights``)."""
    return dense_weights(layer.weights, getattr(layer, "num_weight_bits", 8))


def effective_bias(layer: Layer) -> np.ndarray | int:
    """Lava's ``scale_bias``: bias_mant << bias_exp (>> for a negative exponent)."""
    return scale_bias(layer.params["bias_mant"], layer.params["bias_exp"])


def fixed_params(layer: Layer, w: np.ndarray | None = None, bound: int | None = None) -> FixedParams:
    """Precompute the per-layer constants and decide which overflow emulations are needed.

    With |a << 6| <= 2**24 the single 24-bit wrap keeps |u| <= 2**23, so no int32
    intermediate (u, v = decay + u + bias + coupling) can overflow; beyond that they are
    emulated. ``bound``: ``activation_bound`` if already computed.
    """
    p = layer.params
    if bound is None:
        bound = activation_bound(lava_weights(layer) if w is None else w, layer.weight_exp)
    a6 = bound << ACT_SHIFT
    du = int(layer.param("du"))
    bias = effective_bias(layer)
    u_bound = a6 if du == DECAY_UNITY else (a6 * DECAY_UNITY) // max(du, 1) + a6
    if du == 0:
        u_bound = 2**62  # a perfect integrator: no bound
    return FixedParams(
        keep_u=DECAY_UNITY - du,
        keep_v=DECAY_UNITY - int(p["dv"]),
        keep_dend=DECAY_UNITY - int(p.get("dv_dend", 0)),
        g=int(p.get("g", 0)),
        bias=None if not np.any(bias) else np.asarray(bias, dtype=np.float64) if np.ndim(bias) else float(bias),
        vth=int(p["vth"]) << VTH_SHIFT,
        wrap32=a6 > 2 * UV_MAX,
        wrap24=u_bound >= UV_MAX,
    )


# --- Dense ------------------------------------------------------------------------------------


@dataclass
class PreparedLayer:
    """A layer with everything that does not depend on the input computed once
    (Lava does the same work when it builds and compiles)."""

    layer: Layer
    w: np.ndarray  # the weights Lava uses (int64, (n_out, n_in))
    wt: np.ndarray  # w.T for the matmul: float32 when every partial sum is exact in it
    bound: int  # activation_bound(w, weight_exp)
    params: FixedParams


def prepare_layer(layer: Layer) -> PreparedLayer:
    w = lava_weights(layer)
    bound = activation_bound(w, layer.weight_exp)
    exact32 = int(np.abs(w).sum(axis=1).max()) < _EXACT_F32
    wt = np.ascontiguousarray(w.T, dtype=np.float32 if exact32 else np.float64)
    return PreparedLayer(layer, w, wt, bound, fixed_params(layer, w, bound))


def dense(layer: Layer | PreparedLayer, spikes: np.ndarray) -> np.ndarray:
    """Synaptic input Lava's Dense computes from ``spikes`` (..., n_in) -> (..., n_out), float
    holding integers. No delay is applied here; the caller shifts by one step for Lava time.
    """
    prep = layer if isinstance(layer, PreparedLayer) else prepare_layer(layer)
    flat = spikes.reshape(-1, spikes.shape[-1])
    acc = spike_matmul(flat, prep.wt)
    e = prep.layer.weight_exp
    if e:
        acc = acc * 2.0**e if e > 0 else np.floor(acc / 2.0**-e)  # arithmetic shifts
    if prep.bound >= 2**31:
        acc = wrap_int32(acc)  # the int32 channel between Dense and LIF
    return acc.reshape(spikes.shape[:-1] + (prep.w.shape[0],))


def spike_matmul(spikes: np.ndarray, wt: np.ndarray) -> np.ndarray:
    """``(spikes != 0) @ wt`` exactly, holding integers (``wt``: transposed weights).

    float32 is exact while every partial sum stays below 2**24 (``prepare_layer`` checks);
    sparse inputs (event data, hidden spikes) use a CSR product, dense ones BLAS.
    """
    active = spikes if spikes.dtype == bool else spikes != 0
    n_rows, n_in = active.shape
    idx = np.flatnonzero(active)
    if idx.size < 0.05 * active.size and n_rows * n_in > 2**16:
        from scipy import sparse  # ships with Lava's and torch's dependencies

        rows, cols = np.divmod(idx, n_in)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        m = sparse.csr_matrix((np.ones(idx.size, wt.dtype), cols, indptr), shape=active.shape)
        acc = m @ wt
    else:
        acc = active.astype(wt.dtype) @ wt
    return np.asarray(acc)


# --- neuron compartments (one body, used by the fallback and the Lava two-compartment model) --


def current_step(u: np.ndarray | float, a: np.ndarray, p: FixedParams) -> np.ndarray:
    """New current ``u`` from the old one and the synaptic input ``a`` (before the << 6)."""
    a6 = np.multiply(a, float(1 << ACT_SHIFT), dtype=np.float64)
    if p.wrap32:
        a6 = wrap_int32(a6)
    if p.keep_u:
        dc = trunc_mul(u, p.keep_u) + a6
        if p.wrap32:
            dc = wrap_int32(dc)
    else:
        dc = a6
    if p.wrap24 and (dc.max() > UV_MAX or dc.min() <= -UV_MAX):
        dc = np.where(dc > UV_MAX, dc - 2 * UV_MAX, np.where(dc <= -UV_MAX, dc + 2 * UV_MAX, dc))
    return dc


def voltage_step(
    v: np.ndarray,
    u: np.ndarray,
    p: FixedParams,
    extra: np.ndarray | None = None,
    out: np.ndarray | None = None,
    spikes: np.ndarray | None = None,
    saturate: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Decay, integrate ``u`` (+ ``extra``) and the bias, saturate, fire, reset.

    Returns ``(spikes (bool), v after reset)``; ``out``/``spikes`` are optional buffers.
    ``saturate=False`` skips the clip when the caller has proven it cannot bite.
    """
    if p.keep_v != DECAY_UNITY:
        x = trunc_mul(v, p.keep_v, out=out)
    elif out is not None:
        np.copyto(out, v)
        x = out
    else:
        x = v.copy()
    x += u
    if p.bias is not None:
        x += p.bias
    if extra is not None:
        x += extra
    if p.wrap32:
        x[...] = wrap_int32(x)
    if saturate:
        _clip(x, -V_LIMIT, V_LIMIT, out=x)
    s = np.greater(x, p.vth, out=spikes)
    np.putmask(x, s, 0.0)
    return s, x


def dendrite_step(v_dend: np.ndarray, x_dend: np.ndarray, p: FixedParams) -> np.ndarray:
    """Passive dendrite: decay, add the dendritic input (<< 6), saturate like ``v``."""
    x = trunc_mul(v_dend, p.keep_dend) + np.asarray(x_dend, dtype=np.float64) * float(1 << ACT_SHIFT)
    return np.clip(x, -V_LIMIT, V_LIMIT)


def coupling(v_dend: np.ndarray, p: FixedParams) -> np.ndarray | None:
    """Dendrite -> soma drive ``trunc(g * v_dend / 4096)`` (None without coupling)."""
    return trunc_mul(v_dend, p.g) if p.g else None


def two_compartment_fixed_step(
    a: np.ndarray, x_dend: np.ndarray, state: FixedState, p: FixedParams
) -> tuple[np.ndarray, FixedState]:
    """One step of the fixed-point two-compartment neuron: ``(s, new_state)``, float64 integers.

    Same order as the float ``two_compartment_step``: dendrite, current, soma.
    """
    v_dend = dendrite_step(state.v_dend, x_dend, p)
    u = current_step(state.u, a, p)
    s, v = voltage_step(state.v, u, p, coupling(v_dend, p))
    return s, FixedState(u=u, v=v, v_dend=v_dend)


# --- whole layer over time -------------------------------------------------------------------


def run_layer(
    layer: Layer,
    a: np.ndarray,
    x_dend: np.ndarray | None = None,
    record: bool = False,
    p: FixedParams | None = None,
) -> dict[str, np.ndarray]:
    """Run one neuron population over time. ``a``: synaptic input (T, B, N) from ``dense``.

    Returns ``{"s": bool (T, B, N)}`` plus int64 ``u``, ``v`` (after reset), ``v_dend`` if ``record``.
    """
    p = fixed_params(layer) if p is None else p
    T, shape = a.shape[0], a.shape[1:]
    out_s = np.empty(a.shape, dtype=bool)
    rec = {k: np.empty(a.shape, dtype=np.float64) for k in ("u", "v")} if record else {}
    if layer.neuron == "two_compartment":
        if record:
            rec["v_dend"] = np.empty(a.shape, dtype=np.float64)
        z = np.zeros(shape)
        state = FixedState(u=z, v=z.copy(), v_dend=z.copy())
        xd = np.zeros(a.shape) if x_dend is None else np.asarray(x_dend, dtype=np.float64)
        a = np.asarray(a, dtype=np.float64)
        for t in range(T):
            out_s[t], state = two_compartment_fixed_step(a[t], xd[t], state, p)
            if record:
                rec["u"][t], rec["v"][t], rec["v_dend"][t] = state.u, state.v, state.v_dend
        return {"s": out_s, **{k: v.astype(np.int64) for k, v in rec.items()}}
    # Plain LIF without wrap-around: |u| = |a| << 6, so bound |v| per step up front and skip
    # the saturation while it provably cannot bite. (u is made per step: cache-resident.)
    saturate = np.ones(T, dtype=bool)
    flat = a.reshape(T, -1)
    if p.keep_u == 0 and p.wrap24 and not p.wrap32 and T:  # this input cannot wrap u: skip the check
        hi, lo = float(flat.max()) * (1 << ACT_SHIFT), float(flat.min()) * (1 << ACT_SHIFT)
        if hi <= UV_MAX and lo > -UV_MAX:
            p = p._replace(wrap24=False)
    if p.keep_u == 0 and not p.wrap32 and not p.wrap24 and T:
        u_max = np.maximum(flat.max(axis=1), -flat.min(axis=1)).astype(np.float64) * (1 << ACT_SHIFT)
        u_max += 0 if p.bias is None else np.abs(p.bias).max()
        bound, keep = 0.0, p.keep_v / DECAY_UNITY
        for t in range(T):
            bound = bound * keep + u_max[t]
            saturate[t] = bound > V_LIMIT - 1  # margin for float rounding of the bound
    u = np.zeros(shape)
    v, buf = np.zeros(shape), np.empty(shape)
    for t in range(T):
        u = current_step(u, a[t], p)
        _, new = voltage_step(v, u, p, out=buf, spikes=out_s[t], saturate=saturate[t])
        v, buf = new, v
        if record:
            rec["u"][t], rec["v"][t] = u, v
    return {"s": out_s, **{k: v.astype(np.int64) for k, v in rec.items()}}


def run_network_layer(prep: PreparedLayer, spikes: np.ndarray, x_dend: np.ndarray | None, record: bool,
                      align: bool) -> dict[str, np.ndarray]:
    """Dense + neurons of one prepared layer over the whole sequence."""
    a = dense(prep, spikes)
    if not align:  # Lava time: each Dense delivers one step later
        a = np.concatenate([np.zeros_like(a[:1]), a[:-1]], axis=0)
    return run_layer(prep.layer, a, x_dend, record, prep.params)
