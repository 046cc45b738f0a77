"""N-MNIST frames for the benchmark scripts: ``spikeprop.data.load_frames`` when it exists,
else the raw .bs2 subset beside the repository (``../shared/data/nmnist-small``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "nmnist-small"


def load_split(split: str, T: int, window_us: int = 300_000) -> tuple[np.ndarray, np.ndarray]:
    """(T, N, 2312) bool spikes and (N,) labels."""
    try:
        from spikeprop.data import load_frames
    except ImportError:
        frames, labels = _raw(split, T, window_us)
    else:
        frames, labels = load_frames(split, T, window_us=window_us)
        frames = np.asarray(frames.numpy() if hasattr(frames, "numpy") else frames)
        labels = np.asarray(labels.numpy() if hasattr(labels, "numpy") else labels)
    return frames.transpose(1, 0, 2) != 0, labels


def _raw(split: str, T: int, window_us: int) -> tuple[np.ndarray, np.ndarray]:
    index = RAW / ("train1K.txt" if split == "train" else "test100.txt")
    if not index.is_file():
        raise FileNotFoundError(f"no N-MNIST data: spikeprop.data is missing and {index} does not exist")
    rows = [l.split() for l in index.read_text().splitlines() if l.strip() and not l.startswith("#")]
    frames = np.zeros((len(rows), T, 2312), dtype=bool)
    for i, (name, _) in enumerate(rows):
        ev = np.fromfile(RAW / f"{name}.bs2", dtype=np.uint8).reshape(-1, 5).astype(np.int64)
        ts = ((ev[:, 2] & 127) << 16) | (ev[:, 3] << 8) | ev[:, 4]
        keep = (ev[:, 0] < 34) & (ev[:, 1] < 34) & (ts < window_us)
        x, y, p, t = ev[keep, 0], ev[keep, 1], ev[keep, 2] >> 7, ts[keep] * T // window_us
        frames[i, t, p * 1156 + y * 34 + x] = True
    return frames, np.array([int(c) for _, c in rows])
