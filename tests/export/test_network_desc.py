"""export.network: validation errors, units, and the .npz form."""
from __future__ import annotations

import numpy as np
import pytest

from export.network import Layer, Network, NetworkError, load_network, save_network


def fl(w, **p):
    return Layer(np.asarray(w, dtype=float), "lif", dict(dict(dv=0.1, vth=1.0, bias=0.0), **p))


def fx(w, **kw):
    return Layer(np.asarray(w), "lif", dict(dv=410, vth=64, bias_mant=0, bias_exp=6), precision="fixed", **kw)


def test_shapes_must_chain():
    with pytest.raises(NetworkError, match=r"layer 1: weights have shape \(3, 5\).*layer 0's 4 outputs"):
        Network([fl(np.ones((4, 6))), fl(np.ones((3, 5)))], 6)
    with pytest.raises(NetworkError, match="network's inputs"):
        Network([fl(np.ones((4, 6)))], 7)


def test_missing_and_unknown_params():
    with pytest.raises(NetworkError, match="needs parameter.*vth"):
        Layer(np.ones((2, 2)), "lif", dict(dv=0.1, bias=0.0))
    with pytest.raises(NetworkError, match="unexpected parameter.*g"):
        Layer(np.ones((2, 2)), "lif", dict(dv=0.1, vth=1.0, bias=0.0, g=1.0))
    with pytest.raises(NetworkError, match="unknown neuron"):
        Layer(np.ones((2, 2)), "izhikevich", {})
    with pytest.raises(NetworkError, match="dv must be in"):
        fl(np.ones((2, 2)), dv=1.5)


def test_fixed_weight_overflow_names_layer_and_amount():
    with pytest.raises(NetworkError, match=r"layer 1: .*\[-300, 10\].*\[-256, 255\].*by 44"):
        Network([fx(np.ones((2, 3), int)), fx(np.array([[-300, 10], [1, 2]]))], 3)
    with pytest.raises(NetworkError, match="layer 0: .*excitatory.*by 1"):
        Network([fx(np.array([[256, 0]]))], 2)
    with pytest.raises(NetworkError, match="integers"):
        Network([fx(np.array([[1.5, 0]]))], 2)
    with pytest.raises(NetworkError, match="vth must lie in"):
        Network([Layer(np.ones((1, 1), int), "lif", dict(dv=1, vth=2**17, bias_mant=0, bias_exp=6),
                       precision="fixed")], 1)


def test_one_precision_per_network():
    with pytest.raises(NetworkError, match="one precision"):
        Network([fl(np.ones((2, 2))), fx(np.ones((2, 2), int))], 2)


def test_lif_has_no_current_memory():
    layer = fl(np.ones((2, 2)))
    assert layer.param("du") == 1.0
    assert fx(np.ones((2, 2), int)).param("du") == 4096


def test_npz_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    net = Network([fl(rng.normal(size=(4, 6)), bias=rng.normal(size=4)),
                   Layer(rng.normal(size=(2, 4)), "cuba_lif", dict(du=0.5, dv=0.2, vth=1.0, bias=0.0))], 6)
    save_network(net, tmp_path / "n.npz")
    back = load_network(tmp_path / "n.npz")
    assert back.sizes == net.sizes
    for a, b in zip(net.layers, back.layers):
        assert np.array_equal(a.weights, b.weights) and a.neuron == b.neuron
        assert set(a.params) == set(b.params)
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(NetworkError, match="not a readable spikeprop network"):
        load_network(tmp_path / "bad.npz")
