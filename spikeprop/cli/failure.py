"""How ``spikeprop`` ends when something goes wrong: one line on stderr and an exit code, never a
traceback (unless ``SPIKEPROP_DEBUG=1``). Errors are mapped to user messages close to where the
file is known (``spikeprop.artifacts``, ``spikeprop.data``); this is the last net for whatever a
library raised that nobody mapped (OSError, a damaged zip, text that is not UTF-8, ...).
"""
from __future__ import annotations

import os
import signal
import sys
import zipfile

EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell tool killed by `| head` returns


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so every ``finally`` (Lava runtimes, run
    folder lock, temporary files) runs; a KeyboardInterrupt so code that cleans up on Ctrl-C
    cleans up on SIGTERM too."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def install_signal_handlers() -> object:
    """SIGTERM -> ``Terminated`` in the main thread (Python's default would kill the process
    without running any clean-up, leaving Lava workers behind). Returns the previous handler."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def restore_signal_handlers(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def debug() -> bool:
    return os.environ.get("SPIKEPROP_DEBUG", "").strip().lower() not in ("", "0", "no", "off", "false")


def one_line(text: str, limit: int = 300) -> str:
    first = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return first[:limit]


def message(exc: BaseException) -> str:
    """The one line a user sees for ``exc``."""
    from export.errors import ExportError
    from spikeprop.errors import SpikePropError

    if isinstance(exc, (SpikePropError, ExportError)):
        return one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, zipfile.BadZipFile):
        return f"damaged zip archive: {one_line(str(exc))}"
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({one_line(str(exc))})"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or one_line(str(exc)) or type(exc).__name__}"
    if isinstance(exc, MemoryError):
        return "out of memory (try fewer samples, a smaller --batch-size or a smaller T)"
    return (f"unexpected {type(exc).__name__}: {one_line(str(exc))} "
            "(please report it; SPIKEPROP_DEBUG=1 shows the traceback)")


def quiet_broken_pipe() -> int:
    """stdout's reader went away (``spikeprop evaluate CK | head -3``): stop quietly. Point stdout
    at /dev/null so the interpreter's final flush does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def handle(command: str, exc: BaseException) -> int:
    """Print ``exc`` as one line (or the traceback with SPIKEPROP_DEBUG=1); the exit code."""
    if isinstance(exc, BrokenPipeError):
        return quiet_broken_pipe()
    if isinstance(exc, KeyboardInterrupt):
        term = isinstance(exc, Terminated)
        print(f"spikeprop {command}: {'terminated' if term else 'interrupted'}", file=sys.stderr)
        return EXIT_TERMINATED if term else EXIT_INTERRUPTED
    if debug():
        import traceback

        traceback.print_exception(exc)
    print(f"spikeprop {command}: error: {message(exc)}", file=sys.stderr)
    return 1
