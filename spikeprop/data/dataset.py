"""N-MNIST datasets: the embedded default, or the full dataset from a user's directory.

Accepted layouts of ``root``:
- ``Train/<digit>/*.bin`` and ``Test/<digit>/*.bin`` (the published folders),
- ``Train.zip`` / ``Test.zip`` (the published archives, members ``Train/<digit>/*.bin``),
- a folder of ``*.bs2``/``*.bin`` files with ``train1K.txt`` / ``test100.txt`` label files
  (``sample<TAB>class``), like the subset the embedded default was made from.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from spikeprop.data.embedded import load_embedded
from spikeprop.data.nmnist import NMNISTFormatError, decode_nmnist_bytes, read_nmnist

_SPLIT_DIRS = {"train": "Train", "test": "Test"}
_LABEL_FILES = {"train": ("train1K.txt", "train.txt"), "test": ("test100.txt", "test.txt")}


def _check_split(split: str) -> None:
    if split not in _SPLIT_DIRS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def _digit_of(parts: Sequence[str], where: str) -> int:
    digit = parts[-2] if len(parts) >= 2 else ""
    if not re.fullmatch(r"[0-9]", digit):
        raise NMNISTFormatError(f"{where}: missing label (expected a parent folder named 0-9)")
    return int(digit)


class NMNIST:
    """Labelled N-MNIST recordings. ``root=None`` uses the embedded 1,000 + 100 subset.

    ``ds[i] -> (events, label)`` with events a structured array ``x, y, t, p`` (t in us).
    Files of a user directory are read lazily, one per ``__getitem__``.
    """

    def __init__(self, root: str | Path | None = None, split: str = "train", limit: int | None = None):
        _check_split(split)
        self.root, self.split = (None if root is None else Path(root)), split
        self._events: list[np.ndarray] | None = None
        self._zip: zipfile.ZipFile | None = None
        if self.root is None:
            self._events, labels, _ = load_embedded(split)
            self.names = [f"embedded:{split}[{i}]" for i in range(len(labels))]
        else:
            self.names, labels = self._index(self.root, split)
        self.labels = np.asarray(labels, dtype=np.int64)
        if limit is not None:
            self.names, self.labels = self.names[:limit], self.labels[:limit]

    def _index(self, root: Path, split: str) -> tuple[list[str], list[int]]:
        if not root.exists():
            raise NMNISTFormatError(f"{root}: no such directory")
        folder, archive = root / _SPLIT_DIRS[split], root / f"{_SPLIT_DIRS[split]}.zip"
        if folder.is_dir():
            files = sorted(folder.glob("*/*.bin"))
            if not files:
                raise NMNISTFormatError(f"{folder}: empty folder (no <digit>/*.bin files)")
            return [str(f) for f in files], [_digit_of(f.parts, str(f)) for f in files]
        if archive.is_file():
            try:
                self._zip = zipfile.ZipFile(archive)
            except zipfile.BadZipFile:
                raise NMNISTFormatError(f"{archive}: not a valid zip archive") from None
            members = sorted(n for n in self._zip.namelist() if n.endswith(".bin"))
            if not members:
                raise NMNISTFormatError(f"{archive}: archive holds no .bin files")
            return members, [_digit_of(m.split("/"), f"{archive}:{m}") for m in members]
        return self._index_label_file(root, split)

    @staticmethod
    def _index_label_file(root: Path, split: str) -> tuple[list[str], list[int]]:
        label_file = next((root / n for n in _LABEL_FILES[split] if (root / n).is_file()), None)
        if label_file is None:
            raise NMNISTFormatError(
                f"{root}: no N-MNIST data found (expected {_SPLIT_DIRS[split]}/<digit>/*.bin, "
                f"{_SPLIT_DIRS[split]}.zip, or *.bs2 files with {_LABEL_FILES[split][0]})"
            )
        names, labels = [], []
        for lineno, line in enumerate(label_file.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split()
            if len(fields) != 2 or not fields[1].isdigit():
                raise NMNISTFormatError(f"{label_file}:{lineno}: missing label in {line!r}")
            path = next((root / f"{fields[0]}{ext}" for ext in (".bs2", ".bin")
                         if (root / f"{fields[0]}{ext}").is_file()), None)
            if path is None:
                raise NMNISTFormatError(f"{label_file}:{lineno}: event file {fields[0]}.bs2 not found")
            names.append(str(path))
            labels.append(int(fields[1]))
        if not names:
            raise NMNISTFormatError(f"{label_file}: empty label file")
        return names, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        if self._events is not None:
            events = self._events[i]
        elif self._zip is not None:
            events = decode_nmnist_bytes(self._zip.read(self.names[i]), f"{self._zip.filename}:{self.names[i]}")
        else:
            events = read_nmnist(self.names[i])
        return events, int(self.labels[i])

    def events(self) -> list[np.ndarray]:
        """All recordings as a list (reads every file of a user directory)."""
        return [self[i][0] for i in range(len(self))]
