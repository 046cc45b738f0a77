"""How OpenMP threads wait between parallel regions, set before torch (or numba) loads.

Training runs thousands of short parallel regions per epoch (tensor ops, the fused neuron
kernels) with Python in between. Threads that sleep at once (``OMP_WAIT_POLICY=PASSIVE``)
pay a wake-up on every region: ~15 % of an SP epoch on an idle 2-core machine (measured
2026-12-02, 340-360 against 380-430 samples/s). GNU OpenMP's default spins ~300,000 times
before sleeping, which on a busy, shared machine made training up to 10x slower. A bounded
spin sits between: threads catch the next region a few microseconds later, and sleep through
a long Python stretch or a busy neighbour.
"""
from __future__ import annotations

import os
from collections.abc import MutableMapping

SPIN_COUNT = "30000"  # GNU OpenMP spins before a waiting thread sleeps (its default: 300,000)


def bounded_spin(environ: MutableMapping[str, str] = os.environ) -> MutableMapping[str, str]:
    """Set ``GOMP_SPINCOUNT`` in ``environ`` unless the user chose a wait policy or a spin
    count; returns ``environ``. Effective only before the OpenMP runtime starts."""
    if "OMP_WAIT_POLICY" not in environ:
        environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    return environ
