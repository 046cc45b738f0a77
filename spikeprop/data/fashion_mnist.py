"""Reader for Fashion-MNIST's four IDX files (the same format as MNIST's).

IDX: a big-endian header (magic 2051 = 0x00000803 for 3-d uint8 images, 2049 = 0x00000801
for 1-d uint8 labels, then one uint32 per dimension) followed by the raw bytes. Each file is
decompressed in one call and viewed with ``np.frombuffer``: the full 60,000 images read in
a fraction of a second. The project ships no data; Debian's ``dataset-fashion-mnist`` puts
the files in ``DEFAULT_DIR``, or ``--data DIR`` names any folder holding them.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from spikeprop.errors import SpikePropError

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
N_CLASSES = 10
_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049
_GZIP_MAGIC = b"\x1f\x8b"
_HOW_TO_GET = "install it with `apt-get install dataset-fashion-mnist` or pass --data DIR holding the four IDX files"


class FashionMNISTError(SpikePropError, ValueError):
    """A Fashion-MNIST file is missing or unreadable; the message names it and the problem."""


def find_file(data_dir: str | Path, name: str) -> Path:
    """``name.gz`` or ``name`` in ``data_dir`` (the gzipped form first)."""
    d = Path(data_dir)
    for candidate in (d / f"{name}.gz", d / name):
        if candidate.is_file():
            return candidate
    where = f"in {d}" if d.is_dir() else f"because the folder {d} does not exist"
    raise FashionMNISTError(f"Fashion-MNIST file {name}.gz (or {name}) not found {where}; {_HOW_TO_GET}")


def _file_bytes(path: Path) -> bytes:
    """The decompressed content of ``path`` (gzip detected by its magic, not its name)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FashionMNISTError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise FashionMNISTError(f"{path}: bad gzip data ({exc}); re-download or re-install the file") from None


def read_idx(path: str | Path, magic: int, ndim: int) -> np.ndarray:
    """An IDX file of unsigned bytes as a (read-only) uint8 array of ``ndim`` dimensions."""
    path = Path(path)
    data = _file_bytes(path)
    header = 4 + 4 * ndim
    if len(data) < header:
        raise FashionMNISTError(f"{path}: truncated: {len(data)} bytes, shorter than the {header}-byte IDX header")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise FashionMNISTError(f"{path}: wrong magic number {found} (expected {magic}); not an IDX "
                                f"{'image' if magic == _IMAGES_MAGIC else 'label'} file")
    dims = tuple(int(v) for v in np.frombuffer(data, ">u4", count=ndim, offset=4))
    need = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != need:
        problem = "truncated" if len(data) < need else "has trailing bytes"
        raise FashionMNISTError(f"{path}: {problem}: {len(data)} bytes, the header {dims} needs {need}")
    return np.frombuffer(data, np.uint8, offset=header).reshape(dims)


def read_split(split: str, data_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 of ``split`` ("train" or "test").

    ``data_dir`` defaults to ``DEFAULT_DIR`` (Debian's ``dataset-fashion-mnist``)."""
    if split not in FILES:
        raise FashionMNISTError(f"unknown Fashion-MNIST split {split!r}; expected one of {sorted(FILES)}")
    d = Path(data_dir) if data_dir is not None else DEFAULT_DIR
    images_path, labels_path = (find_file(d, name) for name in FILES[split])
    images = read_idx(images_path, _IMAGES_MAGIC, 3)
    labels = read_idx(labels_path, _LABELS_MAGIC, 1)
    if len(images) != len(labels):
        raise FashionMNISTError(f"{images_path} holds {len(images)} images but {labels_path} "
                                f"holds {len(labels)} labels")
    bad = np.flatnonzero(labels >= N_CLASSES)
    if bad.size:
        raise FashionMNISTError(f"{labels_path}: label {int(labels[bad[0]])} at index {int(bad[0])} "
                                f"is outside 0..{N_CLASSES - 1}")
    return images.copy(), labels.astype(np.int64)  # writable (torch.from_numpy needs it); ~20 ms
