"""Helpers to write synthetic N-MNIST event files (the format is simple enough to encode by hand)."""
from pathlib import Path

import pytest

from nmnist_encoding import encode_events

RAW_SUBSET = Path(__file__).resolve().parents[4] / "shared" / "data" / "nmnist-small"


@pytest.fixture
def encode():
    return encode_events


@pytest.fixture
def raw_subset():
    if not (RAW_SUBSET / "train1K.txt").is_file():
        pytest.skip(f"raw N-MNIST subset not found beside the repository ({RAW_SUBSET.name})")
    return RAW_SUBSET
