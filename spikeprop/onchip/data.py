"""N-MNIST frames for the on-chip learning experiments, as booleans (the chip sees spikes)."""
from __future__ import annotations

import numpy as np


def load_spike_frames(split: str, T: int, duration_us: int = 300_000, source: str | None = None,
                      limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Binary frames ``(N, T, 2312)`` and labels ``(N,)`` of a train/test split: the embedded
    subset, or the N-MNIST folder ``source``; ``limit``: only the first recordings are read."""
    from spikeprop.data import load_frames

    frames, labels = load_frames(split, T, window_us=duration_us, source=source, limit=limit)
    return np.asarray(frames) > 0, np.asarray(labels)
