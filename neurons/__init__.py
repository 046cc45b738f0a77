"""Spiking neuron models whose dynamics match Lava's LIF exactly.

``neurons.functional`` holds the pure step functions (the only statement of the
dynamics, importing neither torch nor numpy); ``neurons.register_neuron`` adds a new kind
from one more step function (``neurons.StepNeuron`` is its module); ``neurons.LIF`` / ``CubaLIF`` /
``TwoCompartment`` wrap them for torch. The torch side is imported lazily (PEP 562), so
the numpy simulators and Lava ProcessModels can use the step functions without torch.
"""
from __future__ import annotations

import importlib
from typing import Any

from neurons.functional import (
    CubaLIFParams, CubaLIFState, LIFParams, LIFState,
    TwoCompartmentParams, TwoCompartmentState,
    cuba_lif_step, lif_step, two_compartment_step,
)
from neurons.registry import NeuronKind, neuron_kind, register_neuron, registered_neurons

_LAZY = {
    "LIF": "neurons.modules", "CubaLIF": "neurons.modules", "TwoCompartment": "neurons.modules",
    "StepNeuron": "neurons.modules", "run_sequence": "neurons.modules", "SURROGATES": "neurons.surrogate", "spike_fn": "neurons.surrogate",
}

__all__ = [
    "LIF", "CubaLIF", "TwoCompartment", "run_sequence", "SURROGATES", "spike_fn",
    "LIFParams", "LIFState", "lif_step", "CubaLIFParams", "CubaLIFState", "cuba_lif_step",
    "TwoCompartmentParams", "TwoCompartmentState", "two_compartment_step",
    "StepNeuron", "NeuronKind", "register_neuron", "neuron_kind", "registered_neurons",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'neurons' has no attribute {name!r}")
