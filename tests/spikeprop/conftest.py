"""Fixtures for all spikeprop tests."""
import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_data_cache(tmp_path_factory):
    """Binned-split cache (spikeprop.datasets) in a temporary folder, not the user's ~/.cache."""
    old = os.environ.get("SPIKEPROP_CACHE_DIR")
    os.environ["SPIKEPROP_CACHE_DIR"] = str(tmp_path_factory.mktemp("spikeprop-cache"))
    yield
    if old is None:
        os.environ.pop("SPIKEPROP_CACHE_DIR", None)
    else:
        os.environ["SPIKEPROP_CACHE_DIR"] = old
