"""The sparse first layer and the pure rule functions agree with their dense definitions."""
import torch

from spikeprop.rules.losses import contrastive_loss, l2_loss, similarity
from spikeprop.rules.sparse import (SparseDataset, SparseRows, SparseSpikes, sparse_linear,
                                     store_input_major_)
from spikeprop.rules.two_compartment import three_factor_dw, three_factor_dw_sparse, update_trace

torch.set_num_threads(1)


def test_sparse_linear_matches_dense_forward_and_gradient():
    x = (torch.rand(30, 50) < 0.1).float()
    x[3] = 0.0  # an empty row
    w = torch.randn(7, 50, requires_grad=True)
    out = sparse_linear(SparseRows.from_dense(x), w)
    g = torch.randn_like(out)
    (out * g).sum().backward()
    assert torch.allclose(out, x @ w.detach().t(), atol=1e-5)
    assert torch.allclose(w.grad, g.t() @ x, atol=1e-5)


def test_input_major_weight_gives_same_values_and_gradients_without_copies():
    x = (torch.rand(40, 60) < 0.1).float()
    w = torch.randn(9, 60)
    g = torch.randn(40, 9)
    plain = torch.nn.Parameter(w.clone())
    stored = store_input_major_(torch.nn.Parameter(w.clone()))
    assert stored.t().is_contiguous() and torch.equal(stored, plain)
    for p in (plain, stored):
        (sparse_linear(SparseRows.from_dense(x), p) * g).sum().backward()
    assert torch.allclose(stored.grad, plain.grad, atol=1e-5)
    assert stored.grad.stride() == stored.stride()  # accumulated in the weight's own layout
    opt = torch.optim.Adam([stored], lr=0.1, fused=True)
    opt.step()
    assert stored.t().is_contiguous()  # the optimizer keeps the layout
    assert store_input_major_(stored) is stored


def test_cosine_similarity_equals_normalised_dot_product():
    h = torch.randn(3, 5, 16, requires_grad=True)
    t = torch.randn(3, 4, 16)
    t[0, 1] = 0.0  # a silent target row: norm floored, no NaN
    ref = torch.nn.functional.normalize(h, dim=-1, eps=1e-6) @ torch.nn.functional.normalize(
        t, dim=-1, eps=1e-6).transpose(-1, -2)
    got = similarity(h, t, "cosine")
    assert torch.allclose(got, ref, atol=1e-6) and torch.isfinite(got).all()
    gh_ref, = torch.autograd.grad(ref.sum(), h)
    gh, = torch.autograd.grad(got.sum(), h)
    assert torch.allclose(gh, gh_ref, atol=1e-5)


def test_sparse_batches_round_trip():
    frames = (torch.rand(5, 6, 20) < 0.2).to(torch.uint8)  # (N, T, C)
    ds = SparseDataset.from_frames(frames, torch.arange(5), chunk=2)
    x, y = ds.batch(torch.tensor([3, 0]))
    assert torch.equal(x.dense(), frames[[3, 0]].transpose(0, 1).float())
    assert y.tolist() == [3, 0]
    win = x.window(2, 5).dense().view(3, 2, 20)
    assert torch.equal(win, x.dense()[2:5])
    sub = ds.subset(torch.tensor([4, 1]))
    both = SparseDataset.concat(sub, ds)
    assert len(both) == 7 and torch.equal(both.batch(torch.tensor([0]))[0].dense()[:, 0], frames[4].float())
    assert SparseSpikes.from_dense(x.dense()).dense().equal(x.dense())


def test_three_factor_rule_sparse_equals_dense_and_trace():
    pre = (torch.rand(12, 30) < 0.2).float()
    err = torch.randn(12, 5)
    dense = three_factor_dw(pre, err, 0.1)
    assert torch.allclose(dense, 0.1 * err.t() @ pre / 12)
    assert torch.allclose(three_factor_dw_sparse(SparseRows.from_dense(pre), err, 0.1), dense, atol=1e-6)
    assert torch.equal(update_trace(torch.ones(3), torch.tensor([0.0, 1.0, 0.0]), 0.5), torch.tensor([0.5, 1.5, 0.5]))


def test_losses_prefer_the_true_class():
    t = torch.eye(3)
    h_good, h_bad = torch.eye(3), torch.eye(3)[[1, 2, 0]]
    y = torch.arange(3)
    assert contrastive_loss(h_good, t, y) < contrastive_loss(h_bad, t, y)
    assert l2_loss(h_good, t, y) == 0 and l2_loss(h_bad[:1], t, y[:1]) > 0  # batch of one
    assert similarity(torch.ones(2, 4, 3), torch.ones(2, 5, 3)).shape == (2, 4, 5)


def test_input_major_training_step_equals_plain_layout(monkeypatch):
    """The layout trick (input-major first layer, Adam on its transpose) changes no number."""
    from spikeprop.config import TrainConfig
    from spikeprop.model import NetConfig
    from spikeprop.rules import base, make_learner
    from toy_data import toy_dataset
    from spikeprop.trainer import build

    def train(plain: bool):
        if plain:
            monkeypatch.setattr(base, "store_input_major_", lambda w: w)
        torch.manual_seed(0)
        cfg = TrainConfig(method="sp-surrogate", T=6, update_every=3, n_classes=4, target_density=0.25)
        net, signal = build(NetConfig(sizes=[48, 24, 4]), cfg)
        learner = make_learner(net, signal, cfg)
        assert net.fcs[0].weight.is_contiguous() == plain
        x, y = toy_dataset(8, T=6).batch(torch.arange(8))
        for _ in range(3):
            learner.train_batch(x, y)
        return [fc.weight.detach().clone() for fc in net.fcs]

    fast, plain = train(False), train(True)
    assert not torch.equal(fast[0], torch.zeros_like(fast[0]))
    for a, b in zip(fast, plain):
        assert torch.allclose(a, b, atol=1e-5)


def test_subset_in_chunks_equals_the_frames_subset():
    g = torch.Generator().manual_seed(0)
    frames = torch.rand(50, 4, 9, generator=g) < 0.3
    frames[7] = False  # a sample without spikes
    labels = torch.arange(50) % 3
    data = SparseDataset.from_frames(frames, labels)
    shuffled = torch.randperm(50, generator=g)[:31]
    for ids in (shuffled, torch.sort(shuffled).values):  # gathered, and masked (increasing ids)
        ref = SparseDataset.from_frames(frames[ids], labels[ids])
        for chunk in (1, 4, 4096):  # chunk boundaries anywhere, and one chunk for all
            sub = data.subset(ids, chunk=chunk)
            assert torch.equal(sub.flat, ref.flat) and torch.equal(sub.offsets, ref.offsets)
            assert torch.equal(sub.labels, ref.labels)
    assert len(data.subset(torch.zeros(0, dtype=torch.long))) == 0
