"""Build spikeprop/data/embedded/nmnist_small.npz.xz from the raw N-MNIST subset.

Usage: python tools/make_embedded.py SOURCE_DIR
SOURCE_DIR holds N.bs2 files plus train1K.txt / test100.txt (sample<TAB>class).
The result is verified by decoding it again and comparing every event.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from spikeprop.data.dataset import NMNIST
from spikeprop.data.embedded import EMBEDDED_FILE, decode_split, encode_split, write_embedded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="folder with the raw .bs2 files and label files")
    parser.add_argument("-o", "--output", type=Path, default=EMBEDDED_FILE)
    args = parser.parse_args()
    start = time.perf_counter()
    splits, raw_bytes = {}, 0
    for split in ("train", "test"):
        ds = NMNIST(args.source, split)
        events = ds.events()
        raw_bytes += sum(Path(n).stat().st_size for n in ds.names)
        ids = [int(Path(n).stem) for n in ds.names]
        for a, b in zip(events, decode_split(encode_split(events))):
            if not np.array_equal(a, b):
                raise SystemExit("round trip failed: encoder/decoder disagree")
        splits[split] = (events, ds.labels, ids)
        print(f"{split}: {len(events)} samples, {sum(len(e) for e in events):,} events")
    size = write_embedded(args.output, splits)
    print(f"wrote {args.output} ({size / 1e6:.2f} MB; raw files {raw_bytes / 1e6:.1f} MB, "
          f"ratio {raw_bytes / size:.1f}x) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
