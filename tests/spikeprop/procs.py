"""Process helpers for tests that start real ``spikeprop`` subprocesses (signals, locks).

Plain module beside the tests (imported by basename), not a package import."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("SPIKEPROP_DEBUG", None)
    return e


def start(args: list[str], cwd: Path, name: str = "run") -> subprocess.Popen:
    """``python -m spikeprop.cli ARGS`` in a session of its own (its pid is the session and
    group id); stdout and stderr go to ``cwd/NAME.out`` and ``cwd/NAME.err``."""
    with open(cwd / f"{name}.out", "w") as out, open(cwd / f"{name}.err", "w") as err:
        return subprocess.Popen([sys.executable, "-m", "spikeprop.cli", *args], cwd=cwd, env=env(),
                                stdout=out, stderr=err, start_new_session=True, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    """A shell starts background jobs with SIGINT ignored, and children inherit that; the test
    sends SIGINT as a terminal's Ctrl-C would, so the child must start with the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def tiny_checkpoint(path: Path, sizes: tuple[int, ...] = (2312, 20, 10), T: int = 10) -> Path:
    """An untrained but complete checkpoint (fast to make, runs on every backend)."""
    from spikeprop.checkpoint import save_checkpoint
    from spikeprop.config import TrainConfig
    from spikeprop.model import NetConfig
    from spikeprop.trainer import Trainer

    trainer = Trainer(NetConfig(sizes=list(sizes)), TrainConfig(T=T, epochs=1), None, progress=False)
    save_checkpoint(path, trainer.payload())
    return path


def session_members(sid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live process in session ``sid``: what a run left behind
    (orphans are re-parented to PID 1 but keep their session)."""
    from export.lava.shutdown import live_processes

    found = []
    for pid, fields in live_processes():
        try:
            if int(fields[3]) != sid:
                continue
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        found.append((pid, cmd))
    return found


def kill_session(sid: int) -> None:
    """Clean up after a failed test: SIGKILL whatever is left of our own session."""
    for pid, _ in session_members(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def wait_for_file_text(path: Path, text: str, proc: subprocess.Popen, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.is_file() and text in path.read_text(errors="replace"):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.2)
    return False
