"""What learning did: weight-change statistics of the plastic layers, and accuracy of a readout."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from export.loihi import WEIGHT_RANGES


def accuracy(counts: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples whose output neuron with the most spikes (first on ties) is the label."""
    return float((np.asarray(counts).argmax(1) == np.asarray(labels)).mean())


def weight_change_stats(before: Sequence[np.ndarray], after: Sequence[np.ndarray],
                        plastic: Sequence[bool]) -> list[dict]:
    """Per plastic layer: fraction of weights changed, mean/max |dw|, fraction at the 8-bit limits."""
    lo, hi = WEIGHT_RANGES["mixed"]
    out = []
    for i, (b, a, p) in enumerate(zip(before, after, plastic)):
        if not p:
            continue
        d = np.asarray(a, float) - np.asarray(b, float)
        out.append({"layer": i, "shape": list(np.shape(a)), "changed_frac": float((d != 0).mean()),
                    "mean_abs_dw": float(np.abs(d).mean()), "max_abs_dw": float(np.abs(d).max()),
                    "saturated_frac": float(((np.asarray(a) <= lo) | (np.asarray(a) >= hi)).mean()),
                    "w_mean": float(np.mean(a)), "w_std": float(np.std(a))})
    return out
