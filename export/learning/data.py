"""N-MNIST frames for the learning experiments: ``spikeprop.data.load_frames`` when it exists,
otherwise a minimal reader of the raw .bs2 recordings (same 2 x 34 x 34 = 2312 layout, binary bins).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

RAW_DIRS = (os.environ.get("SPIKEPROP_NMNIST_SMALL", ""), "/work/shared/data/nmnist-small")


def _read_bs2(path: Path) -> tuple[np.ndarray, ...]:
    b = np.fromfile(path, dtype=np.uint8).reshape(-1, 5).astype(np.int64)
    ts = ((b[:, 2] & 0x7F) << 16) | (b[:, 3] << 8) | b[:, 4]
    keep = b[:, 1] != 240
    return b[keep, 0], b[keep, 1], b[keep, 2] >> 7, ts[keep]


def _raw_frames(split: str, T: int, duration_us: int) -> tuple[np.ndarray, np.ndarray]:
    root = next((Path(d) for d in RAW_DIRS if d and Path(d, "train1K.txt").exists()), None)
    if root is None:
        raise FileNotFoundError("no N-MNIST data: spikeprop.data is missing and no raw subset found")
    lines = (root / ("train1K.txt" if split == "train" else "test100.txt")).read_text().splitlines()
    rows = [l.split() for l in lines if l.strip() and not l.startswith("#")]
    frames = np.zeros((len(rows), T, 2312), dtype=bool)
    labels = np.array([int(c) for _, c in rows])
    for i, (name, _) in enumerate(rows):
        stem = name if name.endswith(".bs2") else f"{name}.bs2"
        x, y, p, ts = _read_bs2(root / stem)
        t = np.minimum(ts * T // duration_us, T - 1)
        frames[i, t, p * 1156 + y * 34 + x] = True
    return frames, labels


def load_frames(split: str, T: int, duration_us: int = 300_000) -> tuple[np.ndarray, np.ndarray]:
    """Binary frames ``(N, T, 2312)`` and labels ``(N,)`` of the embedded train/test subset."""
    try:
        from spikeprop.data import load_frames as project_load_frames  # type: ignore
    except ImportError:
        return _raw_frames(split, T, duration_us)
    frames, labels = project_load_frames(split, T)
    return np.asarray(frames) > 0, np.asarray(labels)
