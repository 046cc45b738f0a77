"""Reader for the original N-MNIST binary event format.

Each event is 40 bits, big-endian: byte 0 = x, byte 1 = y, bit 7 of byte 2 = polarity,
bits 22..0 of bytes 2..4 = timestamp (us). An event with ``y == 240`` is a timestamp
overflow marker: it adds 2**23 us to every following event and is not an event itself.
Decoding is fully vectorised (one ``np.frombuffer``), so a 4,000-event file takes microseconds.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from spikeprop.errors import SpikePropError

SENSOR_SIZE = (34, 34)  # (width, height) in pixels; both are 34
N_INPUTS = 2 * SENSOR_SIZE[0] * SENSOR_SIZE[1]  # two polarity channels: 2,312 inputs
EVENT_DTYPE = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", np.int8)])
_OVERFLOW_Y = 240
_BYTES_PER_EVENT = 5


class NMNISTFormatError(SpikePropError, ValueError):
    """An N-MNIST file or folder is unreadable; the message names it and the problem."""


def decode_nmnist_bytes(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of one recording into a structured array with fields x, y, t, p."""
    n = len(data)
    if n == 0:
        raise NMNISTFormatError(f"{name}: empty file (0 bytes, no events)")
    if n % _BYTES_PER_EVENT:
        raise NMNISTFormatError(
            f"{name}: truncated: {n} bytes is not a multiple of {_BYTES_PER_EVENT}"
        )
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, _BYTES_PER_EVENT)
    ts = (
        ((raw[:, 2].astype(np.int64) & 0x7F) << 16)
        | (raw[:, 3].astype(np.int64) << 8)
        | raw[:, 4].astype(np.int64)
    )
    overflow = raw[:, 1] == _OVERFLOW_Y
    ts += np.cumsum(overflow, dtype=np.int64) << 23
    keep = ~overflow
    x, y = raw[keep, 0], raw[keep, 1]
    outside = (x >= SENSOR_SIZE[0]) | (y >= SENSOR_SIZE[1])
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        file_index = int(np.flatnonzero(keep)[i])
        raise NMNISTFormatError(
            f"{name}: event {file_index} has coordinates (x={x[i]}, y={y[i]}) outside the "
            f"{SENSOR_SIZE[0]}x{SENSOR_SIZE[1]} sensor (corrupt file?)"
        )
    if not keep.any():
        raise NMNISTFormatError(f"{name}: holds only timestamp-overflow markers, no events")
    events = np.empty(int(keep.sum()), dtype=EVENT_DTYPE)
    events["x"], events["y"] = x, y
    events["t"] = ts[keep]
    events["p"] = raw[keep, 2] >> 7
    return events


def read_nmnist(path: str | Path) -> np.ndarray:
    """Read one N-MNIST recording (``.bin`` / ``.bs2``) -> structured array ``x, y, t, p``.

    ``t`` is in microseconds (tonic's convention), overflow markers already applied.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NMNISTFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NMNISTFormatError(f"{path}: is a directory, expected an event file") from None
    return decode_nmnist_bytes(data, str(path))
