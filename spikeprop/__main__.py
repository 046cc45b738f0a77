"""``python -m spikeprop`` (and ``torchrun -m spikeprop``): the ``spikeprop`` command."""
import sys

from spikeprop.cli.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
