"""``spikeprop export``: a trained checkpoint -> lava-dl netx HDF5, a NIR graph or a Lava-ready
network file (the work: ``spikeprop.exporter``)."""
from __future__ import annotations

import argparse

EPILOG = """\
formats:
  netx   lava-dl's HDF5 network exchange (fixed point; load with lava.lib.dl.netx.hdf5.Network)
  nir    Neuromorphic Intermediate Representation (float; Input -> Affine/Linear -> LIF/CubaLIF
         per layer -> Output, snntorch's convention, read with nir.read / snntorch / norse).
         Two-compartment layers have no NIR node and are refused. See docs/interoperability.md
  lava   this project's network description (.npz, float or fixed), runnable with
         `spikeprop deploy FILE --backend lava|fallback`

examples:
  spikeprop export runs/sp/best.pt --format netx -o net.h5
  spikeprop export runs/sp/best.pt --format nir -o net.nir
  spikeprop export runs/sp/best.pt --format lava --precision float -o net.npz
  spikeprop export snn.nir --nir-convention snntorch --format netx -o net.h5   # NIR -> lava-dl"""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    from spikeprop.artifacts import NIR_CONVENTIONS

    p = subparsers.add_parser("export", help=summary, description=summary[0].upper() + summary[1:] + ".",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="a .pt checkpoint (or a netx, .nir or .npz network)")
    p.add_argument("--format", choices=("netx", "nir", "lava"), required=True, dest="fmt")
    p.add_argument("-o", "--output", required=True, metavar="PATH")
    p.add_argument("--precision", choices=("float", "fixed"), default=None,
                   help="lava format only (default: fixed); netx is always fixed point, nir always float")
    p.add_argument("--nir-convention", choices=NIR_CONVENTIONS, default="auto", dest="nir_convention",
                   help="when the input is a .nir file: whose convention it follows (default: recognised "
                        "from the file; an unrecognisable file asks for this option)")
    return p


def run(args: argparse.Namespace) -> int:
    from spikeprop.exporter import export_file

    net, report = export_file(args.checkpoint, args.fmt, args.output, args.precision, args.nir_convention)
    if report is not None:
        print(report)
    print(f"wrote {args.output}: {net.summary()}, {args.fmt} format")
    return 0
