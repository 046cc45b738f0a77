"""NMNIST dataset: embedded default, user directories (folders, zips, label files), bad input."""
import pickle
import zipfile

import numpy as np
import pytest

from spikeprop.data import NMNIST, NMNISTFormatError, embedded_ids, load_embedded, read_nmnist


def test_embedded_default_has_1000_train_and_100_test_labelled_samples():
    train, test = NMNIST(split="train"), NMNIST(split="test")
    assert len(train) == 1000 and len(test) == 100
    assert sorted(set(train.labels.tolist())) == list(range(10))
    assert np.bincount(train.labels).min() > 60  # every digit well represented
    events, label = test[0]
    assert label == 7  # the first N-MNIST test sample is a 7
    assert events.dtype.names == ("x", "y", "t", "p") and len(events) > 1000


@pytest.mark.parametrize("split, label_file", [("train", "train1K.txt"), ("test", "test100.txt")])
def test_embedded_equals_every_raw_file(raw_subset, split, label_file):
    events, labels = load_embedded(split)
    ids = embedded_ids(split)
    rows = dict(l.split() for l in (raw_subset / label_file).read_text().splitlines() if l and l[0] != "#")
    assert sorted(ids.tolist()) == sorted(int(k) for k in rows)
    for ev, label, i in zip(events, labels, ids):
        assert np.array_equal(ev, read_nmnist(raw_subset / f"{i}.bs2"))
        assert label == int(rows[str(i)])


def test_limit_and_index_past_the_end():
    ds = NMNIST(split="test", limit=5)
    assert len(ds) == 5 and len(list(ds)) == 5
    with pytest.raises(IndexError):
        ds[5]
    assert np.array_equal(ds[-1][0], NMNIST(split="test")[4][0])


def _write_folder_layout(root, encode):
    for split, n in (("Train", 3), ("Test", 2)):
        for digit in (3, 8):
            d = root / split / str(digit)
            d.mkdir(parents=True)
            for k in range(n):
                (d / f"{k:05d}.bin").write_bytes(encode([k, 1], [2, 3], [0, 1], [10, 20]))


def test_full_dataset_folder_layout(tmp_path, encode):
    _write_folder_layout(tmp_path, encode)
    ds = NMNIST(tmp_path, "train")
    assert len(ds) == 6 and sorted(ds.labels.tolist()) == [3, 3, 3, 8, 8, 8]
    assert len(NMNIST(tmp_path, "test", limit=3)) == 3
    assert ds[0][0]["x"].tolist() == [0, 1]


def test_full_dataset_zip_layout(tmp_path, encode):
    with zipfile.ZipFile(tmp_path / "Test.zip", "w") as z:
        z.writestr("Test/4/00001.bin", encode([1], [1], [1], [5]))
        z.writestr("Test/9/00002.bin", encode([2], [2], [0], [6]))
    ds = NMNIST(tmp_path, "test")
    assert ds.labels.tolist() == [4, 9]
    assert ds[1][0]["x"].tolist() == [2]
    clone = pickle.loads(pickle.dumps(ds))  # DataLoader workers pickle the dataset
    assert clone[0][0]["t"].tolist() == [5]


def test_empty_folder_is_reported(tmp_path):
    (tmp_path / "Train").mkdir()
    with pytest.raises(NMNISTFormatError, match="Train: empty folder"):
        NMNIST(tmp_path, "train")


def test_missing_label_is_reported(tmp_path, encode):
    (tmp_path / "Train" / "misc").mkdir(parents=True)
    (tmp_path / "Train" / "misc" / "1.bin").write_bytes(encode([1], [1], [1], [5]))
    with pytest.raises(NMNISTFormatError, match="1.bin: missing label"):
        NMNIST(tmp_path, "train")


def test_label_file_layout_missing_label_and_file(tmp_path, encode):
    (tmp_path / "1.bs2").write_bytes(encode([1], [1], [1], [5]))
    (tmp_path / "train1K.txt").write_text("#sample\tclass\n1\t5\n")
    assert NMNIST(tmp_path, "train").labels.tolist() == [5]
    (tmp_path / "train1K.txt").write_text("#sample\tclass\n1\n")
    with pytest.raises(NMNISTFormatError, match=r"train1K.txt:2: missing label"):
        NMNIST(tmp_path, "train")
    (tmp_path / "train1K.txt").write_text("#h\n2\t3\n")
    with pytest.raises(NMNISTFormatError, match=r"2.bs2 not found"):
        NMNIST(tmp_path, "train")


def test_unknown_or_empty_directory_is_reported(tmp_path):
    with pytest.raises(NMNISTFormatError, match="empty folder"):
        NMNIST(tmp_path, "train")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NMNISTFormatError, match="no N-MNIST data found"):
        NMNIST(tmp_path, "train")
    with pytest.raises(NMNISTFormatError, match="no such directory"):
        NMNIST(tmp_path / "absent", "train")


def test_corrupt_file_in_dataset_names_it(tmp_path, encode):
    _write_folder_layout(tmp_path, encode)
    bad = tmp_path / "Train" / "3" / "00000.bin"
    bad.write_bytes(bad.read_bytes()[:-1])
    ds = NMNIST(tmp_path, "train")
    with pytest.raises(NMNISTFormatError, match="00000.bin: truncated"):
        ds[0]
