"""cuba_lif_step against a hand-computed sequence (Lava's order: decay u, add input, decay v, add u and bias)."""
import numpy as np
import pytest

from neurons.functional import CubaLIFParams, CubaLIFState, cuba_lif_step


def test_cuba_hand_computed_sequence():
    p = CubaLIFParams(du=0.5, dv=0.25, vth=1.0, bias=0.0)
    st = CubaLIFState(u=np.zeros(1), v=np.zeros(1))
    xs = [0.4, 0.0, 0.0, 0.0]
    # u: 0.4, 0.2, 0.1, 0.05
    # v_pre: 0.4 ; 0.3+0.2=0.5 ; 0.375+0.1=0.475 ; 0.35625+0.05=0.40625
    exp_u = [0.4, 0.2, 0.1, 0.05]
    exp_v = [0.4, 0.5, 0.475, 0.40625]
    for x, eu, ev in zip(xs, exp_u, exp_v):
        s, v_pre, st = cuba_lif_step(np.array([x]), st, p)
        assert s[0] == 0
        assert st.u[0] == pytest.approx(eu)
        assert v_pre[0] == pytest.approx(ev)


def test_cuba_spike_resets_v_not_u():
    p = CubaLIFParams(du=0.0, dv=0.0, vth=1.0)
    st = CubaLIFState(u=np.zeros(1), v=np.zeros(1))
    s, v_pre, st = cuba_lif_step(np.array([0.6]), st, p)  # u=0.6, v=0.6
    s, v_pre, st = cuba_lif_step(np.array([0.0]), st, p)  # u=0.6, v=1.2 -> spike
    assert s[0] == 1 and v_pre[0] == pytest.approx(1.2)
    assert st.v[0] == 0.0 and st.u[0] == pytest.approx(0.6)


def test_cuba_with_du_one_equals_lif():
    from neurons.functional import LIFParams, LIFState, lif_step

    rng = np.random.default_rng(0)
    xs = rng.uniform(-0.2, 0.7, size=(50, 8))
    c = CubaLIFState(u=np.zeros(8), v=np.zeros(8))
    l = LIFState(v=np.zeros(8))
    for x in xs:
        sc, vc, c = cuba_lif_step(x, c, CubaLIFParams(du=1.0, dv=0.2, vth=1.0, bias=0.01))
        sl, vl, l = lif_step(x, l, LIFParams(dv=0.2, vth=1.0, bias=0.01))
        np.testing.assert_array_equal(sc, sl)
        np.testing.assert_array_equal(vc, vl)
