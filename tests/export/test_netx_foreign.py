"""Foreign netx files read exactly: odd mixed-sign weights keep bit 0 (lava-dl gives Lava
9 weight bits), a zero maximum weight does not divide by zero; checked against Lava's Dense
built the way lava-dl's netx builds it."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from export.fallback import simulate
from export.fallback.fixed import lava_weights
from export.netx import NetxError, lava_dl_weight_bits, load_netx


def write_netx(path, weight, vth=100, neuron=True, bias=None):
    weight = np.asarray(weight, dtype=np.float32)
    with h5py.File(path, "w") as f:
        g = f.create_group("layer/0")
        g.create_dataset("type", (1,), "S10", [b"dense"])
        g.create_dataset("shape", data=np.array([weight.shape[0]], dtype=np.int64))
        g.create_dataset("weight", data=weight)
        if bias is not None:
            g.create_dataset("bias", data=np.asarray(bias, dtype=np.float32))
        if neuron:
            n = g.create_group("neuron")
            n.create_dataset("type", data="CUBA")
            for k, v in (("iDecay", 4096), ("vDecay", 0), ("vThMant", vth), ("refDelay", 1)):
                n.create_dataset(k, data=np.int64(v))
            n.create_dataset("gradedSpike", data=np.bool_(False))


def odd_mixed_weights():
    w = np.array([[201, -256, 3, 254, -1], [-7, 99, 201, -255, 5]])
    assert np.all(w[w % 2 == 1] % 2 == 1) and w.min() == -256 and w.max() == 254
    return w


def test_odd_mixed_weights_keep_lowest_bit(tmp_path):
    write_netx(tmp_path / "odd.net", odd_mixed_weights())
    layer = load_netx(tmp_path / "odd.net").layers[0]
    assert layer.num_weight_bits == 9 and layer.weight_exp == 0
    assert np.array_equal(lava_weights(layer), odd_mixed_weights())  # 201 stays 201


def test_zero_maximum_weight_loads(tmp_path):
    write_netx(tmp_path / "neg.net", [[-5, 0]], vth=0)
    layer = load_netx(tmp_path / "neg.net").layers[0]
    # lava-dl: max == 0 is mixed, scale -128/-5 -> shift 5 (+1 signed? no: floor(log2 25.6) + 1 = 5)
    assert layer.weight_exp == -5 and np.array_equal(lava_weights(layer) * 2.0**layer.weight_exp, [[-5, 0]])
    assert lava_dl_weight_bits(np.array([[-5, 0]]))[:2][1] == -5


def test_dense_without_neuron_group_is_one_line_error(tmp_path):
    write_netx(tmp_path / "bare.net", [[1, 2]], neuron=False)
    with pytest.raises(NetxError, match="layer 0: missing group 'neuron'"):
        load_netx(tmp_path / "bare.net")


def lava_dl_dense_spikes(weight, vth, x, bias=0):
    """Lava's Dense + LIF, with the arguments lava-dl's netx would pass (fixed point)."""
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.magma.core.run_conditions import RunSteps
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIF

    w, exp, bits = lava_dl_weight_bits(np.asarray(weight))
    T = x.shape[0]
    src = Source(data=x.T.astype(np.int32))
    dense = Dense(weights=w, weight_exp=exp, num_weight_bits=bits)
    lif = LIF(shape=(w.shape[0],), du=4095, dv=0, vth=vth, bias_mant=np.asarray(bias), bias_exp=6)
    sink = Sink(shape=(w.shape[0],), buffer=T)
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    lif.s_out.connect(sink.a_in)
    try:
        lif.run(condition=RunSteps(num_steps=T), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        return sink.data.get().T != 0
    finally:
        lif.stop()


@pytest.mark.lava
@pytest.mark.parametrize("weight, vth, bias", [(odd_mixed_weights(), 3, None),
                                              ([[-5, 0], [0, -3]], 200, [60, 50])])
def test_foreign_netx_matches_lava(tmp_path, weight, vth, bias):
    pytest.importorskip("lava")
    write_netx(tmp_path / "f.net", weight, vth=vth, bias=bias)
    net = load_netx(tmp_path / "f.net")
    x = np.random.default_rng(0).random((30, np.shape(weight)[1])) < 0.5
    ours = simulate(net, x, align=False).spikes
    theirs = lava_dl_dense_spikes(weight, vth, x, 0 if bias is None else bias)
    assert ours.any() and not ours.all() and np.array_equal(ours, theirs)
