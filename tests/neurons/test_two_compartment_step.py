"""two_compartment_step: dendrite integrates without spiking, soma couples to it."""
import numpy as np
import pytest

from neurons.functional import TwoCompartmentParams, TwoCompartmentState, two_compartment_step


def zeros():
    return TwoCompartmentState(u=np.zeros(1), v=np.zeros(1), v_dend=np.zeros(1))


def test_dendrite_never_spikes_or_resets():
    p = TwoCompartmentParams(du=1.0, dv=0.5, dv_dend=0.5, g=0.0, vth=1.0)
    st = zeros()
    dend = []
    for _ in range(5):
        s, v_pre, st = two_compartment_step(np.zeros(1), np.array([2.0]), st, p)
        assert s[0] == 0  # g = 0: the soma ignores the dendrite
        dend.append(st.v_dend[0])
    # v_dend: 2, 3, 3.5, 3.75, 3.875 (no reset even far above threshold)
    assert dend == pytest.approx([2.0, 3.0, 3.5, 3.75, 3.875])


def test_coupling_drives_soma_hand_computed():
    p = TwoCompartmentParams(du=1.0, dv=0.5, dv_dend=0.0, g=0.25, vth=1.0)
    st = zeros()
    # step 1: v_dend=1, u=0.5, v_pre = 0 + 0.5 + 0.25 = 0.75
    s, v_pre, st = two_compartment_step(np.array([0.5]), np.array([1.0]), st, p)
    assert v_pre[0] == pytest.approx(0.75) and s[0] == 0
    # step 2: v_dend=1, u=0.5, v_pre = 0.375 + 0.5 + 0.25 = 1.125 -> spike, reset
    s, v_pre, st = two_compartment_step(np.array([0.5]), np.array([0.0]), st, p)
    assert v_pre[0] == pytest.approx(1.125) and s[0] == 1
    assert st.v[0] == 0.0 and st.v_dend[0] == pytest.approx(1.0)


def test_zero_coupling_equals_cuba_lif():
    from neurons.functional import CubaLIFParams, CubaLIFState, cuba_lif_step

    rng = np.random.default_rng(1)
    tc, cu = TwoCompartmentState(*(np.zeros(6),) * 3), CubaLIFState(np.zeros(6), np.zeros(6))
    for _ in range(40):
        x, xd = rng.uniform(0, 0.6, 6), rng.uniform(-1, 1, 6)
        s1, v1, tc = two_compartment_step(x, xd, tc, TwoCompartmentParams(du=0.3, dv=0.1, g=0.0))
        s2, v2, cu = cuba_lif_step(x, cu, CubaLIFParams(du=0.3, dv=0.1))
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(v1, v2)
