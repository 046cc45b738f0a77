"""Lazy access to Lava (lava-nc): check that it can be imported, say how to install it if not.

Nothing here imports Lava at module import time. lava-nc is not a declared dependency (every
release declares Requires-Python <3.11); ``./run install`` adds it via tools/install_lava.py.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import multiprocessing

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
    # calls multiprocessing.set_start_method("fork") at import time (see _tolerant_start_method)
    "lava.magma.runtime.message_infrastructure.multiprocessing",
)


@contextlib.contextmanager
def _tolerant_start_method():
    """Let Lava's import-time ``set_start_method("fork")`` pass when "fork" is already in force.

    Anything that touched multiprocessing before (a tqdm progress bar creates an mp lock)
    fixes the start method, and Lava's unforced call then raises "context has already been
    set" although the method it asks for is the one in use.
    """
    original = multiprocessing.set_start_method

    def set_start_method(method, force=False):
        if not force and multiprocessing.get_start_method(allow_none=True) == method:
            return
        original(method, force=force)

    multiprocessing.set_start_method = set_start_method
    try:
        yield
    finally:
        multiprocessing.set_start_method = original


from export.errors import LavaNotInstalledError  # noqa: E402  (re-exported)


def require_lava() -> None:
    """Import Lava's core modules or raise LavaNotInstalledError with a one-line fix."""
    try:
        with _tolerant_start_method():
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
