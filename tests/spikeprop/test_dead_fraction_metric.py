"""The dead-neuron metric on hand-made spike tensors, and a huge-threshold network reported 100 % dead
through the same path the dead-neuron study uses (``Trainer.evaluate`` before any update)."""
import pytest
import torch

from spikeprop.config import TrainConfig
from spikeprop.dead_neurons.results import hidden_layers, recovery_epoch
from spikeprop.metrics import LayerStats, dead_fraction, firing_rates, near_dead_fraction, saturated_fraction
from spikeprop.model import NetConfig
from toy_data import toy_dataset
from spikeprop.trainer import Trainer

torch.set_num_threads(1)


def hand_made_batches():
    """Two batches (T=5, B=2, N=6) of spikes; neuron roles:
    0 never spikes (dead), 1 spikes on every step (saturated), 2 spikes once in the whole set,
    only in the *second* batch (not dead, near-dead), 3 spikes only in batch 1 sample 0 (alive),
    4 spikes every other step (alive, rate 0.6), 5 never spikes (dead)."""
    a = torch.zeros(5, 2, 6)
    b = torch.zeros(5, 2, 6)
    a[:, :, 1] = b[:, :, 1] = 1
    b[4, 1, 2] = 1
    a[:, 0, 3] = 1
    a[::2, :, 4] = b[::2, :, 4] = 1
    return a, b


def test_dead_means_no_spike_over_the_whole_set():
    a, b = hand_made_batches()
    st = LayerStats(6, vth=1.0)
    st.update(a, torch.full_like(a, 0.5))
    only_first = st.summary(near_dead_rate=0.1, saturated_rate=0.9)
    assert only_first["dead"] == pytest.approx(3 / 6)  # 0, 2 and 5: neuron 2 has not spiked yet
    st.update(b, torch.full_like(b, 0.5))
    s = st.summary(near_dead_rate=0.1, saturated_rate=0.9)
    assert st.n_steps == 20  # steps x samples over both batches
    assert st.counts.tolist() == [0, 20, 1, 5, 12, 0]
    assert s["dead"] == pytest.approx(2 / 6)  # 0 and 5 only: one spike anywhere keeps a neuron alive
    assert s["near_dead"] == pytest.approx(3 / 6)  # 0, 5 and 2 (1 spike in 20 steps < 0.1)
    assert s["saturated"] == pytest.approx(1 / 6)
    assert s["rate"] == pytest.approx((0 + 20 + 1 + 5 + 12 + 0) / 20 / 6)
    assert sum(s["rate_hist"]) == 6
    assert s["v_hist"] and abs(sum(s["v_hist"]) - 1.0) < 1e-4


def test_rate_helpers_on_known_rates():
    counts = torch.tensor([0.0, 1.0, 10.0, 100.0])
    r = firing_rates(counts, 100)
    assert r.tolist() == pytest.approx([0.0, 0.01, 0.1, 1.0])
    assert dead_fraction(r) == 0.25
    assert near_dead_fraction(r, 0.05) == 0.5  # 0 and 0.01
    assert saturated_fraction(r, 0.9) == 0.25
    assert dead_fraction(torch.zeros(0)) == 0.0  # no neurons: nothing is dead
    assert dead_fraction(torch.zeros(7)) == 1.0


def test_voltage_histogram_is_relative_to_threshold():
    st = LayerStats(3, vth=2.0)
    v = torch.full((4, 1, 3), 2.0)  # exactly at threshold -> the bin holding 0
    st.update(torch.zeros_like(v), v)
    hist = st.summary()["v_hist"]
    from spikeprop.metrics import v_hist_edges
    edges = v_hist_edges()
    i = max(j for j, e in enumerate(edges[:-1]) if e <= 0.0)
    assert hist[i] == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["bptt-boxcar", "sp-voltage", "drtp-two-compartment", "sp-dendritic"])
def test_huge_threshold_network_is_reported_100_percent_dead(method):
    cfg = TrainConfig(method=method, T=10, epochs=0)
    data = toy_dataset(20, T=10, n_inputs=48, n_classes=10, p_on=0.6)
    silent = Trainer(NetConfig(sizes=[48, 24, 16, 10], threshold=1e6), cfg, None, progress=False, plot=False)
    ev = silent.evaluate(data)
    assert ev["dead"] == [1.0, 1.0, 1.0]
    assert ev["near_dead"] == [1.0, 1.0, 1.0]
    assert ev["rate"] == [0.0, 0.0, 0.0]
    for layer in ev["layers"]:
        assert layer["rate_hist"][0] == sum(layer["rate_hist"])  # every neuron in the lowest bin
    # the same network with a normal threshold is not reported dead (the metric is not stuck at 1)
    alive = Trainer(NetConfig(sizes=[48, 24, 16, 10], threshold=0.05), cfg, None, progress=False, plot=False)
    assert alive.evaluate(data)["dead"][0] < 1.0


def test_recovery_epoch():
    hist = [{"epoch": 0, "dead": [0.99, 0.9, 1.0]}, {"epoch": 1, "dead": [0.4, 0.6, 1.0]},
            {"epoch": 2, "dead": [0.3, 0.5, 1.0]}]
    assert hidden_layers(3) == [0, 1]  # the output layer does not count
    assert recovery_epoch(hist, 0.5) == 2
    assert recovery_epoch(hist, 0.95) == 1
    assert recovery_epoch(hist, 0.99) == 0
    assert recovery_epoch(hist, 0.2) is None
