"""Per-window updates: the autograd graph (hence memory) does not grow with T."""
import torch

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from spikeprop.rules import make_learner
from toy_data import toy_dataset
from spikeprop.trainer import build

torch.set_num_threads(1)


def graph_size(t: torch.Tensor) -> int:
    seen, stack = set(), [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        stack.extend(f for f, _ in fn.next_functions)
    return len(seen)


def largest_graph(method: str, T: int) -> tuple[int, int]:
    cfg = TrainConfig(method=method, T=T, update_every=4, n_classes=4)
    net, signal = build(NetConfig(sizes=[48, 16, 4]), cfg)
    learner = make_learner(net, signal, cfg)
    sizes = []
    original = learner.step

    def counting_step(loss, where):
        sizes.append(graph_size(loss))
        original(loss, where)

    learner.step = counting_step
    x, y = toy_dataset(4, T=T).batch(torch.arange(4))
    learner.train_batch(x, y)
    return max(sizes), len(sizes)


def test_sp_graph_size_is_independent_of_T():
    for method in ("sp-surrogate", "sp-voltage", "shallow"):
        small, n_small = largest_graph(method, 8)
        large, n_large = largest_graph(method, 64)
        assert small == large, method
        assert n_large == 16 and n_small == 2  # one update every K=4 steps


def test_bptt_graph_grows_with_T():
    small, _ = largest_graph("bptt", 8)
    large, _ = largest_graph("bptt", 32)
    assert large > 3 * small
