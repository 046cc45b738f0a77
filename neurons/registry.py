"""Neuron kinds beyond the built-in three: one pure step function, registered by name.

Why: the architecture promises that a neuron is stated once, as a step function, and that
training and the float simulator both call it. Built-in kinds (``lif``, ``cuba_lif``,
``two_compartment``) have hand-written fixed-point and Lava models too; a registered kind
runs in torch (``neurons.StepNeuron``, so ``spikeprop`` can train it) and in the float
fallback (``export.fallback``), not in fixed point or on Lava.

A step function has the signature of ``neurons.lif_step``::

    step_fn(x, state, params, spike_fn) -> (s, v_pre, new_state)

``params`` is a NamedTuple type with a ``vth`` field (the threshold the SP rules and the
dead-neuron statistics read) and a default for every field; ``state`` is a NamedTuple type
whose fields all start at zero and include ``v``. Only operators torch tensors and numpy
arrays share may be used, so the same function runs in both.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

BUILTIN_NEURONS = ("lif", "cuba_lif", "two_compartment")


class NeuronKind(NamedTuple):
    kind: str
    step_fn: Callable[..., tuple[Any, Any, Any]]
    params_type: type
    state_type: type


_KINDS: dict[str, NeuronKind] = {}


def register_neuron(kind: str, step_fn: Callable[..., tuple[Any, Any, Any]],
                    params_type: type, state_type: type) -> NeuronKind:
    """Make ``kind`` known to ``StepNeuron``, ``spikeprop.model.NetConfig`` and the float
    fallback. Registering a kind again replaces it (scripts can be re-run)."""
    if not isinstance(kind, str) or not kind.isidentifier():
        raise ValueError(f"neuron kind must be an identifier string, got {kind!r}")
    if kind in BUILTIN_NEURONS:
        raise ValueError(f"neuron kind {kind!r} is built in; register the new neuron under another name")
    if not callable(step_fn):
        raise TypeError(f"neuron {kind!r}: step_fn must be callable, got {type(step_fn).__name__}")
    for what, typ, field in (("params_type", params_type, "vth"), ("state_type", state_type, "v")):
        if field not in getattr(typ, "_fields", ()):
            raise TypeError(f"neuron {kind!r}: {what} must be a NamedTuple type with a {field!r} field")
    missing = [f for f in params_type._fields if f not in params_type._field_defaults]
    if missing:
        raise TypeError(f"neuron {kind!r}: params_type needs defaults for {', '.join(missing)}")
    _KINDS[kind] = NeuronKind(kind, step_fn, params_type, state_type)
    return _KINDS[kind]


def neuron_kind(kind: str) -> NeuronKind:
    """The registered kind ``kind``; one clear error when it is unknown."""
    try:
        return _KINDS[kind]
    except (KeyError, TypeError):
        known = ", ".join(registered_neurons()) or "none"
        raise ValueError(f"unknown neuron kind {kind!r} (registered: {known}; "
                         "add one with neurons.register_neuron)") from None


def registered_neurons() -> tuple[str, ...]:
    """Names of the registered (non-built-in) kinds, in registration order."""
    return tuple(_KINDS)
