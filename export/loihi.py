"""Loihi 2 fixed-point conventions, in one place: register ranges, shifts, and the few rules
Lava's bit-accurate models apply to weights and biases.

The quantiser (``export.quantize``), the network checks (``export.network``), the bit-exact
simulators (``export.fallback.fixed``, ``export.learning``) and the netx writer all read these
numbers from here, so a convention changes in one line, not in five copies.
Values follow lava-nc 0.10.0 (``proc/lif/models.py``, ``proc/dense/models.py``,
``utils/weightutils.py``).
"""
from __future__ import annotations

import numpy as np

DECAY_UNITY = 4096  # decays are fractions of 4096 (4096: forget everything in one step)
DECAY_SHIFT = 12  # ... applied as ``>> 12``
ACT_SHIFT = 6  # synaptic input is MSB-aligned: ``a << 6`` into the current ``u``
VTH_SHIFT = 6  # the effective threshold is ``vth << 6``
VTH_MAX = 2**17 - 1  # 17-bit threshold mantissa
BIAS_MANT_RANGE = (-(2**12), 2**12 - 1)  # 13-bit signed bias mantissa
BIAS_EXP_RANGE = (0, 7)
UV_MAX = 2**23  # Lava's max_uv_val: u wraps at 24 bits
STATE_MAX = UV_MAX - 1  # |v| saturates here
WEIGHT_RANGES = {"mixed": (-256, 255), "excitatory": (0, 255), "inhibitory": (-255, 0)}
WEIGHT_EXP_MAX = 7  # largest shared weight exponent of a Loihi synapse: 8-bit mantissa << 7 at most


def sign_mode(weights: np.ndarray) -> str:
    """Lava's ``determine_sign_mode``: 'excitatory' if min >= 0, 'inhibitory' if max <= 0."""
    if weights.size == 0 or weights.min() >= 0:
        return "excitatory"
    if weights.max() <= 0:
        return "inhibitory"
    return "mixed"


def weight_range(mode: str) -> tuple[int, int]:
    """Integer weight range Lava keeps without clipping, per sign mode."""
    return WEIGHT_RANGES[mode]


def dense_weights(weights: np.ndarray, num_weight_bits: int = 8) -> np.ndarray:
    """The weights Lava's fixed Dense model actually uses (int64): ``clip_weights`` to the 8-bit
    range of their sign mode, then ``truncate_weights`` drops the lowest
    ``8 - num_weight_bits (+1 if mixed)`` bits (of |w| for inhibitory weights). With the default
    8 bits that is bit 0 of mixed weights only (255 -> 254, -3 -> -4); lava-dl's netx gives a
    mixed layer 9 bits when its odd weights need them, and then nothing is dropped."""
    w = np.asarray(weights, dtype=np.int64)
    mode = sign_mode(w)
    if mode == "mixed":
        w = np.clip(w, -256, 255)
    elif mode == "inhibitory":
        w = -np.clip(-w, 0, 255)
    else:
        w = np.clip(w, 0, 255)
    drop = 8 - int(num_weight_bits) + (mode == "mixed")
    if drop <= 0:
        return w
    if mode == "inhibitory":
        return -((-w >> drop) << drop)
    return (w >> drop) << drop


def scale_bias(mant: np.ndarray | int, exp: np.ndarray | int) -> np.ndarray | int:
    """Lava's ``scale_bias``: bias_mant << bias_exp (>> for a negative exponent)."""
    mant = np.asarray(mant, dtype=np.int64)
    exp = np.asarray(exp, dtype=np.int64)
    b = np.where(exp >= 0, mant << np.maximum(exp, 0), mant >> np.maximum(-exp, 0))
    return int(b) if b.ndim == 0 else b


def activation_bound(weights: np.ndarray, weight_exp: int) -> int:
    """Largest |synaptic input| one step can deliver (before the << 6), for any input spikes."""
    pos = np.maximum(weights, 0).sum(axis=1)
    neg = pos - weights.sum(axis=1)
    bound = int(max(pos.max(), neg.max()))
    return bound << weight_exp if weight_exp >= 0 else (bound >> -weight_exp) + 1


def round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to nearest, halves away from zero (numpy's ``round`` rounds halves to even)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)
