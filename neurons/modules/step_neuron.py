"""``StepNeuron``: the torch module of a registered neuron kind (``neurons.register_neuron``).

It is a ``NeuronModule`` like ``LIF``: the registered step function is called with the
surrogate spike function in training and Heaviside elsewhere. Parameters are float64
buffers named after the fields of the kind's params type, so checkpoints keep them and
``export.from_torch`` reads them back exactly.
"""
from __future__ import annotations

from typing import Any

import torch

from neurons.modules.base import NeuronModule
from neurons.registry import neuron_kind
from neurons.surrogate import DEFAULT_SURROGATE


class StepNeuron(NeuronModule):
    """``StepNeuron(kind, surrogate=..., **params)``; unspecified params take the type's defaults."""

    def __init__(self, kind: str, surrogate: str = DEFAULT_SURROGATE, **params: float) -> None:
        spec = neuron_kind(kind)
        super().__init__(surrogate)
        unknown = sorted(set(params) - set(spec.params_type._fields))
        if unknown:
            raise ValueError(f"{kind}: unknown parameter(s) {', '.join(unknown)}; "
                             f"expected {', '.join(spec.params_type._fields)}")
        self.kind = kind
        self.step_fn = spec.step_fn  # instance attribute: called unbound, like the staticmethods
        self.state_type = spec.state_type
        self.params_type = spec.params_type
        for name, value in {**spec.params_type._field_defaults, **params}.items():
            self.register_constant(name, value)

    @property
    def params(self) -> Any:
        return self.params_type(*(getattr(self, f) for f in self.params_type._fields))

    @property
    def threshold(self) -> torch.Tensor:
        """``vth``, under the name the SP rules and neuron statistics read."""
        return self.vth

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, " + ", ".join(f"{f}={float(getattr(self, f)):g}" for f in self.params_type._fields)
