#!/usr/bin/env python3
"""Make a full-size N-MNIST folder (60,000 + 10,000 recordings) by replicating a small subset.

For measuring load time, memory and epoch time at full size without the full data set (the
accuracy of such a folder means nothing: it repeats the same recordings). Reads a subset
folder of ``*.bs2`` files with ``train1K.txt`` / ``test100.txt`` label files (``sample<TAB>class``)
and writes ``OUT/Train/<digit>/NNNNN.bin`` and ``OUT/Test/<digit>/NNNNN.bin``, the published
layout, as hard links (copies with ``--copy``, or when OUT is on another file system).

    python tools/replicate_nmnist.py SUBSET_DIR OUT [--train 60000] [--test 10000]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path


def labels(path: Path) -> list[tuple[str, int]]:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return [(name, int(digit)) for name, digit in rows]


def replicate(src: Path, dst: Path, split: str, label_file: str, n: int, copy: bool) -> None:
    rows = labels(src / label_file)
    for d in range(10):
        (dst / split / str(d)).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name, digit = rows[i % len(rows)]
        target = dst / split / str(digit) / f"{i:05d}.bin"
        if target.exists():
            continue
        if copy:
            shutil.copyfile(src / f"{name}.bs2", target)
            continue
        try:
            os.link(src / f"{name}.bs2", target)
        except OSError:  # another file system: copy
            shutil.copyfile(src / f"{name}.bs2", target)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("src", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--train", type=int, default=60000)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--copy", action="store_true", help="copy the files instead of hard-linking them")
    args = p.parse_args(argv)
    for f in ("train1K.txt", "test100.txt"):
        if not (args.src / f).is_file():
            print(f"{args.src}: no {f} (expected a subset folder of *.bs2 files with label files)", file=sys.stderr)
            return 1
    replicate(args.src, args.out, "Train", "train1K.txt", args.train, args.copy)
    replicate(args.src, args.out, "Test", "test100.txt", args.test, args.copy)
    print(f"wrote {args.train} + {args.test} recordings to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
