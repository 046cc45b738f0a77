"""SP gradients are layer-local: a layer's loss reaches its own weights and nothing else."""
import torch

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from spikeprop.rules import make_learner
from toy_data import toy_dataset
from spikeprop.trainer import build

torch.set_num_threads(1)


def one_window(method: str, surrogate: str = "fast_sigmoid", output: str = "sp"):
    cfg = TrainConfig(method=method, T=6, update_every=3, n_classes=4, output=output, target_density=0.25)
    net, signal = build(NetConfig(sizes=[48, 24, 16, 4], surrogate=surrogate, init_gain=4.0), cfg)
    learner = make_learner(net, signal, cfg)
    x, y = toy_dataset(8, T=6).batch(torch.arange(8))
    states = [None] * 3
    learner.window(x, 0, 3, y, states)  # advance state one window
    losses, spikes, _, _ = learner.window(x, 3, 3, y, states)
    return net, losses, spikes, states


def test_gradients_never_cross_layers():
    for method in ("sp-voltage", "sp-surrogate"):
        net, losses, spikes, states = one_window(method)
        weights = [fc.weight for fc in net.fcs]
        for l, loss in enumerate(losses):
            grads = torch.autograd.grad(loss, weights, retain_graph=True, allow_unused=True)
            for m, g in enumerate(grads):
                if m == l:
                    assert g is not None and g.abs().sum() > 0, f"{method}: layer {l} got no gradient"
                else:
                    assert g is None or torch.count_nonzero(g) == 0, f"{method}: loss {l} reached layer {m}"
        # what flows between layers and across steps carries no graph at all
        assert all(not s.requires_grad for s in spikes)
        assert all(not t.requires_grad for st in states for t in st)


def test_sp_learning_signal_never_passes_the_spike_function():
    """Same gradients whatever surrogate the neurons carry: the spike is not in the graph."""
    for method in ("sp-voltage", "sp-surrogate"):
        grads = []
        for surrogate in ("fast_sigmoid", "heaviside"):
            net, losses, _, _ = one_window(method, surrogate)
            total = sum(losses)
            grads.append(torch.autograd.grad(total, [fc.weight for fc in net.fcs]))
        for a, b in zip(*grads):
            assert torch.equal(a, b)


def test_shallow_trains_only_the_output_layer():
    net, losses, _, _ = one_window("shallow", output="classifier")
    assert losses[0] is None and losses[1] is None and losses[2] is not None
    g = torch.autograd.grad(losses[2], [fc.weight for fc in net.fcs], allow_unused=True)
    assert g[0] is None and g[1] is None and g[2].abs().sum() > 0


def test_every_neuron_kind_and_loss_trains_one_batch():
    """SP's per-step gradient (dv_pre/dx = 1) holds for every neuron kind; L2 works with a batch of one."""
    from spikeprop.trainer import Trainer

    for neuron, loss, batch in (("cuba_lif", "contrastive", 8), ("two_compartment", "l2", 1), ("lif", "l2", 1)):
        cfg = TrainConfig(method="sp-voltage", T=6, batch_size=batch, epochs=1, update_every=3, n_classes=4,
                          loss=loss, output="sp", target_density=0.25)
        tr = Trainer(NetConfig(sizes=[48, 16, 8], neuron=neuron, init_gain=3.0), cfg, progress=False, plot=False)
        before = [fc.weight.clone() for fc in tr.net.fcs]
        hist = tr.fit(toy_dataset(8, T=6))
        assert all(not torch.equal(b, fc.weight) for b, fc in zip(before, tr.net.fcs)), (neuron, loss)
        assert all(l == l for l in hist[-1]["loss"])  # finite, not NaN


def test_eligibility_trace_option_changes_only_the_gradient():
    from spikeprop.rules.sp import eligibility

    cur = torch.randn(4, 2, 3, requires_grad=True)
    e = eligibility(cur, 0.5)
    assert torch.allclose(e[2], cur[2] + 0.5 * cur[1] + 0.25 * cur[0])
    cfg = TrainConfig(method="sp-surrogate", T=6, update_every=3, n_classes=4, sp_trace=0.9, target_density=0.25)
    net, signal = build(NetConfig(sizes=[48, 16, 4], init_gain=4.0), cfg)
    learner = make_learner(net, signal, cfg)
    x, y = toy_dataset(8, T=6).batch(torch.arange(8))
    losses, _, _, _ = learner.window(x, 0, 3, y, [None] * 2)
    g = torch.autograd.grad(losses[0], [fc.weight for fc in net.fcs], allow_unused=True)
    assert g[0].abs().sum() > 0 and g[1] is None
