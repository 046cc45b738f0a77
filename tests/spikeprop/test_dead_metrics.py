"""Dead / near-dead / saturated fractions on hand-made spikes; a silent network is 100 % dead."""
import torch

from spikeprop.config import TrainConfig
from spikeprop.metrics import LayerStats, dead_fraction, firing_rates, spikes_summary
from spikeprop.model import NetConfig
from spikeprop.prediction import collect_outputs
from toy_data import toy_dataset
from spikeprop.trainer import build

torch.set_num_threads(1)


def test_fractions_on_hand_made_spikes():
    spikes = torch.zeros(10, 2, 4)  # (T, B, N)
    spikes[:, :, 1] = 1.0  # saturated
    spikes[0, 0, 2] = 1.0  # near-dead: 1 spike in 20 steps = 0.05 > 0.01 ... use threshold 0.1
    st = LayerStats(4)
    st.update(spikes, torch.zeros_like(spikes))
    s = st.summary(near_dead_rate=0.1, saturated_rate=0.9)
    assert s["dead"] == 0.5  # neurons 0 and 3
    assert s["near_dead"] == 0.75  # 0, 2, 3
    assert s["saturated"] == 0.25
    assert sum(s["rate_hist"]) == 4
    assert abs(sum(s["v_hist"]) - 1.0) < 1e-4
    assert torch.allclose(firing_rates(torch.tensor([0.0, 20.0]), 20), torch.tensor([0.0, 1.0]))
    assert dead_fraction(torch.tensor([0.0, 0.5])) == 0.5
    assert spikes_summary(torch.zeros(3), 5)["dead"] == 1.0


def test_huge_threshold_network_is_reported_dead():
    cfg = TrainConfig(n_classes=4, T=8)
    net, signal = build(NetConfig(sizes=[48, 16, 4], threshold=1e6), cfg)
    out = collect_outputs(net, signal, cfg, toy_dataset(10, T=8))
    for st in out.stats:
        assert st.summary()["dead"] == 1.0
