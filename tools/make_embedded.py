"""Build spikeprop/data/embedded/nmnist_small.npz from the raw N-MNIST subset.

Usage: python tools/make_embedded.py SOURCE_DIR [-o OUTPUT]
SOURCE_DIR holds N.bs2 files plus train1K.txt / test100.txt (sample<TAB>class), or any layout
``spikeprop.data.NMNIST`` reads. The written file is decoded again and compared, event by
event, with the raw recordings before the command reports success.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from spikeprop.data import embedded  # noqa: E402
from spikeprop.data.dataset import NMNIST  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="folder with the raw .bs2 files and label files")
    parser.add_argument("-o", "--output", type=Path, default=embedded.EMBEDDED_FILE)
    args = parser.parse_args()
    start = time.perf_counter()
    splits, raw_bytes = {}, 0
    for split in embedded.SPLITS:
        ds = NMNIST(args.source, split)
        events = ds.events()
        raw_bytes += sum(Path(n).stat().st_size for n in ds.names)
        ids = [int(Path(n).stem) for n in ds.names]
        splits[split] = (events, ds.labels, ids)
        print(f"{split}: {len(events)} samples, {sum(len(e) for e in events):,} events", flush=True)
    size = embedded.write_embedded(args.output, splits)
    with np.load(args.output) as z:
        for split, (events, labels, ids) in splits.items():
            arrays = {k.split("/", 1)[1]: z[k] for k in z.files if k.startswith(split + "/")}
            decoded = embedded.decode_split(arrays)
            same = len(decoded) == len(events) and all(map(np.array_equal, decoded, events))
            if not same or not np.array_equal(arrays["labels"], labels) or list(arrays["ids"]) != ids:
                raise SystemExit(f"{args.output}: {split} does not decode to the raw recordings")
    print(f"wrote {args.output.name}: {size:,} bytes ({size / 1e6:.2f} MB); raw files "
          f"{raw_bytes / 1e6:.1f} MB, ratio {raw_bytes / size:.2f}x; verified; "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
