"""``TwoCompartment``: dendrite (teaching input) + spiking soma, around ``two_compartment_step``."""
from __future__ import annotations

import torch
from torch import nn

from neurons.functional.two_compartment import (
    TwoCompartmentParams,
    TwoCompartmentState,
    two_compartment_step,
)
from neurons.modules.base import check_input, run_sequence
from neurons.modules.cuba_lif import check_decay
from neurons.surrogate import DEFAULT_SURROGATE, spike_fn, spike_for_step


class TwoCompartment(nn.Module):
    """Two-compartment neuron; equations in ``neurons.functional.two_compartment``.

    ``forward(x, x_dend=None, state=None) -> (s, v_pre, new_state)``. ``x`` drives the soma,
    ``x_dend`` (the target signal; zeros when None) drives the dendrite.
    """

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
        super().__init__()
        self.register_buffer("du", torch.tensor(check_decay("TwoCompartment: du", du), dtype=torch.float64))
        self.register_buffer("dv", torch.tensor(check_decay("TwoCompartment: dv", dv), dtype=torch.float64))
        self.register_buffer(
            "dv_dend", torch.tensor(check_decay("TwoCompartment: dv_dend", dv_dend), dtype=torch.float64)
        )
        self.register_buffer("g", torch.tensor(float(g), dtype=torch.float64))
        self.register_buffer("threshold", torch.tensor(float(threshold), dtype=torch.float64))
        self.register_buffer("bias", torch.tensor(float(bias), dtype=torch.float64))
        self.surrogate = surrogate
        self.spike_grad = spike_fn(surrogate)

    @property
    def params(self) -> TwoCompartmentParams:
        return TwoCompartmentParams(
            du=self.du, dv=self.dv, dv_dend=self.dv_dend, g=self.g,
            vth=self.threshold, bias=self.bias,
        )

    def initial_state(self, x: torch.Tensor) -> TwoCompartmentState:
        z = torch.zeros_like(x)
        return TwoCompartmentState(u=z, v=z.clone(), v_dend=z.clone())

    def forward(
        self,
        x: torch.Tensor,
        x_dend: torch.Tensor | None = None,
        state: TwoCompartmentState | None = None,
    ):
        check_input("TwoCompartment", x, None if state is None else state.v)
        if x_dend is None:
            x_dend = torch.zeros_like(x)
        else:
            check_input("TwoCompartment (dendrite)", x_dend, x)
        if state is None:
            state = self.initial_state(x)
        return two_compartment_step(x, x_dend, state, self.params, spike_for_step(self.spike_grad))

    def sequence(
        self,
        x_seq: torch.Tensor,
        x_dend_seq: torch.Tensor | None = None,
        state: TwoCompartmentState | None = None,
    ):
        """Run over time; ``x_dend_seq`` is (T, ...) like ``x_seq`` or None."""
        if x_dend_seq is None:
            return run_sequence(lambda x, s: self.forward(x, None, s), x_seq, state)
        steps = iter(x_dend_seq)
        return run_sequence(lambda x, s: self.forward(x, next(steps), s), x_seq, state)
