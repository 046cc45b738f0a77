"""The two-compartment rule: sign of its post error, layer locality, target only via the
dendrite, and dW = lr * post_error^T @ pre_trace with the free voltage's exact trace."""
import copy

import torch

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from spikeprop.rules import make_learner
from toy_data import toy_dataset
from spikeprop.rules.two_compartment import leaky_integral, post_error, three_factor_dw, update_trace
from spikeprop.trainer import build

torch.set_num_threads(1)


def setup(update_every=3, batch_size=8, method="drtp-two-compartment"):
    cfg = TrainConfig(method=method, T=6, update_every=update_every, n_classes=4, batch_size=batch_size,
                      target_density=0.25, tc_lr=0.5, tc_hidden_lr=0.5)
    net, signal = build(NetConfig(sizes=[48, 16, 4], init_gain=3.0), cfg)
    x, y = toy_dataset(8, T=6).batch(torch.arange(8))
    return net, make_learner(net, signal, cfg), x, y


def test_post_error_sign_and_gate():
    vth = 1.0
    up = post_error(torch.tensor(5.0), torch.tensor(0.5), vth, 2.0, gate=1.0)  # target on, soma below
    down = post_error(torch.tensor(-5.0), torch.tensor(1.5), vth, 2.0, gate=1.0)  # target off, soma above
    far = post_error(torch.tensor(5.0), torch.tensor(-3.0), vth, 2.0, gate=1.0)  # outside the boxcar
    assert up > 0.5 and down < -0.5 and far == 0
    assert post_error(torch.tensor(5.0), torch.tensor(-3.0), vth, 2.0, gate=0.0) > 0.9  # gate off


def test_hidden_update_is_local_and_the_label_enters_only_the_dendrite():
    """Layer 1's update depends neither on the output weights (nothing flows backward) nor,
    through its target, on its own weights: the label reaches it as B[:, y] into the dendrite."""
    net, learner, x, y = setup()
    w1 = net.fcs[0].weight.clone()
    other = copy.deepcopy(learner)
    with torch.no_grad():
        other.net.fcs[1].weight.mul_(-3.0)
    learner.train_batch(x, y)
    other.train_batch(x, y)
    d1, d1_other = net.fcs[0].weight - w1, other.net.fcs[0].weight - w1
    assert d1.abs().sum() > 0 and torch.allclose(d1, d1_other)
    dend = learner.dendrite_input(0, y, cur_t=None, k=3)  # no target-branch current needed
    assert torch.equal(dend[0], 0.5 * learner.label_proj[0][:, y].t())
    assert set(learner.label_proj[0].unique().tolist()) <= {-1.0, 1.0}


def test_update_is_pre_trace_times_post_error():
    """One window of one layer by hand: trace with decay 0.9 (= 1 - dv_dend, the exact
    d v_free / dW), gated sigmoid error of dendrite vs free soma, dW = lr err^T trace / R."""
    net, learner, x, y = setup(update_every=6)
    cfg = learner.cfg
    w = [fc.weight.clone() for fc in net.fcs]
    spikes = x.window(0, 6).dense().view(6, 8, 48)
    cur = spikes @ w[0].t()
    v_free, _ = leaky_integral(cur, None, 0.9)
    v_dend, _ = leaky_integral(learner.dendrite_input(0, y, None, 6), None, 0.9)
    err = post_error(v_dend, v_free, 1.0, cfg.tc_slope, cfg.tc_gate).reshape(48, -1)
    tr, steps = torch.zeros(8, 48), []
    for s in spikes:
        tr = update_trace(tr, s, 0.9)
        steps.append(tr)
    expected = three_factor_dw(torch.stack(steps).reshape(48, -1), err, cfg.tc_hidden_lr)
    learner.train_batch(x, y)
    assert expected.abs().sum() > 0
    assert torch.allclose(net.fcs[0].weight - w[0], expected, atol=1e-6)


def test_a_partial_batch_moves_the_weights_in_proportion_to_its_samples():
    """dW is a batch mean, so a batch of 8 under batch_size 32 (an epoch's last, partial batch)
    is scaled by 8/32: its samples count as in a full batch, not 4x each. Only the first window
    is compared (later windows see already-changed weights)."""
    for method in ("sp-dendritic", "drtp-two-compartment"):
        full_net, full, x, y = setup(update_every=6, batch_size=8, method=method)
        part_net, part, _, _ = setup(update_every=6, batch_size=32, method=method)
        w = [fc.weight.clone() for fc in full_net.fcs]
        full.train_batch(x, y)
        part.train_batch(x, y)
        for l in range(2):
            d_full, d_part = full_net.fcs[l].weight - w[l], part_net.fcs[l].weight - w[l]
            assert d_full.abs().sum() > 0
            assert torch.allclose(d_part, d_full * 8 / 32, atol=1e-6)


def test_sparse_trace_update_equals_the_dense_trace_product():
    from spikeprop.rules.sparse import SparseRows
    from spikeprop.rules.two_compartment import three_factor_dw_sparse_trace

    k, R, n_in, n_out = 4, 5, 30, 7
    spikes = (torch.rand(2 * k, R, n_in) < 0.2).float()
    errs = torch.randn(2 * k, R, n_out)
    tr, steps = torch.zeros(R, n_in), []
    for s in spikes:
        tr = update_trace(tr, s, 0.8)
        steps.append(tr)
    traces = torch.stack(steps)
    trace = None
    for w0 in (0, k):  # two windows: the second one carries the trace of the first
        pre = SparseRows.from_dense(spikes[w0:w0 + k].reshape(k * R, n_in))
        dw, trace = three_factor_dw_sparse_trace(pre, errs[w0:w0 + k].reshape(k * R, -1), 0.3, 0.8, k, trace)
        ref = three_factor_dw(traces[w0:w0 + k].reshape(k * R, -1), errs[w0:w0 + k].reshape(k * R, -1), 0.3)
        assert torch.allclose(dw, ref, atol=1e-5)
        assert torch.allclose(trace, traces[w0 + k - 1], atol=1e-6)
