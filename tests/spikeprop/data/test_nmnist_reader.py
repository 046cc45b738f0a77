"""read_nmnist / decode_nmnist_bytes: the format, overflow markers, and every bad-input case."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeprop.data import NMNISTFormatError, decode_nmnist_bytes, read_nmnist

from nmnist_encoding import encode_events


def test_decodes_fields(encode):
    data = encode([0, 33, 5], [0, 33, 7], [1, 0, 1], [0, 1000, 0x7FFFFF])
    ev = decode_nmnist_bytes(data)
    assert ev.dtype.names == ("x", "y", "t", "p")
    assert ev["x"].tolist() == [0, 33, 5]
    assert ev["y"].tolist() == [0, 33, 7]
    assert ev["p"].tolist() == [1, 0, 1]
    assert ev["t"].tolist() == [0, 1000, 0x7FFFFF]


def test_overflow_markers_extend_time_past_2_pow_23(encode):
    t = [10, 2**23 + 5, 2 * 2**23 + 7]
    data = encode([1, 2, 3], [1, 2, 3], [0, 1, 0], t)
    assert len(data) == 5 * 5  # two markers were inserted
    ev = decode_nmnist_bytes(data)
    assert ev["t"].tolist() == t  # markers removed, offsets applied
    assert len(ev) == 3


def test_truncated_file_names_file_and_problem(tmp_path, encode):
    f = tmp_path / "cut.bin"
    f.write_bytes(encode([1], [1], [0], [5]) + b"\x01\x02")
    with pytest.raises(NMNISTFormatError, match=r"cut\.bin: truncated: 7 bytes is not a multiple of 5"):
        read_nmnist(f)


def test_empty_file(tmp_path):
    f = tmp_path / "empty.bin"
    f.write_bytes(b"")
    with pytest.raises(NMNISTFormatError, match=r"empty\.bin: empty file"):
        read_nmnist(f)


def test_coordinates_outside_sensor(encode):
    data = encode([1, 34], [1, 2], [0, 0], [1, 2])
    with pytest.raises(NMNISTFormatError, match=r"rec: event 1 has coordinates \(x=34, y=2\) outside the 34x34"):
        decode_nmnist_bytes(data, "rec")


def test_missing_file(tmp_path):
    with pytest.raises(NMNISTFormatError, match="no such file"):
        read_nmnist(tmp_path / "nope.bin")


def test_error_is_one_line(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(b"abc")
    with pytest.raises(NMNISTFormatError) as info:
        read_nmnist(f)
    assert "\n" not in str(info.value)


def test_reads_real_recording_like_tonic(raw_subset):
    ev = read_nmnist(raw_subset / "1.bs2")
    assert 1000 < len(ev) < 20000
    assert ev["x"].max() < 34 and ev["y"].max() < 34
    assert set(np.unique(ev["p"])) <= {0, 1}
    assert 250_000 < ev["t"].max() < 400_000  # about 300 ms, three saccades
    assert np.all(np.diff(ev["t"]) >= 0)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_never_crash(data):
    try:
        ev = decode_nmnist_bytes(data, "fuzz")
    except NMNISTFormatError as exc:
        assert str(exc).startswith("fuzz: ")
    else:
        assert len(ev) > 0 and len(data) % 5 == 0
        assert ev["x"].max() < 34 and ev["y"].max() < 34
        assert ev["t"].min() >= 0 and set(ev["p"].tolist()) <= {0, 1}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_corrupted_valid_files(data):
    n = data.draw(st.integers(1, 30))
    xs = data.draw(st.lists(st.integers(0, 33), min_size=n, max_size=n))
    ts = sorted(data.draw(st.lists(st.integers(0, 3 * 2**23), min_size=n, max_size=n)))
    raw = bytearray(encode_events(xs, xs, [i % 2 for i in range(n)], ts))
    assert decode_nmnist_bytes(bytes(raw))["t"].tolist() == ts  # the clean file decodes exactly
    # corrupt: flip a byte and/or cut the tail
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    try:
        ev = decode_nmnist_bytes(bytes(raw), "corrupt")
    except NMNISTFormatError as exc:
        assert "corrupt: " in str(exc)
    else:
        assert ev["x"].max() < 34 and ev["y"].max() < 34
