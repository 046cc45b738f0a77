"""``CubaLIF``: current-based LIF, a thin torch wrapper around ``cuba_lif_step``."""
from __future__ import annotations

import torch
from torch import nn

from neurons.functional.cuba_lif import CubaLIFParams, CubaLIFState, cuba_lif_step
from neurons.modules.base import check_input, run_sequence
from neurons.surrogate import DEFAULT_SURROGATE, spike_fn, spike_for_step


def check_decay(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


class CubaLIF(nn.Module):
    """Current-based LIF with Lava's update order (see ``neurons.functional.cuba_lif``).

    ``forward(x, state=None) -> (s, v_pre, new_state)``; ``du``/``dv`` are Lava's decays.
    """

    def __init__(
        self,
        du: float = 0.5,
        dv: float = 0.1,
        threshold: float = 1.0,
        bias: float = 0.0,
        surrogate: str = DEFAULT_SURROGATE,
    ) -> None:
        super().__init__()
        self.register_buffer("du", torch.tensor(check_decay("CubaLIF: du", du), dtype=torch.float64))
        self.register_buffer("dv", torch.tensor(check_decay("CubaLIF: dv", dv), dtype=torch.float64))
        self.register_buffer("threshold", torch.tensor(float(threshold), dtype=torch.float64))
        self.register_buffer("bias", torch.tensor(float(bias), dtype=torch.float64))
        self.surrogate = surrogate
        self.spike_grad = spike_fn(surrogate)

    @property
    def params(self) -> CubaLIFParams:
        return CubaLIFParams(du=self.du, dv=self.dv, vth=self.threshold, bias=self.bias)

    def initial_state(self, x: torch.Tensor) -> CubaLIFState:
        return CubaLIFState(u=torch.zeros_like(x), v=torch.zeros_like(x))

    def forward(self, x: torch.Tensor, state: CubaLIFState | None = None):
        check_input("CubaLIF", x, None if state is None else state.v)
        if state is None:
            state = self.initial_state(x)
        return cuba_lif_step(x, state, self.params, spike_for_step(self.spike_grad))

    def sequence(self, x_seq: torch.Tensor, state: CubaLIFState | None = None):
        return run_sequence(self.forward, x_seq, state)
