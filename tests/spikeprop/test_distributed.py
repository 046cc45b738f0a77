"""Data-parallel training (torch.distributed, gloo, 2 processes on localhost).

2 workers x half a batch must give the weights and logged metrics of 1 process x the whole
batch (within float tolerance), for SP, BPTT and the explicit-dW two-compartment rule,
including a short last batch (unequal shards) and a one-sample batch (a ghost shard). A
worker that dies must end the run with an error in bounded time, not a hang.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from spikeprop import distributed
from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from toy_data import toy_dataset
from spikeprop.trainer import Trainer

# (method, n samples): 257 = 128 + 128 + 1 (the last batch leaves worker 1 a ghost shard),
# 291 = 128 + 128 + 35 (shards of 18 and 17 samples, weighted by size)
CASES = [("sp-surrogate", 257), ("bptt", 291), ("drtp-two-compartment", 291)]
BATCH = 128


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(method: str, n: int) -> Trainer:
    cfg = TrainConfig(method=method, T=8, batch_size=BATCH, epochs=1, lr=5e-3, update_every=4, seed=3,
                      n_classes=4)
    tr = Trainer(NetConfig(sizes=[48, 24, 4], init_gain=2.0), cfg, None, progress=False, plot=False)
    tr.fit(toy_dataset(n, T=8, seed=1))
    return tr


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    results = {}
    for method, n in CASES:
        tr = _train(method, n)
        results[method] = {"weights": [fc.weight.detach().clone() for fc in tr.net.fcs],
                           "history": tr.history}
    torch.save(results, Path(out) / f"rank{rank}.pt")
    distributed.destroy()


def test_two_workers_match_one_process(tmp_path):
    torch.set_num_threads(1)
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)]
    for method, n in CASES:
        single = _train(method, n)
        init = Trainer(single.net_cfg, single.cfg, None, progress=False, plot=False)
        for r in range(2):
            for w1, w2, w0 in zip(single.net.fcs, ranks[r][method]["weights"], init.net.fcs):
                assert not torch.equal(w1.weight, w0.weight), f"{method}: weights did not move"
                torch.testing.assert_close(w2, w1.weight.detach(), rtol=1e-4, atol=1e-5,
                                           msg=lambda m: f"{method}, rank {r}: {m}")
        h1, h2 = single.history[0], ranks[0][method]["history"][0]  # rank 0 logs global numbers
        assert h2["train_acc"] == pytest.approx(h1["train_acc"], abs=1e-9)
        assert h2["loss"] == pytest.approx(h1["loss"], rel=1e-4, abs=1e-6)
        assert h2["train_rate"] == pytest.approx(h1["train_rate"], rel=1e-4, abs=1e-7)


def test_shards_cover_each_batch_once(monkeypatch):
    ids = torch.arange(7)
    parts = []
    for rank in range(3):
        monkeypatch.setattr(distributed, "_group", distributed._Group(rank, 3))
        parts.append((distributed.shard(ids), distributed._group.share))
    assert torch.equal(torch.cat([p for p, _ in parts]), ids)  # contiguous, in order
    assert [s for _, s in parts] == [3 / 7, 2 / 7, 2 / 7]
    monkeypatch.setattr(distributed, "_group", distributed._Group(2, 3))
    assert distributed.shard(ids[:2]).tolist() == [0] and not distributed.owns_samples()  # ghost


def test_launcher_passes_everything_but_workers():
    argv = ["train", "--workers", "2", "--epochs", "3", "--workers=4", "--out", "r"]
    cmd = distributed.torchrun_command(2, distributed.without_workers(argv))
    assert cmd[-7:] == ["-m", "spikeprop", "train", "--epochs", "3", "--out", "r"]
    assert "--nproc_per_node=2" in cmd


DYING_RUN = """
import sys
from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from toy_data import toy_dataset
from spikeprop.trainer import Trainer
cfg = TrainConfig(method="sp-surrogate", T=8, batch_size=16, epochs=1, n_classes=4)
Trainer(NetConfig(sizes=[48, 16, 4]), cfg, sys.argv[1], progress=False, plot=False).fit(toy_dataset(96, T=8))
"""


def test_dead_worker_stops_the_run(tmp_path):
    """Worker 1 exits at its 2nd batch: worker 0's all-reduce fails at once with WorkerLostError
    (one line under the CLI), torchrun stops the rest and the launcher names the worker that died
    in one line instead of the agent's traceback."""
    script = tmp_path / "run.py"
    script.write_text(DYING_RUN)
    env = dict(os.environ, SPIKEPROP_TEST_DIE_RANK="1", SPIKEPROP_TEST_DIE_AT_BATCH="2",
               SPIKEPROP_DIST_TIMEOUT="60", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(Path(distributed.__file__).parents[1]),
                                                        str(Path(__file__).parent),  # toy_data
                                                        os.environ.get("PYTHONPATH")])))
    cmd = distributed.torchrun_command(2, [])[:-2] + [str(script), str(tmp_path / "run")]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - start
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("spikeprop: worker 1 failed (exit code 17)"), proc.stderr[-2000:]
    assert "worker 0 of 2 lost contact with another worker during all_reduce" in proc.stderr
    assert "ChildFailedError" not in proc.stderr  # the agent's own traceback is replaced by one line
    assert took < 100
    assert not (tmp_path / "run" / "last.pt").exists()
