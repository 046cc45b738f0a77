"""NIR: exact spikeprop round trip, snntorch's own exporter as the fixture, Lava agreement, errors."""
from __future__ import annotations

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from export.errors import ExportError, NirError  # noqa: E402
from export.fallback import simulate  # noqa: E402
from export.network import Layer, Network  # noqa: E402
from export.nir import from_nir, save_nir, to_nir  # noqa: E402
from export.quantize import quantize  # noqa: E402


def small_net(seed=0, n_in=7, scale=0.4):
    rng = np.random.default_rng(seed)
    return Network([
        Layer(rng.normal(0, scale, (6, n_in)), "lif", dict(dv=0.1, vth=1.0, bias=rng.normal(0, 0.1, 6))),
        Layer(rng.normal(0, scale, (4, 6)), "cuba_lif", dict(du=0.3, dv=0.2, vth=0.7, bias=0.05)),
    ], n_in)


def test_round_trip_identical_including_cuba(tmp_path):
    net = small_net()
    save_nir(net, tmp_path / "net.nir")
    back = from_nir(tmp_path / "net.nir")
    assert back.meta["nir_convention"] == "spikeprop" and back.sizes == net.sizes
    for a, b in zip(net.layers, back.layers):
        assert a.neuron == b.neuron
        assert np.array_equal(a.weights, b.weights)
        assert set(a.params) == set(b.params)
        for k in a.params:
            assert np.array_equal(a.params[k], b.params[k]), k
    x = np.random.default_rng(1).random((30, 3, 7)) < 0.4
    assert np.array_equal(simulate(net, x).spikes, simulate(back, x).spikes)


def test_written_graph_follows_snntorch_convention():
    g = to_nir(small_net())
    lif, cuba = g.nodes["lif0"], g.nodes["lif1"]
    assert type(g.nodes["fc0"]).__name__ == "Affine"  # lif bias -> Affine bias
    assert np.allclose(lif.tau, 1e-4 / 0.1) and np.allclose(lif.r, lif.tau / 1e-4)
    assert np.allclose(cuba.w_in, cuba.tau_syn / 1e-4) and np.allclose(cuba.v_leak, 0.05 / 0.2)
    assert np.all(lif.v_reset == 0) and np.all(lif.v_threshold == 1.0)


def strip_meta(g):
    g.metadata = {}
    for node in g.nodes.values():
        node.metadata = {}
    return g


def test_foreign_graph_recognised_as_snntorch_and_errors():
    net = small_net()
    net.layers[1].params["bias"] = 0.0  # a foreign CubaLIF has no v_leak bias
    g = strip_meta(to_nir(net))
    back = from_nir(g)
    assert back.meta["nir_convention"] == "snntorch"
    assert back.layers[0].params["dv"] == pytest.approx(0.1, rel=1e-12)
    with pytest.raises(NirError, match="norse"):
        from_nir(g, convention="norse")
    with pytest.raises(NirError, match="spikeprop"):
        from_nir(g, convention="spikeprop")


def _graph(neuron, bias=None, n_in=3, n=2):
    syn = nir.Affine(weight=np.ones((n, n_in)), bias=bias) if bias is not None else nir.Linear(weight=np.ones((n, n_in)))
    return nir.NIRGraph(nodes={"input": nir.Input(np.array([n_in])), "fc": syn, "neuron": neuron,
                               "output": nir.Output(np.array([n]))},
                        edges=[("input", "fc"), ("fc", "neuron"), ("neuron", "output")])


def _lif(n=2, tau=1e-3, r=None, v_leak=0.0, vth=1.0, v_reset=0.0):
    tau = np.full(n, tau) if np.ndim(tau) == 0 else np.asarray(tau)
    r = tau / 1e-4 if r is None else np.full(n, r)
    return nir.LIF(tau=tau, r=r, v_leak=np.full(n, v_leak), v_threshold=np.full(n, vth), v_reset=np.full(n, v_reset))


@pytest.mark.parametrize("graph, match", [
    (lambda: _graph(_lif(v_reset=0.5)), "v_reset"),
    (lambda: _graph(_lif(v_leak=0.2)), "v_leak"),
    (lambda: _graph(_lif(tau=[1e-3, 2e-3])), "differs between neurons"),
    (lambda: _graph(_lif(r=3.0)), "cannot tell the NIR convention"),
    (lambda: _graph(nir.CubaLIF(tau_syn=np.full(2, 5e-4), tau_mem=np.full(2, 1e-3), r=np.full(2, 10.0),
                                v_leak=np.zeros(2), v_threshold=np.ones(2), w_in=np.full(2, 5.0)),
                    bias=np.array([0.1, 0.0])), "decaying current"),
])
def test_unmappable_graphs_one_line_errors(graph, match):
    with pytest.raises(NirError, match=match) as e:
        from_nir(graph())
    assert "\n" not in str(e.value)


def test_conv_and_two_compartment_refused():
    conv = nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 1, 2, 2)), stride=1, padding=0, dilation=1,
                      groups=1, bias=np.zeros(1))
    g = nir.NIRGraph(nodes={"input": nir.Input(np.array([1, 4, 4])), "conv": conv,
                            "output": nir.Output(np.array([1, 3, 3]))},
                     edges=[("input", "conv"), ("conv", "output")], type_check=False)
    with pytest.raises(NirError, match="'conv' is a Conv2d"):
        from_nir(g)
    tc = Network([Layer(np.ones((2, 3)), "two_compartment",
                        dict(du=1.0, dv=0.1, dv_dend=0.2, g=0.5, vth=1.0, bias=0.0))], 3)
    with pytest.raises(ExportError, match="layer 0: two_compartment"):
        to_nir(tc)


def test_norse_lif_gain_folded_into_weights():
    # norse LIFBox: v = v + dt/tau (-v + r I) with r = 1, dt = 1e-3 -> gain dt/tau = 0.25
    g = _graph(nir.LIF(tau=np.full(2, 4e-3), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.full(2, 0.5),
                       v_reset=np.zeros(2)), bias=np.array([0.4, 0.0]))
    net = from_nir(g)  # recognised: r = 1
    assert net.meta["nir_convention"] == "norse"
    layer = net.layers[0]
    assert layer.params["dv"] == pytest.approx(0.25) and layer.params["vth"] == 0.5
    assert np.allclose(layer.weights, 0.25) and np.allclose(layer.params["bias"], [0.1, 0.0])


def test_nir_fixed_fallback_matches_lava():
    pytest.importorskip("lava")
    from export.lava.build import run_lava

    net = from_nir(to_nir(small_net(3, scale=1.0)))
    fixed, _ = quantize(net)
    x = np.random.default_rng(2).random((25, 2, 7)) < 0.4
    fb = simulate(fixed, x, align=False)
    lv = run_lava(fixed, x, align=False)
    assert fb.spikes.any() and np.array_equal(fb.spikes, lv.spikes)


test_nir_fixed_fallback_matches_lava = pytest.mark.lava(test_nir_fixed_fallback_matches_lava)
