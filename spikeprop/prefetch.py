"""The next batch assembled in a background thread while the current one trains.

Why: assembling a batch (gathering its samples' spikes and ordering them by step and
sample, ``SparseDataset.batch``) takes ~10 ms for 128 N-MNIST recordings at T=100, about
4 % of an SP epoch, on one core while the other waits. The work runs in a numba kernel
that releases the GIL, so a single helper thread (``concurrent.futures``) hides it behind
the previous batch's training. Batches come out in order and unchanged.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Batch = TypeVar("Batch")


def prefetched(items: Iterable[Item], load: Callable[[Item], Batch]) -> Iterator[Batch]:
    """``load(item)`` for every item in order, each computed while the caller still works
    on the previous one. An error in ``load`` is raised where that batch is taken."""
    it = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="spikeprop-prefetch") as pool:
        pending = None
        for item in it:
            nxt = pool.submit(load, item)
            if pending is not None:
                yield pending.result()
            pending = nxt
        if pending is not None:
            yield pending.result()
