"""lif_step against hand-computed sequences, on numpy and torch alike."""
import numpy as np
import pytest
import torch

from neurons.functional import LIFParams, LIFState, heaviside, lif_step


def run(xs, p, lib):
    v = lib.zeros(1, dtype=lib.float64)
    out = []
    for x in xs:
        s, v_pre, st = lif_step(lib.full((1,), x, dtype=lib.float64), LIFState(v=v), p)
        v = st.v
        out.append((float(s[0]), float(v_pre[0]), float(v[0])))
    return out


@pytest.mark.parametrize("lib", [np, torch])
def test_lif_hand_computed_sequence(lib):
    p = LIFParams(dv=0.5, vth=1.0, bias=0.0)
    # v_pre: 0.6 ; 0.3+0.6=0.9 ; 0.45+0.6=1.05 -> spike, reset ; 0.6
    got = run([0.6, 0.6, 0.6, 0.6], p, lib)
    expected = [(0, 0.6, 0.6), (0, 0.9, 0.9), (1, 1.05, 0.0), (0, 0.6, 0.6)]
    for (s, vp, v), (es, evp, ev) in zip(got, expected):
        assert s == es
        assert vp == pytest.approx(evp, abs=1e-12)
        assert v == pytest.approx(ev, abs=1e-12)


def test_lif_bias_integrates_without_input():
    p = LIFParams(dv=0.0, vth=0.25, bias=0.1)
    got = run([0, 0, 0, 0], p, np)
    assert [g[0] for g in got] == [0, 0, 1, 0]  # 0.1, 0.2, 0.3>0.25 fires, then 0.1
    assert got[2][2] == 0.0


def test_threshold_is_strict_like_lava():
    """Lava fires on v > vth, never on equality."""
    p = LIFParams(dv=0.0, vth=1.0)
    s, v_pre, st = lif_step(np.array([1.0]), LIFState(v=np.zeros(1)), p)
    assert s[0] == 0 and st.v[0] == 1.0
    assert heaviside(np.array([0.0]))[0] == 0


def test_step_keeps_dtype_and_type():
    p = LIFParams()
    s, v_pre, st = lif_step(np.ones(3, dtype=np.float32), LIFState(v=np.zeros(3, np.float32)), p)
    assert isinstance(s, np.ndarray) and s.dtype == np.float32
    s, v_pre, st = lif_step(torch.ones(3, dtype=torch.float64), LIFState(v=torch.zeros(3, dtype=torch.float64)), p)
    assert isinstance(s, torch.Tensor) and s.dtype == torch.float64
