"""The embedded N-MNIST subset: 1,000 train + 100 test real recordings in one small file.

Format (written by ``tools/make_embedded.py``): an ``.npz`` of column arrays compressed
with xz. Storing columns apart and timestamps as per-sample deltas lets xz find the
redundancy that the interleaved 5-byte records hide (about 2.5x smaller than xz on the
raw files). Decoding returns exactly the events ``read_nmnist`` gives on the raw files.
"""
from __future__ import annotations

import io
import lzma
from functools import lru_cache
from pathlib import Path

import numpy as np

from spikeprop.data.nmnist import EVENT_DTYPE, NMNISTFormatError

EMBEDDED_FILE = Path(__file__).with_name("embedded") / "nmnist_small.npz.xz"
SPLITS = ("train", "test")


def encode_split(events: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Columns of one split: x, y, packed polarity, per-sample timestamp deltas, offsets."""
    cat = np.concatenate(events)
    counts = np.array([len(e) for e in events], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    dt = np.diff(cat["t"], prepend=0)
    dt[starts] = cat["t"][starts]  # each sample starts from its own absolute time
    if dt.min() < 0 or dt.max() >= 2**32:
        raise ValueError("timestamps are not monotonic within a sample; cannot delta-encode")
    return {
        "x": cat["x"].astype(np.uint8),
        "y": cat["y"].astype(np.uint8),
        "p": np.packbits(cat["p"].astype(bool)),
        "dt": dt.astype(np.uint32),
        "counts": counts,
    }


def decode_split(cols: dict[str, np.ndarray]) -> list[np.ndarray]:
    counts = cols["counts"]
    n = int(counts.sum())
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    dt = cols["dt"].astype(np.int64)
    # undo the deltas per sample: global cumsum minus the running total before each start
    csum = np.cumsum(dt)
    base = np.repeat(csum[starts] - dt[starts], counts)
    cat = np.empty(n, dtype=EVENT_DTYPE)
    cat["x"], cat["y"] = cols["x"], cols["y"]
    cat["t"] = csum - base
    cat["p"] = np.unpackbits(cols["p"], count=n)
    return np.split(cat, np.cumsum(counts)[:-1])


def write_embedded(path: Path, splits: dict[str, tuple[list[np.ndarray], np.ndarray, np.ndarray]]) -> int:
    """Write ``{split: (events, labels, sample_ids)}``; returns the file size in bytes."""
    arrays = {}
    for split, (events, labels, ids) in splits.items():
        for key, value in encode_split(events).items():
            arrays[f"{split}/{key}"] = value
        arrays[f"{split}/labels"] = np.asarray(labels, dtype=np.uint8)
        arrays[f"{split}/ids"] = np.asarray(ids, dtype=np.int32)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return len(data)


@lru_cache(maxsize=1)
def _load_all() -> dict[str, np.ndarray]:
    try:
        raw = lzma.decompress(EMBEDDED_FILE.read_bytes())
    except FileNotFoundError:
        raise NMNISTFormatError(
            f"{EMBEDDED_FILE}: the embedded N-MNIST subset is missing from the installation"
        ) from None
    except lzma.LZMAError as exc:
        raise NMNISTFormatError(f"{EMBEDDED_FILE}: corrupt embedded data ({exc})") from None
    with np.load(io.BytesIO(raw)) as z:
        return {k: z[k] for k in z.files}


@lru_cache(maxsize=2)
def load_embedded(split: str = "train") -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """``(events, labels, sample_ids)`` of the embedded subset: 1,000 train or 100 test samples."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    arrays = _load_all()
    cols = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(split + "/")}
    return decode_split(cols), cols["labels"].astype(np.int64), cols["ids"].astype(np.int64)
