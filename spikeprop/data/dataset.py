"""N-MNIST datasets: the embedded default, or the full dataset from a user's directory.

Accepted layouts of ``root``:
- ``Train/<digit>/*.bin`` and ``Test/<digit>/*.bin`` (the published folders),
- ``Train.zip`` / ``Test.zip`` (the published archives, members ``Train/<digit>/*.bin``),
- a folder of ``*.bs2``/``*.bin`` files with ``train1K.txt`` / ``test100.txt`` label files
  (``sample<TAB>class``), like the subset the embedded default was made from.
"""
from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

from spikeprop.data.embedded import embedded_ids, load_embedded
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


def _bin_files(folder: Path) -> list[tuple[str, str]]:
    """``(subfolder, name)`` of every ``folder/*/*.bin``, sorted by path. ``os.scandir``
    instead of ``Path.glob``: the full 60,000-file training set indexes several times faster."""
    out = []
    with os.scandir(folder) as subs:
        dirs = sorted(e.name for e in subs if e.is_dir())
    for d in dirs:
        with os.scandir(folder / d) as entries:
            out += [(d, n) for n in sorted(e.name for e in entries if e.name.endswith(".bin"))]
    return out
def check_members(archive: Path, members: Sequence[str], split_dir: str) -> None:
    """Every recording of ``Train.zip`` must be ``Train/<digit>/NAME.bin`` (``Test`` likewise):
    swapped archives used to train on the test split without a word."""
    other = next(d for d in _SPLIT_DIRS.values() if d != split_dir)
    for m in members:
        parts = m.split("/")
        if len(parts) >= 3 and parts[-3] == split_dir and re.fullmatch(r"[0-9]", parts[-2]):
            continue
        hint = (f"; it belongs to the {other.lower()} split (are {split_dir}.zip and {other}.zip swapped?)"
                if other in parts[:-1] else f" (expected {split_dir}/<digit>/NAME.bin)")
        raise NMNISTFormatError(f"{archive}: member {m} does not match the {split_dir.lower()} split{hint}")


class NMNIST:
    """Labelled N-MNIST recordings. ``root=None`` uses the embedded 1,000 + 100 subset.

    ``ds[i] -> (events, label)`` with events a structured array ``x, y, t, p`` (t in us).
    Files of a user directory are read lazily, one per ``__getitem__``.
    """

    def __init__(self, root: str | Path | None = None, split: str = "train", limit: int | None = None):
        _check_split(split)
        self.root, self.split = (None if root is None else Path(root)), split
        self._events: list[np.ndarray] | None = None
        self._archive: Path | None = None
        self._zip: zipfile.ZipFile | None = None  # opened on first use, in each process
        if self.root is None:
            self._events, labels = load_embedded(split)
            self.names = [f"embedded:{i}.bs2" for i in embedded_ids(split)]
        else:
            self.names, labels = self._index(self.root, split)
        self.labels = np.array(labels, dtype=np.int64)  # own copy: the embedded labels are shared
        if limit is not None:
            self.names, self.labels = self.names[:limit], self.labels[:limit]

    def _index(self, root: Path, split: str) -> tuple[list[str], list[int]]:
        if not root.is_dir():
            raise NMNISTFormatError(f"{root}: no such directory")
        if not any(root.iterdir()):
            raise NMNISTFormatError(f"{root}: empty folder (no N-MNIST recordings)")
        folder, archive = root / _SPLIT_DIRS[split], root / f"{_SPLIT_DIRS[split]}.zip"
        if folder.is_dir():
            stray = sorted(folder.glob("*.bin"))
            if stray:  # used to be skipped without a word
                raise NMNISTFormatError(f"{stray[0]}: .bin file directly in {folder.name}/ (expected "
                                        f"{folder.name}/<digit>/*.bin; {len(stray)} such files)")
            files = _bin_files(folder)
            if not files:
                raise NMNISTFormatError(f"{folder}: empty folder (no <digit>/*.bin files)")
            return [str(folder / d / f) for d, f in files], [_digit_of((d, f), str(folder / d / f)) for d, f in files]
        if archive.is_file():
            self._archive = archive
            members = sorted(n for n in self._zipfile().namelist() if n.endswith(".bin"))
            if not members:
                raise NMNISTFormatError(f"{archive}: archive holds no .bin files")
            check_members(archive, members, _SPLIT_DIRS[split])
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

    def _read_member(self, name: str) -> bytes:
        try:
            return self._zipfile().read(name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # e.g. "Bad CRC-32 for file ..."
            raise NMNISTFormatError(f"{self._archive}:{name}: damaged archive member ({exc})") from None

    def _zipfile(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(self._archive)
            except zipfile.BadZipFile:
                raise NMNISTFormatError(f"{self._archive}: not a valid zip archive") from None
        return self._zip

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_zip": None}  # picklable for DataLoader workers

    def __len__(self) -> int:
        return len(self.labels)

    def source_files(self) -> list[str]:
        """The files the recordings come from (one archive, or one file each); [] if embedded."""
        if self._archive is not None:
            return [str(self._archive)]
        return [] if self._events is not None else list(self.names)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        i = range(len(self))[i]  # IndexError past the end (also past ``limit``)
        if self._events is not None:
            events = self._events[i]
        elif self._archive is not None:
            data = self._read_member(self.names[i])
            events = decode_nmnist_bytes(data, f"{self._archive}:{self.names[i]}")
        else:
            events = read_nmnist(self.names[i])
        return events, int(self.labels[i])

    def events(self) -> list[np.ndarray]:
        """All recordings as a list (reads every file of a user directory)."""
        return [self[i][0] for i in range(len(self))]
