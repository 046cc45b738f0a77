"""Static images as a spike data set the trainer consumes like binned N-MNIST.

``EncodedImages`` keeps only the uint8 images (60,000 x 784 bytes = 47 MB for Fashion-MNIST)
and encodes each requested batch on the fly into the same ``(SparseSpikes, labels)`` pair
that ``SparseDataset.batch`` returns, with the same ``len``, ``labels``, ``T``,
``n_inputs``, ``density``, ``subset`` and ``concat``. Each sample carries a ``key``, its
index in the whole data set (train 0..59,999, test 60,000..), which seeds its rate-code
noise, so a subset, a concatenation or a worker's shard encodes a sample exactly as the
full set does. ``set_epoch(e)`` draws fresh rate-code noise per epoch (augmentation);
evaluation data left at epoch 0 always gives the same spikes.
"""
from __future__ import annotations

from pathlib import Path

import torch

from spikeprop.data.encoding import ENCODINGS, LATENCY_THRESHOLD, latency_steps, rate_encode
from spikeprop.errors import SpikePropError
from spikeprop.rules.sparse import SparseSpikes

IMAGE_DATASETS = ("fashion-mnist",)


class EncodedImages:
    """uint8 images (N, ...) with labels, encoded into T-step spike trains batch by batch."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, T: int, encoding: str = "rate",
                 seed: int = 0, keys: torch.Tensor | None = None,
                 threshold: float = LATENCY_THRESHOLD) -> None:
        if encoding not in ENCODINGS:
            raise SpikePropError(f"unknown encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")
        if int(T) < 1:
            raise SpikePropError(f"T must be >= 1, got {T}")
        images = torch.as_tensor(images)
        self.images = images.reshape(images.shape[0], -1)  # (N, n_inputs) uint8
        self.labels = torch.as_tensor(labels).long()
        self.keys = torch.arange(len(self.labels)) if keys is None else torch.as_tensor(keys).long()
        if not (len(self.images) == len(self.labels) == len(self.keys)):
            raise ValueError("images, labels and keys differ in length")
        self.T, self.n_inputs = int(T), int(self.images.shape[1])
        self.encoding, self.seed, self.threshold = encoding, int(seed), float(threshold)
        self.epoch = 0
        self._density: float | None = None

    def __len__(self) -> int:
        return int(self.labels.numel())

    def set_epoch(self, epoch: int) -> None:
        """Rate-code noise of later ``batch`` calls comes from ``epoch`` (latency has none)."""
        self.epoch = int(epoch)

    def _like(self, images: torch.Tensor, labels: torch.Tensor, keys: torch.Tensor) -> "EncodedImages":
        out = EncodedImages(images, labels, self.T, self.encoding, self.seed, keys, self.threshold)
        out.epoch = self.epoch
        return out

    def subset(self, ids: torch.Tensor) -> "EncodedImages":
        ids = torch.as_tensor(ids).long()
        return self._like(self.images[ids], self.labels[ids], self.keys[ids])

    @staticmethod
    def concat(a: "EncodedImages", b: "EncodedImages") -> "EncodedImages":
        if (a.T, a.n_inputs, a.encoding, a.seed, a.threshold) != (b.T, b.n_inputs, b.encoding, b.seed, b.threshold):
            raise ValueError("datasets differ in T, inputs, encoding, seed or threshold")
        return a._like(torch.cat([a.images, b.images]), torch.cat([a.labels, b.labels]),
                       torch.cat([a.keys, b.keys]))

    def batch(self, ids: torch.Tensor) -> tuple[SparseSpikes, torch.Tensor]:
        """Samples ``ids`` as (SparseSpikes of shape (T, B, n_inputs), labels)."""
        ids = torch.as_tensor(ids).long().reshape(-1)
        images, B = self.images[ids], int(ids.numel())
        shape = (self.T, B, self.n_inputs)
        if self.encoding == "latency":  # straight to coordinates: one spike per bright pixel
            steps = latency_steps(images, self.T, self.threshold)
            b, c = (steps >= 0).nonzero(as_tuple=True)
            return SparseSpikes(steps[b, c], b, c, shape), self.labels[ids]
        dense = rate_encode(images, self.T, self.seed, self.epoch, self.keys[ids])
        key = dense.view(-1).nonzero().squeeze(1)  # row-major: already ordered by (t, b, c)
        return SparseSpikes.from_sorted_keys(key, shape), self.labels[ids]

    @property
    def density(self) -> float:
        """Expected fraction of (step, input) pairs that spike (exact for latency)."""
        if self._density is None:
            if self.encoding == "rate":
                total = self.images.sum(dtype=torch.float64) / 255.0
            else:
                total = (self.images.float() / 255.0 > self.threshold).sum(dtype=torch.float64) / self.T
            self._density = float(total) / max(1, len(self) * self.n_inputs)
        return self._density


def load_image_dataset(split: str, T: int, encoding: str = "rate", data_dir: str | Path | None = None,
                       seed: int = 0, dataset: str = "fashion-mnist", limit: int | None = None,
                       threshold: float = LATENCY_THRESHOLD) -> EncodedImages:
    """A split ("train" / "test") of a static-image data set as an ``EncodedImages``.

    ``data_dir`` None: the data set's default folder (Fashion-MNIST: Debian's
    ``/usr/share/datasets/fashion-mnist``). ``limit`` keeps the first samples (quick runs).
    Test keys start after the training set's, so no test image shares a train image's noise.
    """
    if dataset not in IMAGE_DATASETS:
        raise SpikePropError(f"unknown image data set {dataset!r}; expected one of {', '.join(IMAGE_DATASETS)}")
    from spikeprop.data.fashion_mnist import read_split

    images, labels = read_split(split, data_dir)
    first_key = 0 if split == "train" else 60_000  # Fashion-MNIST's 60,000 training images come first
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    keys = torch.arange(first_key, first_key + len(labels))
    return EncodedImages(torch.from_numpy(images), torch.from_numpy(labels), T, encoding, seed, keys, threshold)
