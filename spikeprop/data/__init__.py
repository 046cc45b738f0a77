"""N-MNIST: reader of the original event format, datasets, and event binning."""
from spikeprop.data.binning import (
    DEFAULT_WINDOW_US, N_INPUTS, batch_to_dense, batch_to_sparse, events_to_frames, load_frames,
)
from spikeprop.data.dataset import NMNIST
from spikeprop.data.embedded import load_embedded
from spikeprop.data.nmnist import (
    EVENT_DTYPE, SENSOR_SIZE, NMNISTFormatError, decode_nmnist_bytes, read_nmnist,
)

__all__ = [
    "read_nmnist", "decode_nmnist_bytes", "NMNISTFormatError", "EVENT_DTYPE", "SENSOR_SIZE",
    "NMNIST", "load_embedded", "events_to_frames", "batch_to_dense", "batch_to_sparse",
    "load_frames", "N_INPUTS", "DEFAULT_WINDOW_US",
]
