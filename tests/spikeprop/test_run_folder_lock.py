"""One run per folder: two real ``spikeprop train`` processes into one --out; exactly one runs,
the other fails at once with one line naming the holder's PID, and the folder holds one run."""
from __future__ import annotations

import json
import os
import sys
import time

from procs import env, kill_session, start

from spikeprop.rundir import lock_run_folder, temp_path_for

ARGS = ["train", "--epochs", "1", "--T", "5", "--sizes", "2312,16,10", "--quiet", "--val-fraction", "0"]


def test_two_runs_into_one_out(tmp_path):
    out = tmp_path / "C"
    a = start([*ARGS, "--out", str(out)], tmp_path, "a")
    b = start([*ARGS, "--out", str(out), "--seed", "1"], tmp_path, "b")
    try:
        rcs = {p.pid: p.wait(timeout=600) for p in (a, b)}
    finally:
        kill_session(a.pid), kill_session(b.pid)
    winner, loser = (a, b) if rcs[a.pid] == 0 else (b, a)
    name = {a.pid: "a", b.pid: "b"}
    err = (tmp_path / f"{name[loser.pid]}.err").read_text()
    assert sorted(rcs.values()) == [0, 1], err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"PID {winner.pid}" in err, err
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 1  # not interleaved with a second run
    seed = json.loads((out / "config.json").read_text())["train"]["seed"]
    assert seed == (0 if winner is a else 1)
    assert not [p for p in out.iterdir() if ".tmp" in p.name]


def test_lock_released_when_holder_closes(tmp_path):
    f = lock_run_folder(tmp_path / "r")
    try:
        lock_run_folder(tmp_path / "r")
        raise AssertionError("second lock taken")
    except Exception as exc:  # RunFolderBusy
        assert "PID" in str(exc)
    f.close()
    lock_run_folder(tmp_path / "r").close()  # free again


def test_temp_names_are_unique(tmp_path):
    a, b = temp_path_for(tmp_path / "x.png", ".png"), temp_path_for(tmp_path / "x.png", ".png")
    assert a != b and a.parent == tmp_path and a.suffix == ".png"


def test_late_second_run_names_the_holder(tmp_path, capsys):
    """A run started after the first one has written config.json is refused naming the PID too."""
    from spikeprop.cli.__main__ import main

    out = tmp_path / "busy"
    f = lock_run_folder(out)
    try:
        (out / "config.json").write_text("{}")
        assert main(["train", "--out", str(out), "--epochs", "1"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"PID {os.getpid()}" in err
    finally:
        f.close()


def test_resume_after_kill_9(tmp_path):
    """A real ``kill -9`` mid-run: the lock goes with the process, and --resume finishes the run
    from last.pt with one metrics line per epoch."""
    import signal
    import subprocess

    out = tmp_path / "K"
    p = start(["train", "--epochs", "3", "--T", "5", "--sizes", "2312,16,10", "--quiet", "--val-fraction", "0",
               "--out", str(out)], tmp_path, "k")
    try:
        deadline = time.monotonic() + 600
        while not (out / "last.pt").exists() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert p.poll() is None, (tmp_path / "k.err").read_text()
        os.kill(p.pid, signal.SIGKILL)
        p.wait(30)
    finally:
        kill_session(p.pid)
    r = subprocess.run([sys.executable, "-m", "spikeprop.cli", "train", "--out", str(out), "--resume", "--quiet"],
                       cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    epochs = [json.loads(l)["epoch"] for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert epochs == [1, 2, 3]
