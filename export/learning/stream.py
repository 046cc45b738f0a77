"""Labelled samples -> the continuous input stream and target spikes a learning network sees."""
from __future__ import annotations

import numpy as np


def target_stream(labels: np.ndarray, T: int, n_classes: int = 10, period: int = 1) -> np.ndarray:
    """One-hot target spikes ``(N*T, n_classes)``: the label's channel spikes every ``period`` steps."""
    t = np.zeros((len(labels), T, n_classes), dtype=bool)
    t[np.arange(len(labels))[:, None], np.arange(0, T, period)[None, :], np.asarray(labels)[:, None]] = True
    return t.reshape(-1, n_classes)


def stream(x: np.ndarray, labels: np.ndarray, n_classes: int, period: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(N, T, n_in) samples + labels -> one continuous input stream (N*T, n_in) and its target."""
    x = np.asarray(x) != 0
    return x.reshape(-1, x.shape[-1]), target_stream(np.asarray(labels), x.shape[1], n_classes, period)
