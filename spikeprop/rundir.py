"""One run per folder: an exclusive ``fcntl.flock`` on ``OUT/.lock`` held for the run's life.

Why: two ``spikeprop train --out DIR`` started together both used to run, interleaving
``metrics.jsonl`` and mixing one run's ``config.json`` with the other's checkpoints. The old
"folder already holds a run" check looked for ``last.pt``, which does not exist during the
first epoch. A lock taken before anything is written closes that window; the kernel drops it
when the process ends in any way (also ``kill -9``), so a stale lock file never blocks a
later run. The holder writes its PID into the file so the refusal can name it.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from spikeprop.errors import SpikePropError

LOCK_NAME = ".lock"


class RunFolderBusy(SpikePropError):
    """Another process is writing a run into the same folder."""


def lock_run_folder(folder: str | Path) -> IO[str]:
    """Create ``folder`` and take its lock (non-blocking); keep the returned file open for as
    long as the run writes there. Raises ``RunFolderBusy`` naming the holder's PID."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SpikePropError(f"--out {folder}: exists and is not a folder") from None
    except OSError as exc:
        raise SpikePropError(f"--out {folder}: cannot create the run folder ({exc.strerror})") from None
    f = open(folder / LOCK_NAME, "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        holder = f.read().strip() or "unknown"
        f.close()
        raise RunFolderBusy(f"--out {folder}: another spikeprop run (PID {holder}) is writing into this "
                            "folder; wait for it or choose another --out") from None
    f.seek(0)
    f.truncate()
    f.write(f"{os.getpid()}\n")
    f.flush()
    return f


def lock_holder(folder: str | Path) -> str | None:
    """The PID written by a live run holding ``folder``'s lock, else None (the lock is only
    probed: taken and released at once)."""
    path = Path(folder) / LOCK_NAME
    if not path.is_file():
        return None
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return f.read().strip() or "unknown"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


@contextmanager
def run_folder_lock(folder: str | Path) -> Iterator[Path]:
    """``with run_folder_lock(out): ...``: the lock for the block (released on any exit)."""
    f = lock_run_folder(folder)
    try:
        yield Path(folder)
    finally:
        f.close()  # closing the descriptor releases the flock


def temp_path_for(path: str | Path, suffix: str = "") -> Path:
    """A fresh, unique temporary file beside ``path`` (same folder, so ``os.replace`` is atomic);
    concurrent writers of the same target never share one. The caller replaces or removes it."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    return Path(name)
