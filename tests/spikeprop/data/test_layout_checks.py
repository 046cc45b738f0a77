"""A user's N-MNIST folder or zip whose structure does not match the split is refused naming the
first offending member; damaged zip members are one line, also through the CLI."""
import zipfile

import pytest

from spikeprop.cli.__main__ import main
from spikeprop.data import NMNIST, NMNISTFormatError


def _sample(encode, k=0):
    return encode([k % 30, 1, 2], [2, 3, 4], [0, 1, 0], [10, 20_000, 40_000])


def _zips(root, encode, train_prefix="Train", test_prefix="Test"):
    for name, prefix in (("Train", train_prefix), ("Test", test_prefix)):
        with zipfile.ZipFile(root / f"{name}.zip", "w", zipfile.ZIP_STORED) as z:
            for d in range(10):
                for k in range(3):
                    z.writestr(f"{prefix}/{d}/{d:02d}{k:03d}.bin", _sample(encode, k))


def test_stray_bin_directly_in_train_is_reported(tmp_path, encode):
    for d in range(10):
        (tmp_path / "Train" / str(d)).mkdir(parents=True)
        (tmp_path / "Train" / str(d) / "1.bin").write_bytes(_sample(encode))
    (tmp_path / "Train" / "00042.bin").write_bytes(_sample(encode))
    with pytest.raises(NMNISTFormatError, match=r"00042.bin: .bin file directly in Train/"):
        NMNIST(tmp_path, "train")


def test_swapped_zip_members_detected(tmp_path, encode):
    _zips(tmp_path, encode, train_prefix="Test", test_prefix="Train")
    with pytest.raises(NMNISTFormatError, match=r"member Test/0/00000.bin does not match the train split.*swapped"):
        NMNIST(tmp_path, "train")


def test_member_outside_the_split_layout(tmp_path, encode):
    with zipfile.ZipFile(tmp_path / "Train.zip", "w") as z:
        z.writestr("Train/3/a.bin", _sample(encode))
        z.writestr("stuff/b.bin", _sample(encode))
    with pytest.raises(NMNISTFormatError, match=r"member stuff/b.bin does not match the train split"):
        NMNIST(tmp_path, "train")


def _corrupt_member(path, member):
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 2] ^= 0xFF  # stored data changed: CRC-32 no longer matches
    path.write_bytes(bytes(data))


def test_corrupt_member_is_one_line(tmp_path, encode):
    _zips(tmp_path, encode)
    _corrupt_member(tmp_path / "Test.zip", "Test/5/05001.bin")
    ds = NMNIST(tmp_path, "test")
    i = ds.names.index("Test/5/05001.bin")
    with pytest.raises(NMNISTFormatError, match=r"Test.zip:Test/5/05001.bin: damaged archive member"):
        ds[i]


def test_corrupt_member_through_the_cli(tmp_path, encode, capsys):
    _zips(tmp_path, encode)
    _corrupt_member(tmp_path / "Train.zip", "Train/2/02001.bin")
    code = main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--epochs", "1", "--T", "5",
                 "--sizes", "2312,8,10", "--quiet"])
    err = [l for l in capsys.readouterr().err.splitlines() if l.strip()]
    assert code == 1 and len(err) == 1, err
    assert "Train.zip:Train/2/02001.bin: damaged archive member" in err[0]
    assert not (tmp_path / "run").exists()  # nothing written


def test_real_data_path_through_the_cli(tmp_path, encode, capsys):
    _zips(tmp_path, encode)
    code = main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), "--epochs", "1", "--T", "5",
                 "--sizes", "2312,8,10", "--quiet", "--val-fraction", "0.2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "data: nmnist, 20 train / 10 validation / 30 test recordings" in out
    assert (tmp_path / "run" / "best.pt").is_file()
