"""Fixtures for the export tests: real N-MNIST test samples as (T, B, 2312) spikes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "nmnist-small"


def _from_spikeprop_data(n: int, T: int) -> np.ndarray | None:
    try:
        from spikeprop.data import load_frames  # the data engineer's loader (embedded test split)
    except ImportError:
        return None
    x = load_frames("test", T)
    x = x[0] if isinstance(x, tuple) else x
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if x.shape[0] != T:  # (B, T, N) -> (T, B, N)
        x = x.transpose(1, 0, 2)
    return x[:, :n] != 0


def _from_bs2(n: int, T: int) -> np.ndarray | None:
    """N-MNIST .bs2 events (x, y, polarity, 23-bit microsecond time) binned into T steps."""
    files = sorted(SHARED.glob("600*.bs2"), key=lambda p: int(p.stem))[:n] if SHARED.is_dir() else []
    if len(files) < n:
        return None
    out = np.zeros((T, n, 2312), dtype=bool)
    for b, f in enumerate(files):
        ev = np.frombuffer(f.read_bytes(), np.uint8).reshape(-1, 5).astype(np.int64)
        x, y, p = ev[:, 0], ev[:, 1], ev[:, 2] >> 7
        ts = ((ev[:, 2] & 127) << 16) | (ev[:, 3] << 8) | ev[:, 4]
        t = np.minimum(ts * T // 300_000, T - 1)
        out[t, b, p * 1156 + y * 34 + x] = True
    return out


@pytest.fixture
def nmnist():
    """``nmnist(n, T)`` -> the first ``n`` N-MNIST test samples as bool spikes (T, n, 2312)."""

    def load(n: int = 4, T: int = 60) -> np.ndarray:
        x = _from_spikeprop_data(n, T)
        if x is None:
            x = _from_bs2(n, T)
        if x is None:
            pytest.skip("no N-MNIST test samples (spikeprop.data or ../shared/data/nmnist-small)")
        return x

    return load
