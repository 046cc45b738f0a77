"""netx HDF5: round trip, lava-dl layout, files in lava-dl's own style, and bad files."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from export.fallback import simulate
from export.netx import NetxError, lava_dl_weight_bits, load_netx, save_netx
from export.network import Layer, Network
from export.quantize import quantize


def float_net(seed=0):
    rng = np.random.default_rng(seed)
    return Network([
        Layer(rng.normal(0, 0.3, (30, 50)), "lif", dict(dv=0.1, vth=1.0, bias=0.0)),
        Layer(rng.normal(0, 0.3, (10, 30)), "cuba_lif",
              dict(du=0.5, dv=0.2, vth=1.0, bias=rng.normal(0, 0.05, 10))),
    ], 50)


def test_round_trip_identical(tmp_path):
    q, _ = quantize(float_net())
    save_netx(q, tmp_path / "net.h5")
    back = load_netx(tmp_path / "net.h5")
    assert back.precision == "fixed" and back.sizes == q.sizes
    for a, b in zip(q.layers, back.layers):
        assert a.neuron == b.neuron and a.weight_exp == b.weight_exp
        assert np.array_equal(a.weights, b.weights)
        assert set(a.params) == set(b.params)
        for k in a.params:
            assert np.array_equal(a.params[k], b.params[k]), k
    x = np.random.default_rng(1).random((40, 3, 50)) < 0.3
    assert np.array_equal(simulate(q, x).spikes, simulate(back, x).spikes)


def test_layout_matches_lava_dl(tmp_path):
    report = save_netx(float_net(), tmp_path / "net.h5")  # float: quantised on the way
    assert report is not None
    with h5py.File(tmp_path / "net.h5") as f:
        assert sorted(f["layer"].keys()) == ["0", "1"]
        g = f["layer/0"]
        assert g["type"].dtype == np.dtype("S10") and g["type"].shape == (1,) and g["type"][0] == b"dense"
        assert g["shape"][()].tolist() == [30] and g["shape"].dtype == np.int64
        assert g["inFeatures"][()] == 50 and g["outFeatures"][()] == 30
        assert g["weight"].dtype == np.float32 and g["weight"].shape == (30, 50)
        w = g["weight"][()]
        assert np.all(w == np.round(w)) and w.min() >= -256 and w.max() <= 255
        n = g["neuron"]
        assert n["type"][()] in (b"CUBA", "CUBA")
        assert n["iDecay"][()] == 4096 and n["vDecay"][()] == 410
        for key in ("vThMant", "refDelay", "gradedSpike"):
            assert key in n
        assert "bias" not in g and f["layer/1/bias"].shape == (10,)
        assert f["layer/1/neuron/iDecay"][()] == 2048


def write_lava_dl_style(path, with_input=True, conv=False):
    """A file as lava-dl's slayer writes it: input layer, shape (1, 1, N) style, vlen strings."""
    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as f:
        i = 0
        if with_input:
            g = f.create_group(f"layer/{i}")
            g.create_dataset("type", (1,), "S10", [b"input"])
            g.create_dataset("shape", data=np.array([1, 1, 6]))
            g.create_dataset("weight", data=np.float32(32))
            g.create_dataset("bias", data=np.zeros(6, np.float32))
            for k, v in dict(type="CUBA", iDecay=4096, vDecay=4096, vThMant=40, refDelay=1, gradedSpike=False).items():
                g.create_dataset(f"neuron/{k}", data=v)
            i += 1
        if conv:
            g = f.create_group(f"layer/{i}")
            g.create_dataset("type", (1,), "S10", [b"conv"])
            i += 1
        for n_in, n_out in ((6, 5), (5, 3)):
            g = f.create_group(f"layer/{i}")
            g.create_dataset("type", (1,), "S10", [b"dense"])
            g.create_dataset("shape", data=np.array([n_out, 1, 1]))
            g.create_dataset("inFeatures", data=n_in)
            g.create_dataset("outFeatures", data=n_out)
            g.create_dataset("weight", data=rng.integers(-60, 60, (n_out, n_in)).astype(np.float32))
            g.create_dataset("bias", data=rng.integers(-20, 20, n_out).astype(np.float32))
            for k, v in dict(type="CUBA", iDecay=1024, vDecay=128, vThMant=80, refDelay=1, gradedSpike=False).items():
                g.create_dataset(f"neuron/{k}", data=v)
            i += 1


def test_reads_lava_dl_files_with_input_layer_and_bias(tmp_path):
    write_lava_dl_style(tmp_path / "dl.net")
    net = load_netx(tmp_path / "dl.net")
    assert net.sizes == [6, 6, 5, 3]
    inp, d1 = net.layers[0], net.layers[1]
    assert np.array_equal(inp.weights * 2.0**inp.weight_exp, 32 * np.eye(6))
    assert d1.neuron == "cuba_lif" and d1.params["du"] == 1024 and d1.params["vth"] == 80
    # lava-dl's weight mapping: mixed weights within 7 bits are doubled with weight_exp -1
    with h5py.File(tmp_path / "dl.net") as f:
        w = f["layer/1/weight"][()]
    W, e, _ = lava_dl_weight_bits(w)
    assert np.array_equal(d1.weights, W) and d1.weight_exp == e and e < 0
    x = np.random.default_rng(0).random((20, 2, 6)) < 0.5
    assert simulate(net, x).spikes.shape == (20, 2, 3)


def test_unsupported_layer_type_is_named(tmp_path):
    write_lava_dl_style(tmp_path / "conv.net", conv=True)
    with pytest.raises(NetxError, match="layer 1: layer type 'conv' is not supported"):
        load_netx(tmp_path / "conv.net")


def test_missing_datasets_and_wrong_shapes(tmp_path):
    q, _ = quantize(float_net())
    base = tmp_path / "ok.h5"
    save_netx(q, base)

    def broken(name, edit):
        p = tmp_path / name
        p.write_bytes(base.read_bytes())
        with h5py.File(p, "a") as f:
            edit(f)
        return p

    def set_weight(f, w, drop_features=False):
        del f["layer/1/weight"]
        f["layer/1"].create_dataset("weight", data=w)
        if drop_features:
            del f["layer/1/inFeatures"]

    with pytest.raises(NetxError, match="layer 0/neuron: missing dataset 'vThMant'"):
        load_netx(broken("a.h5", lambda f: f["layer/0/neuron"].pop("vThMant")))
    with pytest.raises(NetxError, match="layer 1: missing dataset 'weight'"):
        load_netx(broken("b.h5", lambda f: f["layer/1"].pop("weight")))
    with pytest.raises(NetxError, match="layer 1: 'weight' reads 29 inputs but the previous layer has 30"):
        load_netx(broken("c.h5", lambda f: set_weight(f, np.zeros((10, 29), np.float32), True)))
    with pytest.raises(NetxError, match="'inFeatures' = 30 but 'weight' has shape"):
        load_netx(broken("c2.h5", lambda f: set_weight(f, np.zeros((10, 31), np.float32))))
    with pytest.raises(NetxError, match="neuron type 'SDNN' is not supported"):
        def sdnn(f):
            del f["layer/0/neuron/type"]
            f["layer/0/neuron"].create_dataset("type", data="SDNN")
        load_netx(broken("d.h5", sdnn))
    with pytest.raises(NetxError, match="missing group 'layer'"):
        with h5py.File(tmp_path / "e.h5", "w") as f:
            f.create_group("net")
        load_netx(tmp_path / "e.h5")
    (tmp_path / "f.h5").write_text("hello")
    with pytest.raises(NetxError, match="not an HDF5 file"):
        load_netx(tmp_path / "f.h5")
    with pytest.raises(NetxError, match="no such file"):
        load_netx(tmp_path / "missing.h5")


def test_refuses_what_netx_cannot_hold(tmp_path):
    rng = np.random.default_rng(0)
    tc = Network([Layer(rng.integers(-5, 5, (3, 4)), "two_compartment",
                        dict(du=4096, dv=400, dv_dend=400, g=0, vth=10, bias_mant=0, bias_exp=6),
                        precision="fixed")], 4)
    with pytest.raises(NetxError, match="two-compartment"):
        save_netx(tc, tmp_path / "tc.h5")
    big = Network([Layer(rng.integers(-256, 255, (3, 4)), "lif", dict(dv=400, vth=10, bias_mant=0, bias_exp=6),
                         precision="fixed", weight_exp=2)], 4)
    with pytest.raises(NetxError, match="weight_exp <= 0"):
        save_netx(big, tmp_path / "big.h5")
