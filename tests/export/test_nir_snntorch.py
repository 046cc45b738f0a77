"""A NIR file made at test time by snntorch's own exporter, imported here: the float fallback
gives the same output spikes as snntorch's own forward on real N-MNIST input."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("nir")
pytest.importorskip("nirtorch")  # snntorch.export_nir imports it
torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from export.fallback import simulate  # noqa: E402
from export.nir import from_nir, read_nir  # noqa: E402


def snntorch_net(sizes=(2312, 40, 10), beta=(0.9, 0.8), seed=0):
    """Linear (with bias) + Leaky(reset to zero); per-neuron beta/threshold as snntorch 1.0's
    exporter needs them to pass nir's type inference (snntorch#410)."""
    torch.manual_seed(seed)
    mods = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = torch.nn.Linear(n_in, n_out)
        with torch.no_grad():
            lin.weight.mul_(6.0)  # enough drive for spikes in both layers
        mods += [lin, snn.Leaky(beta=torch.full((n_out,), beta[i]), threshold=torch.full((n_out,), 1.0),
                                reset_mechanism="zero", init_hidden=True, output=i == len(sizes) - 2)]
    return torch.nn.Sequential(*mods)


def snntorch_forward(net, x):
    """x: (T, B, N) -> output spikes (T, B, n_out) from snntorch's own step-by-step forward."""
    from snntorch import utils

    utils.reset(net)
    out = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            spk, _ = net(torch.as_tensor(x[t], dtype=torch.float32))
            out.append(spk.numpy() != 0)
    return np.stack(out)


def test_snntorch_export_imports_and_matches_its_forward(tmp_path, nmnist):
    import nir
    from snntorch.export_nir import export_to_nir

    net = snntorch_net()
    graph = export_to_nir(net, torch.zeros(2312))
    nir.write(tmp_path / "snn.nir", graph)
    g = read_nir(tmp_path / "snn.nir")
    assert {type(n).__name__ for n in g.nodes.values()} >= {"Affine", "LIF"}
    network = from_nir(g)  # recognised: r = tau / 1e-4, no spikeprop metadata
    assert network.meta["nir_convention"] == "snntorch"
    assert network.sizes == [2312, 40, 10]
    assert network.layers[0].params["dv"] == pytest.approx(0.1, rel=1e-6)
    assert np.ndim(network.layers[0].params["bias"]) == 1  # Linear bias -> neuron bias

    x = nmnist(8, 30)
    ours = simulate(network, x, record=False).spikes
    theirs = snntorch_forward(net, x.astype(np.float32))
    assert theirs.sum() > 20  # the comparison is not between two silent networks
    assert np.array_equal(ours, theirs)
