"""Lazy access to Lava (lava-nc): check that it can be imported, say how to install it if not.

Nothing here imports Lava at module import time. lava-nc is not a declared dependency (every
release declares Requires-Python <3.11); ``./run install`` adds it via tools/install_lava.py.
"""
from __future__ import annotations

import functools
import importlib

INSTALL_HINT = "run `./run install` (or `python tools/install_lava.py`) to add it"
NOT_INSTALLED = f"lava-nc is not installed in this environment; {INSTALL_HINT}"
NOT_PATCHED = (
    "lava-nc is installed but not patched for Python 3.11; "
    "run `./run install` (or `python tools/install_lava.py`) to patch it"
)

# Importing these executes lava/magma/compiler/var_model.py, so an unpatched lava-nc on
# Python 3.11 fails here rather than later inside a run.
_PROBE_MODULES = (
    "lava.magma.core.run_configs",
    "lava.magma.core.run_conditions",
    "lava.magma.compiler.var_model",
    "lava.proc.dense.process",
    "lava.proc.lif.process",
)


class LavaNotInstalledError(ImportError):
    """lava-nc cannot be used in this environment; the one-line message says how to fix it."""


def require_lava() -> None:
    """Import Lava's core modules or raise LavaNotInstalledError with a one-line fix."""
    try:
        for name in _PROBE_MODULES:
            importlib.import_module(name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing and missing != "lava" and not missing.startswith("lava."):
            # lava-nc itself is there but one of its dependencies is not.
            raise LavaNotInstalledError(f"{NOT_INSTALLED} (missing dependency: {missing})") from exc
        raise LavaNotInstalledError(NOT_INSTALLED) from exc
    except ValueError as exc:
        # Python 3.11 rejects lava-nc 0.10.0's mutable dataclass defaults until patched.
        if "default_factory" in str(exc):
            raise LavaNotInstalledError(NOT_PATCHED) from exc
        raise


@functools.lru_cache(maxsize=None)
def lava_available() -> bool:
    """True if ``require_lava()`` succeeds (cached; never raises)."""
    try:
        require_lava()
    except Exception:
        return False
    return True
