"""Pick a backend: ``run(network, spikes, backend="auto")`` uses Lava when lava-nc is
installed and the bit-exact numpy fallback otherwise (saying so in one line on stderr)."""
from __future__ import annotations

import sys
from typing import Any

from export.network import Network
from export.result import InputError, SimResult

BACKENDS = ("auto", "lava", "fallback")


def resolve(backend: str, quiet: bool = False) -> str:
    """``auto`` -> ``lava`` or ``fallback``; ``lava`` without lava-nc raises LavaNotInstalledError."""
    from export.lava import require_lava

    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "auto":
        try:
            require_lava()
        except Exception as exc:  # any import failure means: use the fallback, and say why
            if not quiet:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                print(f"notice: Lava unavailable ({reason}); running the bit-exact numpy "
                      "fallback instead", file=sys.stderr)
            return "fallback"
        return "lava"
    if backend == "lava":
        require_lava()
    return backend


def run(network: Network, spikes: Any, *, backend: str = "auto", precision: str | None = None,
        **kwargs: Any) -> SimResult:
    """Run on the chosen backend; ``kwargs`` as for ``export.fallback.simulate``."""
    if resolve(backend) == "lava":
        from export.lava.build import run_lava

        return run_lava(network, spikes, precision, **kwargs)
    from export.fallback import simulate

    return simulate(network, spikes, precision, **kwargs)
