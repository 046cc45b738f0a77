"""Test helper (a plain module beside the tests, imported as ``toy_data``): synthetic spike
data; each class is a random prototype set of input channels firing at ``p_on`` per step,
all other channels at ``p_off``."""
from __future__ import annotations

import torch

from spikeprop.rules.sparse import SparseDataset


def toy_dataset(n: int, T: int = 12, n_inputs: int = 48, n_classes: int = 4, seed: int = 0,
                p_on: float = 0.3, p_off: float = 0.02, proto_seed: int = 1234) -> SparseDataset:
    """``n`` recordings, labels cycling over the classes; prototypes depend on ``proto_seed`` only
    (so a train and a test set built with different ``seed`` share the task)."""
    protos = (torch.rand(n_classes, n_inputs, generator=torch.Generator().manual_seed(proto_seed)) < 0.25).float()
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % n_classes
    probs = protos[y] * p_on + (1 - protos[y]) * p_off
    frames = (torch.rand(n, T, n_inputs, generator=g) < probs[:, None, :]).to(torch.uint8)
    return SparseDataset.from_frames(frames, y)
