"""``spikeprop export``: a trained checkpoint -> lava-dl netx HDF5 or a Lava-ready network file."""
from __future__ import annotations

import argparse

EPILOG = """\
formats:
  netx   lava-dl's HDF5 network exchange (fixed point; load with lava.lib.dl.netx.hdf5.Network)
  lava   this project's network description (.npz, float or fixed), runnable with
         `spikeprop deploy FILE --backend lava|fallback`

examples:
  spikeprop export runs/sp/best.pt --format netx -o net.h5
  spikeprop export runs/sp/best.pt --format lava --precision float -o net.npz"""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser("export", help=summary, description=summary[0].upper() + summary[1:] + ".",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="a .pt checkpoint (or a netx / .npz network)")
    p.add_argument("--format", choices=("netx", "lava"), required=True, dest="fmt")
    p.add_argument("-o", "--output", required=True, metavar="PATH")
    p.add_argument("--precision", choices=("float", "fixed"), default="fixed",
                   help="lava format only (netx is always fixed point); default: fixed")
    return p


def run(args: argparse.Namespace) -> int:
    from spikeprop.exporter import export_file

    net, report = export_file(args.checkpoint, args.fmt, args.output, args.precision)
    if report is not None:
        print(report)
    print(f"wrote {args.output}: {net.summary()}, {args.fmt} format")
    return 0
