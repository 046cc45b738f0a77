"""N-MNIST: reader of the original event format, datasets, and event binning.

Modules: ``nmnist`` (file format), ``dataset`` (embedded default or a user's directory),
``embedded`` (the compact 1,000 + 100 sample file), ``binning`` (events -> frames),
``frames`` (whole splits binned into dense frames, optionally kept in a caller-owned cache).
"""
from spikeprop.data.binning import (
    DEFAULT_WINDOW_US, batch_to_dense, batch_to_sparse, events_to_frames, sparse_matmul, time_window,
)
from spikeprop.data.dataset import NMNIST
from spikeprop.data.embedded import embedded_ids, load_embedded
from spikeprop.data.frames import load_frames
from spikeprop.data.nmnist import (
    EVENT_DTYPE, N_INPUTS, SENSOR_SIZE, NMNISTFormatError, decode_nmnist_bytes, read_nmnist,
)

__all__ = [
    "read_nmnist", "decode_nmnist_bytes", "NMNISTFormatError", "EVENT_DTYPE", "SENSOR_SIZE",
    "N_INPUTS", "NMNIST", "load_embedded", "embedded_ids", "events_to_frames", "batch_to_dense",
    "batch_to_sparse", "sparse_matmul", "time_window", "load_frames", "DEFAULT_WINDOW_US",
]
