"""Every rule under its true name: old names map with a note, sp-dendritic's dendrite is the
target pass through the layer's own weights, DRTP's is the label projection, and the boxcar
surrogate passes a gradient only near threshold."""
import json
import warnings

import pytest
import torch

from neurons.surrogate import spike_fn
from spikeprop.checkpoint import configs_of, load_checkpoint, restore_model, save_checkpoint
from spikeprop.cli.__main__ import main
from spikeprop.config import RenamedMethodWarning, TrainConfig, read_config_file, upgrade_method
from spikeprop.model import NetConfig
from spikeprop.rules import make_learner
from spikeprop.rules.two_compartment import voltage_error
from spikeprop.trainer import Trainer, build
from toy_data import toy_dataset

torch.set_num_threads(1)


@pytest.mark.parametrize("old, dend, new", [("sp-two-compartment", "label", "drtp-two-compartment"),
                                            ("sp-two-compartment", None, "drtp-two-compartment"),
                                            ("sp-two-compartment", "forward", "sp-dendritic"),
                                            ("bp-heaviside", None, "bptt")])
def test_old_method_names_map_with_a_note(old, dend, new):
    train = {"method": old, **({"tc_dend": dend} if dend else {})}
    with pytest.warns(RenamedMethodWarning, match=f"'{old}' is now '{new}'"):
        net, mapped = upgrade_method({}, train)
    assert mapped["method"] == new and "tc_dend" not in mapped
    assert net.get("surrogate") == ("heaviside" if old == "bp-heaviside" else None)
    assert mapped.get("tc_target_norm") == (False if new == "sp-dendritic" else None)  # behaviour kept
    TrainConfig.from_dict(mapped)  # loads


def test_current_names_pass_without_a_note():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert upgrade_method({}, {"method": "sp-dendritic", "tc_dend": "label"})[1] == {"method": "sp-dendritic"}


def test_old_checkpoint_loads_as_drtp(tmp_path):
    tr = Trainer(NetConfig(sizes=[48, 12, 4]), TrainConfig(method="drtp-two-compartment", T=4, n_classes=4,
                                                           epochs=1), tmp_path, progress=False, plot=False)
    tr.fit(toy_dataset(8, T=4))
    ckpt = load_checkpoint(tmp_path / "last.pt")
    old = dict(ckpt, train=dict(ckpt["train"], method="sp-two-compartment", tc_dend="label"))
    old["train"].pop("tc_error")  # fields of today's config that an old one lacked
    old["train"].pop("tc_target_norm")
    old["train"].pop("tc_target_shift")
    save_checkpoint(tmp_path / "old.pt", {k: v for k, v in old.items() if k not in ("format", "version")})
    with pytest.warns(RenamedMethodWarning):
        net, signal, net_cfg, cfg = restore_model(load_checkpoint(tmp_path / "old.pt"))
    assert cfg.method == "drtp-two-compartment" and net_cfg.neuron == "two_compartment"
    assert torch.equal(net.fcs[0].weight, tr.net.fcs[0].weight)
    with pytest.warns(RenamedMethodWarning):
        assert configs_of(load_checkpoint(tmp_path / "old.pt"))[1].tc_error == "surrogate"


def test_cli_prints_the_rename_as_one_line(tmp_path, capsys):
    cfg = tmp_path / "old.json"
    cfg.write_text(json.dumps({"net": {"sizes": [2312, 16, 10]}, "train": {"method": "bp-heaviside", "epochs": 1, "T": 4}}))
    assert read_config_file  # the CLI reads it through read_config_file
    assert main(["train", "--config", str(cfg), "--out", str(tmp_path / "run"), "--quiet", "--threads", "1"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["spikeprop train: note: method 'bp-heaviside' is now 'bptt' with surrogate 'heaviside' "
                   "(the true, zero spike gradient; equal to shallow)"]
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["train"]["method"] == "bptt" and saved["net"]["surrogate"] == "heaviside"


def test_boxcar_gradient_only_inside_the_window():
    x = torch.tensor([-2.0, -0.6, -0.4, 0.0, 0.3, 0.49, 0.7, 3.0], requires_grad=True)
    s = spike_fn("boxcar")(x)
    s.sum().backward()
    assert s.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert x.grad.tolist() == [0, 0, 1, 1, 1, 1, 0, 0]  # 1 / (2 * 0.5) inside |x| < 0.5
    with pytest.raises(ValueError, match="width"):
        spike_fn("boxcar", width=0.0)


def dendritic(method="sp-dendritic", **kw):
    cfg = TrainConfig(method=method, T=6, update_every=3, n_classes=4, target_density=0.25,
                      tc_lr=0.5, tc_hidden_lr=0.5, **kw)
    net, signal = build(NetConfig(sizes=[48, 16, 12, 4], init_gain=3.0), cfg)
    x, y = toy_dataset(8, T=6).batch(torch.arange(8))
    return net, signal, make_learner(net, signal, cfg), x, y


def test_sp_dendritic_dendrite_is_the_target_pass_through_the_same_weights():
    """Layer 1's dendrite gets W_1 t_y (t the target pattern); layer 2's gets W_2 times layer
    1's target-pass spikes, so it moves with W_1 (the target goes through the forward weights);
    DRTP's hidden dendrite is the label projection and ignores the weights."""
    net, signal, learner, x, y = dendritic()
    cur_t = (signal() @ net.fcs[0].weight.t()).expand(3, -1, -1)
    z = cur_t[0] - cur_t[0].mean(0, keepdim=True)  # constant over the window at the first layer
    z = z / z.pow(2).mean().sqrt()
    assert torch.allclose(learner.dendrite_input(0, y, cur_t, 3), (0.5 * z)[y].expand(3, -1, -1), atol=1e-6)
    raw = dendritic(tc_target_norm=False)[2]
    assert torch.equal(raw.dendrite_input(0, y, cur_t, 3), cur_t[:, y])
    seen = []
    real = learner.dendrite_input
    learner.dendrite_input = lambda l, y_, c, k: seen.append((l, real(l, y_, c, k).clone())) or seen[-1][1]
    learner.train_batch(x, y)
    first_l2 = [d for l, d in seen if l == 1][0]
    net2, signal2, learner2, _, _ = dendritic()
    with torch.no_grad():
        net2.fcs[0].weight.mul_(0.2)  # fewer target-pass spikes in layer 1 -> another dendrite at layer 2
    seen2 = []
    real2 = learner2.dendrite_input
    learner2.dendrite_input = lambda l, y_, c, k: seen2.append((l, real2(l, y_, c, k).clone())) or seen2[-1][1]
    learner2.train_batch(x, y)
    assert not torch.allclose(first_l2, [d for l, d in seen2 if l == 1][0])
    _, _, drtp, _, _ = dendritic("drtp-two-compartment")
    assert torch.equal(drtp.dendrite_input(1, y, None, 3)[0], 0.5 * drtp.label_proj[1][:, y].t())


def test_sp_dendritic_hidden_update_is_local():
    """Layer 1's update does not depend on later layers' weights (nothing flows backward)."""
    import copy
    for err in ("surrogate", "voltage"):
        net, _, learner, x, y = dendritic(tc_error=err)
        w1 = net.fcs[0].weight.clone()
        other = copy.deepcopy(learner)
        with torch.no_grad():
            other.net.fcs[2].weight.mul_(-3.0)
            other.net.fcs[1].weight.mul_(0.5)
        learner.train_batch(x, y)
        other.train_batch(x, y)
        d1 = net.fcs[0].weight - w1
        assert d1.abs().sum() > 0 and torch.allclose(d1, other.net.fcs[0].weight - w1)


def test_voltage_error_is_the_floored_difference_where_the_soma_is_depolarised():
    e = voltage_error(torch.tensor([3.0, -1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, -1.0, 5.0]))
    assert e.tolist() == [2.0, -2.0, 0.0, -2.0]
