"""``python -m spikeprop`` (and ``torchrun -m spikeprop``): the ``spikeprop`` command."""
import os
import sys

from spikeprop.cli.__main__ import main

if __name__ == "__main__":
    if os.environ.get("RANK", "0") != "0":  # a torchrun worker other than rank 0: rank 0 speaks
        sys.stdout = open(os.devnull, "w")
    sys.exit(main())
