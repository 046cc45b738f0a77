"""SP-voltage looks at the voltage floored at ``sp_v_floor`` (default 0: the depolarisation)."""
import torch

from spikeprop.config import TrainConfig
from spikeprop.rules.losses import activity


def test_voltage_activity_floor():
    v = torch.tensor([-2.0, -0.5, 0.0, 0.7, 1.5], requires_grad=True)
    assert torch.equal(activity(v, "voltage"), v)  # no floor: the raw voltage
    a = activity(v, "voltage", v_floor=0.0)
    assert torch.equal(a, torch.tensor([0.0, 0.0, 0.0, 0.7, 1.5]))
    (g,) = torch.autograd.grad(a.sum(), v)
    assert torch.equal(g[:2], torch.zeros(2)) and torch.equal(g[3:], torch.ones(2))
    # the floor never touches the surrogate
    assert torch.equal(activity(v, "surrogate", 1.0, 4.0, v_floor=0.0), activity(v, "surrogate", 1.0, 4.0))


def test_floor_is_the_sp_voltage_default_and_can_be_turned_off():
    assert TrainConfig().sp_v_floor == 0.0
    assert TrainConfig.from_dict({"sp_v_floor": None}).sp_v_floor is None
