"""NIR through the command line: ``spikeprop export --format nir`` and ``spikeprop deploy X.nir``
(fallback and Lava fixed point agree spike for spike), the --nir-convention flag, and the
NeuroBench metrics ``deploy`` reports (chunk-merged = computed on the whole run)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytest.importorskip("nir")

from export.fallback import simulate  # noqa: E402
from export.network import Layer, Network, save_network  # noqa: E402
from export.neurobench import neurobench_metrics  # noqa: E402
from export.nir import from_nir, save_nir, to_nir  # noqa: E402
from spikeprop.cli.__main__ import main  # noqa: E402


def nmnist_net(seed=0) -> Network:
    """A small 2312-16-10 network that spikes on N-MNIST (lif hidden, cuba_lif output)."""
    rng = np.random.default_rng(seed)
    return Network([
        Layer(rng.normal(0, 0.3, (16, 2312)), "lif", dict(dv=0.1, vth=1.0, bias=0.0)),
        Layer(rng.normal(0, 0.5, (10, 16)), "cuba_lif", dict(du=0.3, dv=0.2, vth=0.7, bias=0.0)),
    ], 2312)


def make_checkpoint(path, neuron="lif"):
    from spikeprop.checkpoint import save_checkpoint
    from spikeprop.config import TrainConfig
    from spikeprop.model import NetConfig, SpikingNet
    from spikeprop.rules.signal import TargetSignal

    torch.manual_seed(0)
    cfg = NetConfig(sizes=[2312, 24, 10], init_gain=6.0, neuron=neuron)
    train = TrainConfig(method="bptt", T=20)
    signal = TargetSignal(train.n_classes, 2312, train.target_density, train.seed)
    save_checkpoint(path, {"net": cfg.to_dict(), "train": train.__dict__, "model": SpikingNet(cfg).state_dict(),
                           "signal": signal.state_dict(), "epoch": 1})
    return path


def deploy_json(capsys, *argv) -> dict:
    assert main(["deploy", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def run_backend(path, backend):
    """Per-layer counts and output spikes of the .nir file quantised and run on ``backend``."""
    from spikeprop.artifacts import load_any
    from spikeprop.deploy import load_test_split, prepare, run_chunks

    net, _ = prepare(load_any(path).network, "fixed")
    x = load_test_split(25, 300.0, None, 6)
    return run_chunks(net, x, backend, 3, True, False)


def test_nir_deploy_fallback_fixed_prints_report(tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    save_nir(nmnist_net(), tmp_path / "net.nir")
    assert main(["deploy", str(tmp_path / "net.nir"), "--backend", "fallback", "--precision", "fixed",
                 "--n-samples", "6", "--T", "25", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "quantisation" in text and "2312-16-10" in text and "(fixed) on fallback" in text
    for name in ("Footprint", "ConnectionSparsity", "ActivationSparsity", "SynapticOperations",
                 "ClassificationAccuracy"):
        assert f"NeuroBench: {name}" in text or f", {name}" in text, name
    res = deploy_json(capsys, tmp_path / "net.nir", "--backend", "fallback", "--n-samples", "6", "--T", "25")
    nb = res["neurobench"]
    assert nb["ClassificationAccuracy"] == res["accuracy"]
    assert len(nb["ActivationSparsity"]["per_layer"]) == 2 and 0 < nb["ActivationSparsity"]["overall"] < 1
    assert nb["SynapticOperations"]["Dense"] == 25 * (2312 * 16 + 16 * 10)


@pytest.mark.lava
def test_nir_deploy_lava_fixed_equals_fallback(tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    pytest.importorskip("lava", reason="lava-nc is not installed")
    path = tmp_path / "net.nir"
    save_nir(nmnist_net(), path)
    common = ("--precision", "fixed", "--n-samples", "6", "--T", "25", "--chunk", "3")
    fb = deploy_json(capsys, path, "--backend", "fallback", *common)
    lava = deploy_json(capsys, path, "--backend", "lava", *common)
    assert lava["backend"] == "lava" and fb["backend"] == "fallback"
    assert sum(fb["spikes_per_sample"]) > 0
    for key in ("accuracy", "spikes_per_sample", "neurobench"):
        assert lava[key] == fb[key], key
    a, b = run_backend(path, "fallback"), run_backend(path, "lava")
    assert np.array_equal(a.outputs, b.outputs) and np.array_equal(a.v_sum, b.v_sum)
    assert all(np.array_equal(x, y) for x, y in zip(a.counts, b.counts))


def test_export_checkpoint_to_nir_round_trip(tmp_path, capsys):
    from export.from_torch import from_torch
    from spikeprop.artifacts import load_checkpoint_model

    ckpt = make_checkpoint(tmp_path / "best.pt")
    out = tmp_path / "net.nir"
    assert main(["export", str(ckpt), "--format", "nir", "-o", str(out)]) == 0
    assert "nir format" in capsys.readouterr().out
    original = from_torch(load_checkpoint_model(ckpt)[0])
    back = from_nir(out)
    assert back.meta["nir_convention"] == "spikeprop" and back.sizes == original.sizes
    for a, b in zip(original.layers, back.layers):
        assert a.neuron == b.neuron and np.array_equal(a.weights, b.weights)
        for k in a.params:
            assert np.array_equal(a.params[k], b.params[k]), k
    x = np.random.default_rng(0).random((20, 4, 2312)) < 0.05
    assert np.array_equal(simulate(original, x).spikes, simulate(back, x).spikes)


def test_nir_deploy_float_matches_the_checkpoint(tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    ckpt = make_checkpoint(tmp_path / "best.pt")
    assert main(["export", str(ckpt), "--format", "nir", "-o", str(tmp_path / "net.nir")]) == 0
    capsys.readouterr()
    common = ("--backend", "fallback", "--precision", "float", "--n-samples", "5", "--T", "20")
    a = deploy_json(capsys, ckpt, *common)
    b = deploy_json(capsys, tmp_path / "net.nir", *common)
    assert a["identical_output_spike_trains"] == 1.0
    assert (a["accuracy"], a["spikes_per_sample"], a["neurobench"]) == (b["accuracy"], b["spikes_per_sample"],
                                                                         b["neurobench"])


def test_export_nir_refusals_are_one_line(tmp_path, capsys):
    net = nmnist_net()
    net.layers[0] = Layer(net.layers[0].weights, "two_compartment",
                          dict(du=0.5, dv=0.1, dv_dend=0.2, g=0.5, vth=1.0, bias=0.0))
    save_network(net, tmp_path / "tc.npz")
    assert main(["export", str(tmp_path / "tc.npz"), "--format", "nir", "-o", str(tmp_path / "x.nir")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "layer 0" in err and "two_compartment" in err
    assert not (tmp_path / "x.nir").exists()
    assert main(["export", str(tmp_path / "tc.npz"), "--format", "nir", "--precision", "fixed",
                 "-o", str(tmp_path / "x.nir")]) == 1
    assert "drop --precision fixed" in capsys.readouterr().err


def foreign_nir(path, r=None):
    """Our graph without our metadata (as snntorch would write it); ``r`` breaks the convention."""
    import nir

    net = nmnist_net()
    g = to_nir(net)
    g.metadata = {}
    for node in g.nodes.values():
        node.metadata = {}
    if r is not None:
        g.nodes["lif0"].r = np.full(16, r)
    nir.write(path, g)
    return net


def test_nir_convention_flag(tmp_path, capsys):
    from spikeprop.artifacts import load_any
    from spikeprop.errors import SpikePropError

    net = foreign_nir(tmp_path / "snn.nir")
    assert load_any(tmp_path / "snn.nir").network.meta["nir_convention"] == "snntorch"
    assert load_any(tmp_path / "snn.nir", "snntorch").network.sizes == net.sizes
    with pytest.raises(SpikePropError, match="do not follow the norse convention"):
        load_any(tmp_path / "snn.nir", "norse")
    foreign_nir(tmp_path / "odd.nir", r=3.0)
    assert main(["export", str(tmp_path / "odd.nir"), "--format", "lava", "-o", str(tmp_path / "x.npz")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "cannot tell the NIR convention" in err and "--nir-convention" in err
    with pytest.raises(SystemExit):  # argparse refuses a convention it does not know
        main(["deploy", str(tmp_path / "odd.nir"), "--nir-convention", "guess"])


def test_chunk_merged_neurobench_equals_whole_run():
    from spikeprop.neurobench_report import chunk_metrics, merge_chunks

    net = nmnist_net()
    x = np.random.default_rng(3).random((15, 7, 2312)) < 0.03
    whole = simulate(net, x)
    spikes = [layer["s"] for layer in whole.layers]
    pred, labels = np.arange(7) % 3, np.arange(7) % 2
    expect = neurobench_metrics(net, x, spikes, pred, labels)
    parts = [chunk_metrics(net, x[:, i:i + 3], [s[:, i:i + 3] for s in spikes]) for i in range(0, 7, 3)]
    got = merge_chunks(parts, pred, labels)
    assert got.keys() == expect.keys()
    assert got["ActivationSparsity"]["per_layer"] == pytest.approx(expect["ActivationSparsity"]["per_layer"])
    assert got["ActivationSparsity"]["overall"] == pytest.approx(expect["ActivationSparsity"]["overall"])
    assert got["SynapticOperations"] == pytest.approx(expect["SynapticOperations"])
    assert got["SynapticOperations"]["Effective_ACs"] > 0


def test_evaluate_neurobench_from_torch_spikes_equals_fallback(tmp_path):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    from export.from_torch import from_torch
    from spikeprop.artifacts import load_checkpoint_model
    from spikeprop.neurobench_report import torch_neurobench
    from spikeprop.datasets import load_dataset

    model = load_checkpoint_model(make_checkpoint(tmp_path / "best.pt"))[0]
    data = load_dataset("test", 20, 300.0, None, limit=5)
    pred = np.zeros(5, dtype=int)
    got = torch_neurobench(model, data, pred, data.labels, batch_size=2)
    assert next(model.parameters()).dtype == torch.float32  # the model itself is not converted
    net = from_torch(model)
    x = data.batch(torch.arange(5))[0].dense().numpy() != 0
    spikes = [layer["s"] for layer in simulate(net, x).layers]
    expect = neurobench_metrics(net, x, spikes, pred, data.labels.numpy())
    assert got["ActivationSparsity"]["per_layer"] == pytest.approx(expect["ActivationSparsity"]["per_layer"])
    assert got["SynapticOperations"] == pytest.approx(expect["SynapticOperations"])
    assert got["ClassificationAccuracy"] == expect["ClassificationAccuracy"]
    assert got["Footprint"] == expect["Footprint"] > 2312 * 24 * 4


def test_evaluate_cli_reports_neurobench(tmp_path, capsys):
    pytest.importorskip("spikeprop.data", reason="the N-MNIST reader (spikeprop.data) is not available")
    ckpt = make_checkpoint(tmp_path / "best.pt")
    assert main(["evaluate", str(ckpt), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    nb = res["neurobench"]
    assert set(nb) == {"Footprint", "ConnectionSparsity", "ActivationSparsity", "SynapticOperations",
                       "ClassificationAccuracy"}
    assert nb["ClassificationAccuracy"] == pytest.approx(res["accuracy"][res["primary_mode"]])
    assert [1 - layer["rate"] for layer in res["layers"]] == pytest.approx(nb["ActivationSparsity"]["per_layer"])
