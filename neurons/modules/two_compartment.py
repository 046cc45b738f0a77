"""``TwoCompartment``: dendrite (teaching input) + spiking soma, around ``two_compartment_step``."""
from __future__ import annotations

import torch

from neurons.functional.two_compartment import (
    TwoCompartmentParams,
    TwoCompartmentState,
    two_compartment_step,
)
from neurons.modules.base import NeuronModule
from neurons.surrogate import DEFAULT_SURROGATE


class TwoCompartment(NeuronModule):
    """Two-compartment neuron; equations in ``neurons.functional.two_compartment``.

    ``forward(x, x_dend=None, state=None) -> (s, v_pre, new_state)``. ``x`` drives the soma,
    ``x_dend`` (the target signal; zeros when None) drives the dendrite.
    """

    kind = "TwoCompartment"
    state_type = TwoCompartmentState
    step_fn = staticmethod(two_compartment_step)
    extra_inputs = ("dendrite",)

    def __init__(
        self,
        du: float = 1.0,
        dv: float = 0.1,
        dv_dend: float = 0.1,
        g: float = 0.0,
        threshold: float = 1.0,
        bias: float = 0.0,
        surrogate: str = DEFAULT_SURROGATE,
    ) -> None:
        super().__init__(surrogate)
        self.register_constant("du", du, decay=True)
        self.register_constant("dv", dv, decay=True)
        self.register_constant("dv_dend", dv_dend, decay=True)
        self.register_constant("g", g)
        self.register_constant("threshold", threshold)
        self.register_constant("bias", bias)

    @property
    def params(self) -> TwoCompartmentParams:
        return TwoCompartmentParams(
            du=self.du, dv=self.dv, dv_dend=self.dv_dend, g=self.g,
            vth=self.threshold, bias=self.bias,
        )

    def forward(  # type: ignore[override]
        self,
        x: torch.Tensor,
        x_dend: torch.Tensor | None = None,
        state: TwoCompartmentState | None = None,
    ):
        return self._step(x, state, (x_dend,))

    def sequence(  # type: ignore[override]
        self,
        x_seq: torch.Tensor,
        x_dend_seq: torch.Tensor | None = None,
        state: TwoCompartmentState | None = None,
    ):
        """Run over time; ``x_dend_seq`` is (T, ...) like ``x_seq`` or None."""
        return self._sequence(x_seq, state, (x_dend_seq,))
