"""Held-out validation data: a stratified, seeded split of the *training* recordings.

Model selection (``best.pt``), early stopping and every tuned default are chosen on this
split; the test split is only ever scored for reporting. The split is a pure function of
(labels, fraction, seed), so a resumed run and every data-parallel worker see the same one.
"""
from __future__ import annotations

import torch

SPLIT_SALT = 7_919  # keeps the split's random stream apart from the weights' and the batch order's


def stratified_split(labels: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(train_ids, val_ids)``: ``round(fraction * n_c)`` samples of each class c go to validation
    (at least one per class present when ``fraction > 0``); both id lists are sorted."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation fraction must be in [0, 1), got {fraction}")
    labels = torch.as_tensor(labels).long()
    if fraction == 0.0 or labels.numel() == 0:
        return torch.arange(labels.numel()), torch.zeros(0, dtype=torch.long)
    gen = torch.Generator().manual_seed(int(seed) * 1_000_003 + SPLIT_SALT)
    val = []
    for c in torch.unique(labels):
        ids = torch.nonzero(labels == c).flatten()
        ids = ids[torch.randperm(len(ids), generator=gen)]
        k = min(len(ids) - 1, max(1, round(fraction * len(ids))))
        val.append(ids[:k])
    val_ids = torch.sort(torch.cat(val)).values
    keep = torch.ones(labels.numel(), dtype=torch.bool)
    keep[val_ids] = False
    return torch.nonzero(keep).flatten(), val_ids


def tail_split(n: int, fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``(train_ids, val_ids)``: the last ``round(fraction * n)`` recordings are held out, in file
    order (``spikeprop deploy --learn``'s hold-out: it learns the first recordings, validates on
    the last ones)."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation fraction must be in [0, 1), got {fraction}")
    k = min(n - 1, round(fraction * n)) if n else 0
    return torch.arange(n - k), torch.arange(n - k, n)


def split_dataset(data, fraction: float, seed: int, order: str = "shuffled"):
    """``(train, val)`` subsets of a data set with ``labels`` and ``subset(ids)``; ``val`` is
    None when ``fraction`` is 0. ``order`` "file": the tail is held out (``tail_split``),
    otherwise a stratified seeded split."""
    train_ids, val_ids = (tail_split(len(data.labels), fraction) if order == "file"
                          else stratified_split(data.labels, fraction, seed))
    if len(val_ids) == 0:
        return data, None
    return data.subset(train_ids), data.subset(val_ids)
