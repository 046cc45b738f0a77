"""The fused K-step kernels are the step functions, bit for bit (neurons/functional/window.py)."""
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from neurons import CubaLIF, LIF
from neurons.modules.base import run_sequence


def _loop(neuron, curs, state=None):
    """The reference: the module's one-step forward over each branch, rows concatenated."""
    spikes, volts, states, row = [], [], [], 0
    for cur in curs:
        part = None if state is None else type(state)(*(f[row:row + cur.shape[1]] for f in state))
        with torch.no_grad():
            s, v, st_ = run_sequence(lambda x, s_: neuron(x, state=s_), cur, part)
        spikes.append(s), volts.append(v), states.append(st_)
        row += cur.shape[1]
    return torch.cat(spikes, 1), torch.cat(volts, 1), type(states[0])(*(torch.cat(f) for f in zip(*states)))


def _check(neuron, seed: int, scale: float, with_state: bool):
    g = torch.Generator().manual_seed(seed)
    data = torch.randn(7, 5, 9, generator=g) * scale
    target = (torch.randn(1, 3, 9, generator=g) * scale).expand(7, 3, 9)  # a broadcast view, as SP passes it
    state = None
    if with_state:  # a state from an earlier window
        _, _, state = neuron.window([torch.randn(4, 8, 9, generator=g) * scale])
    got = neuron.window([data, target], state)
    want = _loop(neuron, [data, target], state)
    assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])
    for a, b in zip(got[2], want[2]):
        assert torch.equal(a, b)
    # the spike coordinates the kernel lists while stepping are nonzero()'s, in its order
    s, v, new_state, (rows, cols) = neuron.window([data, target], state, coords=True)
    assert torch.equal(s, got[0]) and torch.equal(v, got[1])
    nz = s.reshape(-1, s.shape[-1]).nonzero()
    assert torch.equal(rows, nz[:, 0]) and torch.equal(cols, nz[:, 1])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), beta=st.floats(0.0, 1.0), vth=st.floats(0.05, 3.0),
       bias=st.floats(-0.5, 0.5), scale=st.floats(0.1, 3.0), with_state=st.booleans())
def test_lif_window_equals_step_loop(seed, beta, vth, bias, scale, with_state):
    _check(LIF(beta=beta, threshold=vth, bias=bias), seed, scale, with_state)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), du=st.floats(0.0, 1.0), dv=st.floats(0.0, 1.0), vth=st.floats(0.05, 3.0),
       bias=st.floats(-0.5, 0.5), scale=st.floats(0.1, 3.0), with_state=st.booleans())
def test_cuba_lif_window_equals_step_loop(seed, du, dv, vth, bias, scale, with_state):
    _check(CubaLIF(du=du, dv=dv, threshold=vth, bias=bias), seed, scale, with_state)


def test_window_rejects_a_state_of_another_shape():
    import pytest

    _, _, state = LIF().window(torch.rand(2, 4, 6))
    with pytest.raises(ValueError, match="state has shape"):
        LIF().window(torch.rand(2, 5, 6), state)


def test_window_lists_no_coordinates_without_a_kernel():
    x = torch.rand(3, 2, 4, dtype=torch.float64) * 2  # float64: no fused kernel
    s, v, _, active = LIF().window(x, coords=True)
    assert active is None and s.shape == (3, 2, 4)


def test_window_without_kernel_falls_back_to_the_step_loop():
    x = torch.rand(3, 2, 4, dtype=torch.float64) * 2  # float64: no fused kernel
    s, v, _ = LIF().window(x)
    ref_s, ref_v, _ = _loop(LIF(), [x])
    assert torch.equal(s, ref_s) and torch.equal(v, ref_v) and s.dtype == torch.float64
