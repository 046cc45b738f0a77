"""Float network -> Loihi fixed point, with a per-layer report of what was lost.

Each layer gets one scale ``k``: fixed-point state = float state * 64 * k (64 = Lava's
``<< 6`` of the synaptic input and threshold). Then

    weights   W = round(w * k / 2**weight_exp)  (mixed sign: rounded to even, as Lava drops bit 0)
    vth       round(vth * k)                    (effective threshold vth << 6)
    bias      bias_mant = round(bias * k), bias_exp = 6 (7 if the mantissa would overflow)
    du, dv    round(d * 4096)                   (true decays; 4096 = forget all)
    dv_dend   round(dv_dend * 4096); g = round(g * 4096) (12-bit fraction)

``k`` is the largest scale that keeps the weights inside the 8-bit range, so weights never
overflow; it is lowered if the threshold mantissa would leave room for fewer than
``v_headroom`` thresholds below the 24-bit saturation of ``v``. ``weight_exp`` defaults to 0,
which keeps the network writable to netx (lava-dl expects integer netx weights in 8 bits).

Dendritic (teaching) input of a two-compartment layer scales like its synaptic input:
``x_dend_fixed = round(x_dend * k)``; ``QuantReport.scales`` lists ``k`` per layer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from export.errors import NetworkError
from export.loihi import (
    ACT_SHIFT,
    BIAS_MANT_RANGE,
    DECAY_UNITY,
    UV_MAX,
    VTH_MAX,
    VTH_SHIFT,
    activation_bound,
    dense_weights,
    round_half_away,
    scale_bias,
    sign_mode,
)
from export.network import Layer, Network


@dataclass
class LayerReport:
    """What quantising one layer cost and how close it runs to Loihi's limits."""

    name: str
    scale: float
    weight_exp: int
    sign_mode: str
    weight_rel_rms_error: float  # RMS(w_q - w) / RMS(w), w_q de-quantised
    weight_max_abs_error: float  # in float weight units
    zeroed_fraction: float  # non-zero float weights that became 0
    clipped: int  # weights clipped by clip_percentile
    vth_rel_error: float
    decay_abs_error: dict[str, float]
    bias_max_abs_error: float
    worst_case_input_ratio: float  # worst per-step synaptic input / 2**23 (>= 1: u can wrap)
    v_headroom: float  # how many thresholds fit below v's saturation
    warnings: list[str] = field(default_factory=list)

    def row(self) -> str:
        return (
            f"{self.name:<10} k={self.scale:<9.4g} exp={self.weight_exp:<3d} {self.sign_mode:<11}"
            f" w_err={100 * self.weight_rel_rms_error:5.2f}% zeroed={100 * self.zeroed_fraction:5.2f}%"
            f" vth_err={100 * self.vth_rel_error:5.3f}% worst_in={self.worst_case_input_ratio:7.3f}x2^23"
            f" v_headroom={self.v_headroom:6.1f}"
        )


@dataclass
class QuantReport:
    """Per-layer quantisation report; ``str()`` gives a printable table."""

    layers: list[LayerReport]

    @property
    def scales(self) -> list[float]:
        return [r.scale for r in self.layers]

    @property
    def warnings(self) -> list[str]:
        return [f"{r.name}: {w}" for r in self.layers for w in r.warnings]

    def __str__(self) -> str:
        lines = ["quantisation (fixed state = float state x 64 k):"]
        lines += ["  " + r.row() for r in self.layers]
        lines += ["  warning: " + w for w in self.warnings]
        return "\n".join(lines)


def _weight_scale(w: np.ndarray, mode: str, weight_exp: int, clip_percentile: float | None) -> float:
    """Largest k with W = w * k / 2**weight_exp inside the 8-bit range of ``mode``."""
    pos = w[w > 0]
    neg = -w[w < 0]
    if clip_percentile is not None:
        pos_max = np.percentile(pos, clip_percentile) if pos.size else 0.0
        neg_max = np.percentile(neg, clip_percentile) if neg.size else 0.0
    else:
        pos_max = pos.max() if pos.size else 0.0
        neg_max = neg.max() if neg.size else 0.0
    if mode == "mixed":
        ks = [254 / pos_max if pos_max > 0 else math.inf, 256 / neg_max if neg_max > 0 else math.inf]
    elif mode == "excitatory":
        ks = [255 / pos_max if pos_max > 0 else math.inf]
    else:
        ks = [255 / neg_max if neg_max > 0 else math.inf]
    return min(ks) * 2.0**weight_exp


def _quantize_weights(w: np.ndarray, mode: str, k: float, weight_exp: int) -> tuple[np.ndarray, int]:
    """Integer weights of ``w`` at scale ``k``: mixed sign rounds to even (Lava drops bit 0);
    returns the clipped weights and how many were clipped."""
    wk = w * k / 2.0**weight_exp
    if mode == "mixed":
        wq = 2 * round_half_away(wk / 2)
        lo, hi = -256, 254
    elif mode == "excitatory":
        wq, lo, hi = round_half_away(wk), 0, 255
    else:
        wq, lo, hi = round_half_away(wk), -255, 0
    clipped = int(np.sum((wq < lo) | (wq > hi)))
    return np.clip(wq, lo, hi).astype(np.int64), clipped


def _quantize_bias(bias: np.ndarray, k: float, warnings: list[str]) -> tuple[np.ndarray, int, float]:
    """``(bias_mant, bias_exp, max abs error)``: exponent 6 (vth's scale), 7 if the mantissa overflows."""
    bias_exp = 6
    mant = round_half_away(bias * k)
    if np.abs(mant).max() > BIAS_MANT_RANGE[1]:
        bias_exp = 7
        mant = round_half_away(bias * k / 2)
    lo_b, hi_b = BIAS_MANT_RANGE
    if mant.min() < lo_b or mant.max() > hi_b:
        warnings.append(f"bias saturates the 13-bit mantissa (needs {np.abs(mant).max():.0f})")
        mant = np.clip(mant, lo_b, hi_b)
    err = float(np.max(np.abs(mant * 2.0 ** (bias_exp - 6) / k - bias)))
    return mant.astype(np.int64), bias_exp, err


def _quantize_decays(layer: Layer) -> tuple[dict[str, int], dict[str, float]]:
    """The layer's decays (and coupling) on the 4096 scale, and their absolute errors."""
    p = layer.params
    keys = {"lif": ("dv",), "cuba_lif": ("dv", "du")}.get(layer.neuron, ("dv", "du", "dv_dend", "g"))
    fixed = {key: int(round(float(p[key]) * DECAY_UNITY)) for key in keys}
    return fixed, {key: abs(fixed[key] / DECAY_UNITY - float(p[key])) for key in keys}


def _scale(w: np.ndarray, mode: str, vth: float, weight_exp: int, v_headroom: float,
           clip_percentile: float | None, warnings: list[str]) -> float:
    """The layer scale ``k``: largest that fits the weights, lowered for the threshold's headroom."""
    k = _weight_scale(w, mode, weight_exp, clip_percentile)
    if not math.isfinite(k):  # all-zero weights: scale from the threshold instead
        k = 1024.0 / max(abs(vth), 1e-12)
    k_vth = min(VTH_MAX, UV_MAX / (2**VTH_SHIFT * v_headroom)) / vth if vth > 0 else math.inf
    if k > k_vth:
        warnings.append(
            f"threshold {vth:g} is large next to the weights (max |w| {np.abs(w).max():g}): scale "
            f"lowered from {k:.4g} to {k_vth:.4g} to keep v below saturation, weights use fewer bits"
        )
        k = k_vth
    return k


def quantize_layer(
    layer: Layer,
    *,
    weight_exp: int = 0,
    v_headroom: float = 32.0,
    clip_percentile: float | None = None,
) -> tuple[Layer, LayerReport]:
    """Quantise one float layer; see the module docstring for the mapping."""
    if layer.precision != "float":
        raise NetworkError(f"{layer.label}: already fixed point")
    w = np.asarray(layer.weights, dtype=np.float64)
    mode = sign_mode(w)
    warnings: list[str] = []
    vth = float(layer.params["vth"])
    k = _scale(w, mode, vth, weight_exp, v_headroom, clip_percentile, warnings)
    wq, clipped = _quantize_weights(w, mode, k, weight_exp)
    err = wq * 2.0**weight_exp / k - w
    rms_w = float(np.sqrt(np.mean(w**2))) or 1.0
    zeroed = float(np.mean((wq == 0)[w != 0])) if np.any(w != 0) else 0.0
    if clipped:
        warnings.append(f"{clipped} weights clipped at the {clip_percentile}th percentile")
    vth_q = int(np.clip(round(vth * k), 0, VTH_MAX))
    if vth_q == 0 and vth > 0:
        warnings.append("threshold rounds to 0")
    vth_err = abs(vth_q / k - vth) / abs(vth) if vth else float(vth_q != 0)
    mant, bias_exp, bias_err = _quantize_bias(np.asarray(layer.params["bias"], dtype=np.float64), k, warnings)
    decays, decay_err = _quantize_decays(layer)
    params: dict[str, object] = {"dv": decays["dv"], "vth": vth_q, "bias_mant": int(mant) if mant.ndim == 0 else mant,
                                 "bias_exp": bias_exp, **{key: v for key, v in decays.items() if key != "dv"}}
    fixed = Layer(weights=wq, neuron=layer.neuron, params=params, precision="fixed",
                  weight_exp=weight_exp, name=layer.name)
    worst = (activation_bound(dense_weights(fixed.weights), weight_exp) << ACT_SHIFT) / UV_MAX
    if worst >= 1:
        warnings.append(
            f"if all excitatory (or inhibitory) inputs spiked at once the current u would "
            f"wrap around ({worst:.2f}x its 24-bit range); real inputs are far sparser"
        )
    report = LayerReport(
        name=layer.name, scale=k, weight_exp=weight_exp, sign_mode=mode,
        weight_rel_rms_error=float(np.sqrt(np.mean(err**2))) / rms_w,
        weight_max_abs_error=float(np.abs(err).max()), zeroed_fraction=zeroed, clipped=clipped,
        vth_rel_error=vth_err, decay_abs_error=decay_err, bias_max_abs_error=bias_err,
        worst_case_input_ratio=worst, v_headroom=(UV_MAX - 1) / max(vth_q << VTH_SHIFT, 1), warnings=warnings,
    )
    return fixed, report


def quantize(
    network: Network,
    *,
    weight_exp: int = 0,
    v_headroom: float = 32.0,
    clip_percentile: float | None = None,
) -> tuple[Network, QuantReport]:
    """Quantise every layer of a float network; returns the fixed network and the report."""
    if network.precision == "fixed":
        raise NetworkError("network is already fixed point")
    layers, reports = [], []
    for layer in network.layers:
        fixed, rep = quantize_layer(
            layer, weight_exp=weight_exp, v_headroom=v_headroom, clip_percentile=clip_percentile
        )
        layers.append(fixed)
        reports.append(rep)
    report = QuantReport(reports)
    meta = dict(network.meta, quantization={"scales": report.scales, "weight_exp": weight_exp})
    return Network(layers, network.n_inputs, meta), report


def dequantize(network: Network, scales: list[float] | None = None) -> Network:
    """Fixed network -> the float network it approximates (``scales`` default: 1, i.e.
    mantissa units). Uses the weights Lava really applies (clipped, bit 0 dropped if mixed)."""
    if network.precision == "float":
        return network
    scales = scales or network.meta.get("quantization", {}).get("scales") or [1.0] * len(network.layers)
    layers = []
    for layer, k in zip(network.layers, scales):
        p = layer.params
        params = {
            "dv": p["dv"] / DECAY_UNITY,
            "vth": p["vth"] / k,
            "bias": np.asarray(scale_bias(p["bias_mant"], p["bias_exp"]), dtype=np.float64) / (64 * k),
        }
        if np.ndim(params["bias"]) == 0:
            params["bias"] = float(params["bias"])
        if layer.neuron != "lif":
            params["du"] = p["du"] / DECAY_UNITY
        if layer.neuron == "two_compartment":
            params["dv_dend"] = p["dv_dend"] / DECAY_UNITY
            params["g"] = p["g"] / DECAY_UNITY
        w = dense_weights(layer.weights) * 2.0**layer.weight_exp / k
        layers.append(Layer(weights=w, neuron=layer.neuron, params=params, name=layer.name))
    meta = {k: v for k, v in network.meta.items() if k != "quantization"}
    return Network(layers, network.n_inputs, meta)


def to_precision(network: Network, precision: str) -> Network:
    """The network in ``precision``: unchanged, quantised (default options) or de-quantised."""
    if precision not in ("float", "fixed"):
        raise NetworkError(f"precision must be 'float' or 'fixed', got {precision!r}")
    if network.precision == precision:
        return network
    if precision == "fixed":
        return quantize(network)[0]
    return dequantize(network)
