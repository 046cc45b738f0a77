"""Lava runtimes that always end: on success, on any exception, on Ctrl-C and on SIGTERM.

Why this exists (measured with lava-nc 0.10.0): a terminal's Ctrl-C goes to the whole process
group, so every Lava worker (forked ``multiprocessing`` processes) died with its own
``KeyboardInterrupt`` traceback, and the main process then waited forever in ``stop()`` for
answers from workers that were gone. SIGTERM without clean-up left a worker and
``multiprocessing.resource_tracker`` re-parented to PID 1.

So, while a runtime is alive:
- processes forked by Lava ignore SIGINT and SIGTERM (an ``os.register_at_fork`` hook, active
  only inside ``guarded``): only the main process reacts to a signal, and it stops them;
- ``stop()`` runs with a deadline; if it does not return in time (workers in an unknown state
  after an interrupt), every process forked during the run is killed and reaped, so nothing
  is left behind and the main process can exit at once.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

STOP_DEADLINE_S = 5.0

_active = 0  # number of open ``guarded`` blocks in this process


def _quiet_child() -> None:
    """After a fork inside ``guarded``: the child leaves signals to the parent."""
    if _active:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        except (ValueError, OSError):  # not the main thread of the child
            pass


os.register_at_fork(after_in_child=_quiet_child)


def live_processes() -> Iterator[tuple[int, list[str]]]:
    """``(pid, stat fields after the command name)`` of every live (non-zombie) process, from
    /proc: field 1 is the parent's pid, field 3 the session id."""
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
        except (OSError, ValueError):
            continue
        if fields and fields[0] != "Z":
            yield int(d.name), fields


def child_pids(parent: int | None = None) -> set[int]:
    """Live child processes of ``parent`` (default: this process), from /proc."""
    parent = os.getpid() if parent is None else parent
    return {pid for pid, fields in live_processes() if int(fields[1]) == parent}


def _is_resource_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def kill_and_reap(pids: set[int]) -> None:
    """SIGKILL ``pids`` (children of this process) and collect their exit status.

    Children that ``multiprocessing`` started (Lava's workers) are reaped through their
    ``Process`` object (the base class's ``join``; Lava's override also closes, and raised in
    ``multiprocessing``'s exit hook when the status had been collected behind its back)."""
    import multiprocessing

    procs = {p.pid: p for p in multiprocessing.active_children() if p.pid in pids}
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in pids:
        try:
            if pid in procs:
                multiprocessing.Process.join(procs[pid], 5.0)
            else:
                os.waitpid(pid, 0)
        except (ChildProcessError, OSError, ValueError, AssertionError):
            pass
    multiprocessing.active_children()  # lets multiprocessing forget the dead ones


def _stop_within(stop: Callable[[], None], deadline_s: float) -> tuple[bool, BaseException | None]:
    """Run ``stop`` in a helper thread; (finished in time, the exception it raised)."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            stop()
            outcome.append(None)
        except BaseException as exc:  # reported to the caller
            outcome.append(exc)

    t = threading.Thread(target=target, name="lava-stop", daemon=True)
    t.start()
    t.join(deadline_s)
    return (bool(outcome), outcome[0] if outcome else None)


_tracker_started = False


def quiet_resource_tracker() -> None:
    """Start ``multiprocessing``'s resource tracker with stderr on /dev/null. After an interrupt
    the shared memory of killed Lava workers is released by the tracker (that is its job), but
    it also prints a "leaked shared_memory objects" warning per run, which is noise to a user."""
    global _tracker_started
    if _tracker_started:
        return
    from multiprocessing import resource_tracker

    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    _tracker_started = True


_pending: list[int] = []  # signals received inside ``guarded`` (see _signals_recorded)


def _recording_handler(previous: dict[int, Any]) -> Callable[[int, Any], None]:
    def handler(signum: int, frame: Any) -> None:
        prev = previous.get(signum)
        if prev == signal.SIG_IGN:
            return
        _pending.append(signum)
        if callable(prev):
            prev(signum, frame)  # the application's own (e.g. KeyboardInterrupt, or the CLI's Terminated)
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt()
        else:
            raise SystemExit(128 + signum)  # SIGTERM's default, but with the clean-up below
    return handler


def _quiet_lost_interrupts(previous: Callable[[Any], None]) -> Callable[[Any], None]:
    """An interrupt raised inside a finaliser or an at-fork hook (logging has one) is printed as
    "Exception ignored ... Traceback"; it is not lost (see ``_signals_recorded``), so say nothing."""
    def hook(info: Any) -> None:
        if isinstance(info.exc_value, (KeyboardInterrupt, SystemExit)) and _pending:
            return
        previous(info)
    return hook


@contextmanager
def _signals_recorded() -> Iterator[None]:
    """While Lava runs, SIGINT/SIGTERM are also written down. Why: Python raises the
    KeyboardInterrupt wherever the main thread next runs bytecode, and when that is inside a
    finaliser (Lava and multiprocessing objects have ``__del__``) it is printed as "Exception
    ignored" and lost; the deploy then ran to the end (seen under load). A signal recorded
    but not seen is raised again, with the application's own handler, when the block ends."""
    import threading

    if threading.current_thread() is not threading.main_thread() or _active > 1:
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) for s in sigs}
    _pending.clear()
    for s in sigs:
        signal.signal(s, _recording_handler(previous))
    unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_lost_interrupts(unraisable)
    ok = False
    try:
        yield
        ok = True
    finally:
        sys.unraisablehook = unraisable
        for s in sigs:
            signal.signal(s, previous[s])
        missed, _pending[:] = list(_pending), []
        if ok and missed:
            signal.raise_signal(missed[-1])  # delivered now, to the restored handler


@contextmanager
def guarded(stop: Callable[[], None], deadline_s: float = STOP_DEADLINE_S) -> Iterator[None]:
    """Run the block with Lava's forked workers deaf to signals; afterwards always ``stop()``
    (within ``deadline_s``), else kill every process forked during the block."""
    global _active
    quiet_resource_tracker()
    before = child_pids()
    _active += 1
    failed = True
    try:
        with _signals_recorded():
            yield
        failed = False
    finally:
        _active -= 1
        done, error = False, None
        try:
            done, error = _stop_within(stop, deadline_s)
        finally:
            if not done or error is not None or failed:
                kill_and_reap({p for p in child_pids() - before if not _is_resource_tracker(p)})
        if error is not None and not failed:
            raise error
