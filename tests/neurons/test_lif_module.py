"""neurons.LIF matches snntorch's zero-reset Leaky (without joining its global registry), plus clear errors."""
import gc
import weakref

import pytest
import snntorch
import torch

import neurons
from neurons import LIF, CubaLIF, TwoCompartment


@pytest.mark.parametrize("beta", [0.5, 0.75, 0.875])
def test_lif_matches_snntorch_leaky_zero_reset(beta):
    torch.manual_seed(0)
    x_seq = torch.rand(60, 4, 16, dtype=torch.float64) * 0.6
    ours = LIF(beta=beta, threshold=1.0).double()
    ref = snntorch.Leaky(beta=beta, threshold=1.0, reset_mechanism="zero").double()
    mem = ref.init_leaky()
    state = None
    total = 0
    for x in x_seq:
        s, v_pre, state = ours(x, state)
        spk, mem = ref(x, mem)
        torch.testing.assert_close(s, spk.to(s.dtype), rtol=0, atol=0)
        # snntorch reports the pre-reset voltage, i.e. our v_pre
        torch.testing.assert_close(v_pre, mem, rtol=0, atol=1e-12)
        total += int(s.sum())
    assert total > 0, "test input must make the neurons spike"


@pytest.mark.parametrize("learn", [False, True])
def test_lif_stores_what_a_zero_reset_snntorch_leaky_stores(learn):
    """Same tensors and state_dict keys as snntorch.Leaky (plus bias), so older checkpoints load."""
    lif = LIF(beta=0.875, threshold=0.5, learn_beta=learn, learn_threshold=learn)
    ref = snntorch.Leaky(beta=0.875, threshold=0.5, reset_mechanism="zero", learn_beta=learn, learn_threshold=learn)
    ours, theirs = lif.state_dict(), ref.state_dict()
    assert lif.reset_mechanism == "zero"
    assert list(ours) == list(theirs) + ["bias"]
    for k, v in theirs.items():
        assert ours[k].dtype == v.dtype and torch.equal(ours[k], v), k
    assert sorted(n for n, _ in lif.named_parameters()) == sorted(n for n, _ in ref.named_parameters())
    LIF(beta=0.5).load_state_dict({**theirs, "bias": torch.tensor(0.25, dtype=torch.float64)})


def test_constructing_neurons_leaves_nothing_behind():
    """No class-level registry (snntorch's SpikingNeuron.instances or any other) keeps modules alive."""
    before = len(snntorch.SpikingNeuron.instances)
    made = [cls() for _ in range(50) for cls in (LIF, CubaLIF, TwoCompartment)]
    assert len(snntorch.SpikingNeuron.instances) == before
    refs = [weakref.ref(m) for m in made]
    del made
    gc.collect()
    alive = [r() for r in refs if r() is not None]
    assert not alive, f"{len(alive)} neuron modules still referenced after deletion"


def test_surrogate_by_name_gives_gradient_and_heaviside_gives_none():
    x = torch.full((1, 3), 0.9, requires_grad=True)
    s, _, _ = LIF(beta=0.9, surrogate="atan")(x)
    s.sum().backward()
    assert x.grad.abs().sum() > 0
    x.grad = None
    s, _, _ = LIF(beta=0.9, surrogate="heaviside")(x)
    s.sum().backward()
    assert torch.count_nonzero(x.grad) == 0


def test_unknown_surrogate_is_named():
    with pytest.raises(ValueError, match="unknown surrogate 'nope'"):
        LIF(surrogate="nope")


@pytest.mark.parametrize("cls", [LIF, CubaLIF, TwoCompartment])
def test_integer_input_rejected(cls):
    with pytest.raises(TypeError, match="floating point"):
        cls()(torch.ones(2, 3, dtype=torch.int64))


@pytest.mark.parametrize("cls", [LIF, CubaLIF, TwoCompartment])
def test_state_shape_mismatch_rejected(cls):
    n = cls()
    _, _, state = n(torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"input has shape \(2, 4\) but the state has shape \(2, 3\)"):
        n(torch.ones(2, 4), state=state)


def test_non_tensor_rejected():
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        LIF()([1.0, 2.0])


def test_bad_decay_rejected():
    with pytest.raises(ValueError, match="du must be in"):
        CubaLIF(du=1.5)
    with pytest.raises(ValueError, match="beta must be in"):
        LIF(beta=-0.1)


def test_sequence_returns_time_major():
    s, v, st = CubaLIF(du=0.5, dv=0.1).sequence(torch.rand(7, 2, 5))
    assert s.shape == v.shape == (7, 2, 5)
    s, v, st = TwoCompartment(g=0.5).sequence(torch.rand(7, 2, 5), torch.rand(7, 2, 5))
    assert s.shape == (7, 2, 5) and st.v_dend.shape == (2, 5)


def test_module_uses_the_shared_step_function():
    """The module is a thin wrapper: it must give exactly what the pure step gives."""
    cuba = CubaLIF(du=0.3, dv=0.2, threshold=0.5, bias=0.05).double()
    x = torch.rand(3, 4, dtype=torch.float64)
    s1, v1, st1 = cuba(x)
    s2, v2, st2 = neurons.cuba_lif_step(
        x, neurons.CubaLIFState(torch.zeros_like(x), torch.zeros_like(x)),
        neurons.CubaLIFParams(du=0.3, dv=0.2, vth=0.5, bias=0.05),
    )
    torch.testing.assert_close(v1, v2, rtol=0, atol=0)
    torch.testing.assert_close(s1, s2, rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(__import__("neurons.surrogate", fromlist=["SURROGATES"]).SURROGATES))
def test_every_spike_function_has_the_heaviside_forward(name):
    """What lets modules step with the plain Heaviside when no graph is recorded."""
    from neurons.functional.spike import heaviside
    from neurons.surrogate import spike_fn, spike_for_step

    x = torch.tensor([-1.0, -1e-7, 0.0, 1e-7, 0.5, 3.0], dtype=torch.float64)
    assert torch.equal(spike_fn(name)(x), heaviside(x))
    assert spike_fn(name)(x).dtype == torch.float64
    fn = spike_fn(name)
    assert spike_for_step(fn) is fn
    with torch.no_grad():
        assert spike_for_step(fn) is heaviside
