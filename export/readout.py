"""Class readout of a deployed classifier from what the device reports.

The output layer of a trained network is a classifier on its voltage, but a chip reports
spikes cheaply and voltages only through probes. ``predict_classes`` takes the class with the
most output spikes and, among classes tied on that count (often several, since a voltage-
trained output layer spikes rarely: on the demo network 0-4 spikes per sample), the one with
the highest summed membrane voltage. Ties on both go to the lower class, as ``argmax`` does.
"""
from __future__ import annotations

import numpy as np

READOUTS = ("spikes+voltage", "spikes")


def predict_classes(counts: np.ndarray, v_sum: np.ndarray | None = None) -> np.ndarray:
    """(B, C) spike counts (and optionally (B, C) summed voltages) -> (B,) class indices."""
    counts = np.asarray(counts, dtype=np.float64)
    if v_sum is None:
        return counts.argmax(axis=1)
    v_sum = np.asarray(v_sum, dtype=np.float64)
    if v_sum.shape != counts.shape:
        raise ValueError(f"readout: voltages {v_sum.shape} and spike counts {counts.shape} differ in shape")
    tied = counts == counts.max(axis=1, keepdims=True)
    return np.where(tied, v_sum, -np.inf).argmax(axis=1)
