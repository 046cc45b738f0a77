"""Data-parallel training with ``torch.distributed`` (gloo, CPU): set-up, sharding, all-reduce.

Launch: ``torchrun --nproc_per_node N -m spikeprop train ...`` (or ``spikeprop train --workers
N``, which runs torchrun for you). ``setup()`` reads torchrun's environment (RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR, MASTER_PORT); without it every function here is a no-op, so a single
process pays nothing.

Why the numbers match one process with the whole batch: every worker runs the same batch
order (``trainer.epoch_order``, a pure function of (seed, epoch)) and takes its contiguous
shard of each batch. All losses are per-sample means, so the gradient of the whole batch is
the shard gradients weighted by shard size, ``sum_r (n_r / n) g_r``: each worker scales its
gradient (or explicit dW) by ``n_r / n`` and the all-reduce sums. Equal shards make this
the plain average; a short last batch is weighted exactly. A batch smaller than the number
of workers leaves some workers a one-sample "ghost" shard of weight 0, so every worker still
makes the same collective calls (and the trainer counts nothing for it).

A dead worker: torchrun's agent stops the others when one exits; a worker whose peer
vanished gets gloo's error at its next collective (or after ``SPIKEPROP_DIST_TIMEOUT`` s,
default 300, if the peer hangs) and stops with a one-line ``WorkerLostError``.
"""
from __future__ import annotations

import atexit
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta

import torch

from spikeprop.errors import SpikePropError

DEFAULT_TIMEOUT_S = 300.0
# Test hook: the worker of rank SPIKEPROP_TEST_DIE_RANK exits at batch SPIKEPROP_TEST_DIE_AT_BATCH.
_DIE_RANK, _DIE_AT = "SPIKEPROP_TEST_DIE_RANK", "SPIKEPROP_TEST_DIE_AT_BATCH"


class WorkerLostError(SpikePropError):
    """Another worker died or stopped answering; this worker cannot go on."""


@dataclass
class _Group:
    rank: int
    world: int
    share: float = 1.0  # this worker's fraction of the current batch (0 for a ghost shard)
    batches: int = 0  # shards taken so far (for the test hook)
    total: int = 0  # samples in the current batch over all workers


_group: _Group | None = None


def setup(timeout_s: float | None = None) -> bool:
    """Join torchrun's process group if launched by it (WORLD_SIZE > 1); idempotent.

    Returns True when training is distributed. Workers other than rank 0 send their
    stdout to /dev/null (rank 0 speaks for the run); stderr stays, so errors show."""
    global _group
    if _group is not None:
        return True
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return False
    import torch.distributed as dist

    if timeout_s is None:
        timeout_s = float(os.environ.get("SPIKEPROP_DIST_TIMEOUT", DEFAULT_TIMEOUT_S))
    try:
        if not dist.is_initialized():
            dist.init_process_group("gloo", timeout=timedelta(seconds=timeout_s))
    except (RuntimeError, ValueError) as exc:
        raise WorkerLostError(f"could not join the {world_size} workers "
                              f"(MASTER_ADDR={os.environ.get('MASTER_ADDR')}, "
                              f"MASTER_PORT={os.environ.get('MASTER_PORT')}): {_first_line(exc)}") from None
    _group = _Group(dist.get_rank(), dist.get_world_size())
    atexit.register(destroy)
    if _group.rank != 0:
        sys.stdout = open(os.devnull, "w")
    return True


def destroy() -> None:
    """Leave the process group (safe to call twice, or without one)."""
    global _group
    if _group is None:
        return
    _group = None
    import torch.distributed as dist

    if dist.is_initialized():
        try:
            dist.destroy_process_group()
        except Exception:  # a peer already gone: nothing left to clean up
            pass


def is_main() -> bool:
    """True on rank 0 (and without torch.distributed): the worker that writes files."""
    return _group is None or _group.rank == 0


def world() -> tuple[int, int]:
    """(rank, number of workers); (0, 1) without torch.distributed."""
    return (0, 1) if _group is None else (_group.rank, _group.world)


def shard(ids: torch.Tensor) -> torch.Tensor:
    """This worker's contiguous part of one batch's sample ids (all of them when alone).

    Shard sizes differ by at most one; the worker's weight in the all-reduce is its
    fraction of the batch. A worker left without samples gets a ghost shard (see module)."""
    g = _group
    if g is None:
        return ids
    g.batches += 1
    if os.environ.get(_DIE_RANK) == str(g.rank) and os.environ.get(_DIE_AT) == str(g.batches):
        os._exit(17)  # test hook: a worker that dies without a word
    g.total = len(ids)
    part = torch.tensor_split(ids, g.world)[g.rank]
    if len(part) == 0:
        g.share = 0.0
        return ids[:1]
    g.share = len(part) / len(ids)
    return part


def batch_total(n_local: int) -> int:
    """Samples in the current batch over all workers (``n_local`` when alone): the same on every worker."""
    return n_local if _group is None else _group.total


def owns_samples() -> bool:
    """False when this worker's current shard is a ghost (its results must not be counted)."""
    return _group is None or _group.share > 0


def all_reduce_mean_(tensors: list[torch.Tensor]) -> None:
    """In place: each tensor becomes the batch-weighted mean over workers (one message)."""
    g = _group
    if g is None or not tensors:
        return
    flat = torch.cat([t.detach().reshape(-1) for t in tensors]).mul_(g.share)
    _collective("all_reduce", flat)
    offset = 0
    for t in tensors:
        n = t.numel()
        t.detach().copy_(flat[offset:offset + n].view_as(t))
        offset += n


def all_reduce_grads(params) -> None:
    """Average the gradients of ``params`` over workers before the optimizer step."""
    if _group is None:
        return
    all_reduce_mean_([p.grad for p in params if p.grad is not None])


def batch_share() -> float:
    """This worker's fraction of the current batch (1.0 without torch.distributed; 0 for a ghost)."""
    return 1.0 if _group is None else _group.share


def window_rate(s: torch.Tensor, n_data: int, per_row: torch.Tensor | None = None) -> torch.Tensor:
    """Per-neuron firing rate over one SP window from the spikes ``s`` (K, B + C, N), data rows
    first: the mean over steps of the data-pass spikes of ALL workers' samples plus the C
    target-pass rows (the same on every worker), so the homeostatic term of a data-parallel
    run equals that of one process with the whole batch. ``per_row``: ``s.sum(0)`` if the caller
    has it (0/1 sums are exact in any order, so the result is the same)."""
    g = _group
    if g is None:  # a sum of 0/1 spikes is exact in any order: steps first is the fast one
        return (s.sum(0) if per_row is None else per_row).sum(0) / (s.shape[0] * s.shape[1])
    s_h, s_t = s[:, :n_data], s[:, n_data:]
    n_local = s_h.shape[1] if g.share > 0 else 0  # a ghost shard counts for nothing
    msg = torch.cat([s_h.sum((0, 1)).to(torch.float64) * (1.0 if n_local else 0.0),
                     torch.tensor([float(n_local)], dtype=torch.float64)])
    _collective("all_reduce", msg)
    total = msg[:-1] + s_t.sum((0, 1)).to(torch.float64)
    return (total / (s_h.shape[0] * (msg[-1] + s_t.shape[1]))).to(s_h.dtype)


def sum_over_workers(values: list[float], tensors: list[torch.Tensor]) -> tuple[list[float], list[torch.Tensor]]:
    """Sums over workers of per-epoch tallies (losses x samples, correct, seen, spike counts)."""
    if _group is None:
        return values, tensors
    flat = torch.cat([torch.tensor(values, dtype=torch.float64)]
                     + [t.detach().reshape(-1).to(torch.float64) for t in tensors])
    _collective("all_reduce", flat)
    out, offset = [], len(values)
    for t in tensors:
        out.append(flat[offset:offset + t.numel()].view(t.shape).to(t.dtype))
        offset += t.numel()
    return flat[:len(values)].tolist(), out


def barrier() -> None:
    """Wait for every worker (no-op when alone)."""
    if _group is not None:
        _collective("barrier")


def _collective(name: str, *args) -> None:
    """Run one torch.distributed collective; a lost peer becomes a one-line WorkerLostError."""
    import torch.distributed as dist

    try:
        getattr(dist, name)(*args)
    except RuntimeError as exc:  # gloo's errors (DistBackendError, timeouts) derive from it
        rank, n = world()
        raise WorkerLostError(f"worker {rank} of {n} lost contact with another worker during {name} "
                              f"({_first_line(exc)}); the run stops") from None


def _first_line(exc: BaseException) -> str:
    """The first sentence of an error, without gloo's ``[source/file.cc:123] `` prefix."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    line = re.sub(r"^\[[^\]]*\.(cc|cpp|h):\d+\]\s*", "", line)
    return line.split(". ")[0][:160]


# ---- launching ------------------------------------------------------------------------
def torchrun_command(n: int, argv: list[str]) -> list[str]:
    """The command ``spikeprop train --workers n ...`` runs: torchrun on this machine."""
    return [sys.executable, "-m", "spikeprop.distributed", "--standalone", f"--nproc_per_node={n}",
            "-m", "spikeprop", *argv]


def without_workers(argv: list[str]) -> list[str]:
    """``argv`` minus ``--workers N`` / ``--workers=N`` (what each worker is given)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--workers":
            skip = True
        elif not a.startswith("--workers="):
            out.append(a)
    return out


def launch_workers(n: int, argv: list[str]) -> int:
    """Run ``spikeprop <argv>`` as ``n`` workers under torchrun (a subprocess); its exit code.

    ``argv`` is the ``spikeprop`` command line (e.g. ``["train", "--workers", "2"]``); any
    ``--workers`` in it is dropped."""
    if n < 1:
        raise SpikePropError(f"--workers must be at least 1, got {n}")
    if os.environ.get("WORLD_SIZE") is not None:
        raise SpikePropError("--workers cannot be used inside torchrun (it already started the workers)")
    argv = without_workers(argv)
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")  # one core per worker (torchrun's own choice too)
    try:
        return subprocess.call(torchrun_command(n, argv), env=env)
    except KeyboardInterrupt:
        return 130


def _torchrun_main(args: list[str]) -> int:
    """torchrun, but a failed worker is reported in one line instead of the agent's traceback."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    try:
        run(get_args_parser().parse_args(args))
    except ChildFailedError as exc:
        # the first worker that exited by itself is the cause; the agent then SIGTERMs the others
        rank, failure = min(exc.failures.items(), key=lambda kv: (kv[1].exitcode < 0, kv[1].timestamp, kv[0]))
        how = f"signal {failure.signal_name()}" if failure.exitcode < 0 else f"exit code {failure.exitcode}"
        print(f"spikeprop: worker {rank} failed ({how}); the other workers were stopped, "
              f"the run stopped", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_torchrun_main(sys.argv[1:]))
