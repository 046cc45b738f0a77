"""The embedded subset's compact format: exact round trip, escapes, size, and load time."""
import time

import numpy as np

from spikeprop.data import EVENT_DTYPE, NMNIST, embedded_ids, load_embedded
from spikeprop.data.embedded import EMBEDDED_FILE, decode_split, encode_split


def _events(t, x=None):
    ev = np.zeros(len(t), EVENT_DTYPE)
    ev["t"] = t
    ev["x"] = np.arange(len(t)) % 34 if x is None else x
    ev["y"] = (np.arange(len(t)) * 7) % 34
    ev["p"] = np.arange(len(t)) % 2
    return ev


def test_round_trip_is_exact_with_escaped_deltas_and_empty_samples():
    samples = [
        _events([0, 5, 5, 70_000, 70_001, 3 * 2**23 + 9]),  # deltas >= 65535 escape
        _events([]),  # empty recording
        _events([100, 50, 65_535, 65_535 + 65_535]),  # a negative and an exactly-65535 delta
        _events(np.sort(np.random.default_rng(1).integers(0, 300_000, 5000))),
    ]
    decoded = decode_split(encode_split(samples))
    assert len(decoded) == len(samples)
    for a, b in zip(samples, decoded):
        assert b.dtype == EVENT_DTYPE and np.array_equal(a, b)


def test_embedded_holds_1000_train_and_100_test_real_samples():
    train, test = load_embedded("train"), load_embedded("test")
    assert len(train[0]) == len(train[1]) == 1000 and len(test[0]) == len(test[1]) == 100
    assert embedded_ids("train").tolist() == list(range(1, 1001))
    assert embedded_ids("test").tolist() == list(range(60001, 60101))
    assert sum(len(e) for e in train[0]) == 4_133_231 and sum(len(e) for e in test[0]) == 385_596


def test_embedded_file_is_small_and_shared_arrays_are_read_only():
    assert EMBEDDED_FILE.stat().st_size < 10_000_000  # raw files: 22.6 MB; plain xz: 14 MB
    events, labels = load_embedded("test")
    assert not events[0].flags.writeable and not labels.flags.writeable
    events.clear()  # the returned list is the caller's own
    assert len(load_embedded("test")[0]) == 100 and len(NMNIST(split="test")) == 100


def test_embedded_loads_fast():
    """Times a real decode (the per-process cache bypassed, so this can fail if decoding gets
    slow), then checks that the cache makes the second call cheap."""
    from spikeprop.data import embedded

    start = time.perf_counter()
    for split in ("train", "test"):
        events, labels, _ = embedded._load_split.__wrapped__(split)  # uncached: decodes the file
        assert len(events) == len(labels) > 0
    cold = time.perf_counter() - start
    assert cold < 10, f"decoding the embedded subset took {cold:.1f} s"  # ~1 s idle; lenient for busy CI
    load_embedded("train")
    start = time.perf_counter()
    load_embedded("train")  # cached now
    assert time.perf_counter() - start < max(0.05, cold / 10)
