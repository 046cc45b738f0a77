"""Fashion-MNIST IDX reader: the real files (when present) and every bad-file case, each a one-line error."""
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from spikeprop.data.fashion_mnist import FILES, FashionMNISTError, read_idx, read_split
from spikeprop.errors import SpikePropError

# <repo>/../shared/data/fashion-mnist; FASHION_MNIST_DIR overrides it (e.g. from a git worktree)
SHARED = Path(os.environ.get("FASHION_MNIST_DIR")
              or Path(__file__).resolve().parents[4] / "shared" / "data" / "fashion-mnist")


def idx_bytes(arr: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file of uint8 ``arr`` (magic 2051 for 3-d images, 2049 for 1-d labels)."""
    magic = magic if magic is not None else (2051 if arr.ndim == 3 else 2049)
    head = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + np.ascontiguousarray(arr, dtype=np.uint8).tobytes()


def write_split(d: Path, images: np.ndarray, labels: np.ndarray, split: str = "train", gz: bool = True):
    names = FILES[split]
    paths = []
    for name, arr in zip(names, (images, labels)):
        data = idx_bytes(arr)
        p = d / (f"{name}.gz" if gz else name)
        p.write_bytes(gzip.compress(data) if gz else data)
        paths.append(p)
    return paths


def small(n=5):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def one_line_error(match, fn, *args):
    with pytest.raises(FashionMNISTError, match=match) as exc:
        fn(*args)
    msg = str(exc.value)
    assert "\n" not in msg and isinstance(exc.value, SpikePropError)
    return msg


@pytest.fixture
def shared_dir():
    if not (SHARED / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST files not found beside the repository ({SHARED.name})")
    return SHARED


def test_reads_the_real_files(shared_dir):
    x, y = read_split("train", shared_dir)
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8 and x.flags.writeable
    assert y.shape == (60000,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [6000] * 10  # Fashion-MNIST is balanced
    assert y[:5].tolist() == [9, 0, 0, 3, 0]  # the published first labels
    xt, yt = read_split("test", shared_dir)
    assert xt.shape == (10000, 28, 28) and np.bincount(yt).tolist() == [1000] * 10
    assert 0.25 < x.mean() / 255 < 0.32  # mean intensity ~0.286


@pytest.mark.parametrize("gz", [True, False])
def test_round_trip_gzipped_and_plain(tmp_path, gz):
    images, labels = small()
    write_split(tmp_path, images, labels, "test", gz=gz)
    x, y = read_split("test", tmp_path)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels.astype(np.int64))


def test_wrong_magic(tmp_path):
    images, labels = small()
    img, _ = write_split(tmp_path, images, labels)
    img.write_bytes(gzip.compress(idx_bytes(images, magic=2049)))
    one_line_error(r"train-images-idx3-ubyte\.gz: wrong magic number 2049 \(expected 2051\)",
                   read_split, "train", tmp_path)


def test_truncated(tmp_path):
    images, labels = small()
    img, _ = write_split(tmp_path, images, labels)
    img.write_bytes(gzip.compress(idx_bytes(images)[:-100]))
    one_line_error(r"train-images-idx3-ubyte\.gz: truncated: 3836 bytes, the header \(5, 28, 28\) needs 3936",
                   read_split, "train", tmp_path)


def test_truncated_header(tmp_path):
    p = tmp_path / "x-idx1"
    p.write_bytes(b"\x00\x00\x08")
    one_line_error(r"x-idx1: truncated: 3 bytes, shorter than the 8-byte IDX header", read_idx, p, 2049, 1)


def test_trailing_bytes(tmp_path):
    p = tmp_path / "labels-idx1"
    p.write_bytes(idx_bytes(np.zeros(3, np.uint8)) + b"\x00")
    one_line_error(r"labels-idx1: has trailing bytes", read_idx, p, 2049, 1)


def test_bad_gzip(tmp_path):
    images, labels = small()
    _, lab = write_split(tmp_path, images, labels)
    lab.write_bytes(gzip.compress(idx_bytes(labels))[:-12])  # cut inside the stream
    one_line_error(r"train-labels-idx1-ubyte\.gz: bad gzip data", read_split, "train", tmp_path)


def test_count_mismatch(tmp_path):
    images, labels = small()
    write_split(tmp_path, images, labels[:4])
    msg = one_line_error(r"holds 5 images but .*train-labels-idx1-ubyte\.gz holds 4 labels",
                         read_split, "train", tmp_path)
    assert "train-images-idx3-ubyte.gz" in msg


def test_label_out_of_range(tmp_path):
    images, labels = small()
    labels[3] = 10
    write_split(tmp_path, images, labels)
    one_line_error(r"train-labels-idx1-ubyte\.gz: label 10 at index 3 is outside 0\.\.9", read_split, "train", tmp_path)


def test_missing_file_names_it_where_and_how(tmp_path):
    images, labels = small()
    img, _ = write_split(tmp_path, images, labels)
    img.unlink()
    msg = one_line_error(r"train-images-idx3-ubyte\.gz \(or train-images-idx3-ubyte\) not found in ",
                         read_split, "train", tmp_path)
    assert str(tmp_path) in msg and "apt-get install dataset-fashion-mnist" in msg and "--data DIR" in msg


def test_missing_folder(tmp_path):
    msg = one_line_error(r"does not exist", read_split, "test", tmp_path / "nowhere")
    assert "nowhere" in msg


def test_unknown_split(tmp_path):
    one_line_error(r"unknown Fashion-MNIST split 'val'", read_split, "val", tmp_path)
