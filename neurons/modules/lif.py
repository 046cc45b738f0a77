"""``LIF``: an ``snntorch.Leaky`` whose step is ``neurons.functional.lif_step``.

It is a real ``snntorch.Leaky`` (reset to zero, so it equals Lava ``LIF(du=1, dv=1-beta)``),
but ``forward`` takes and returns the state explicitly and also returns ``v_pre``, the
voltage before threshold and reset that SP-voltage learns from.
"""
from __future__ import annotations

import snntorch
import torch

from neurons.functional.lif import LIFParams, LIFState, lif_step
from neurons.modules.base import check_input, run_sequence
from neurons.surrogate import DEFAULT_SURROGATE, spike_fn, spike_for_step


class LIF(snntorch.Leaky):
    """Leaky integrate-and-fire, Lava-exact. ``beta`` is snntorch's decay (``dv = 1 - beta``).

    ``forward(x, state=None) -> (s, v_pre, new_state)`` with ``x`` of shape (B, N).
    """

    def __init__(
        self,
        beta: float = 0.9,
        threshold: float = 1.0,
        bias: float = 0.0,
        surrogate: str = DEFAULT_SURROGATE,
        learn_beta: bool = False,
        learn_threshold: bool = False,
    ) -> None:
        if not 0.0 <= float(beta) <= 1.0:
            raise ValueError(f"LIF: beta must be in [0, 1], got {beta}")
        super().__init__(
            beta=beta,
            threshold=threshold,
            spike_grad=spike_fn(surrogate),
            reset_mechanism="zero",
            learn_beta=learn_beta,
            learn_threshold=learn_threshold,
        )
        self.surrogate = surrogate
        self.register_buffer("bias", torch.tensor(float(bias), dtype=torch.float64))

    @property
    def params(self) -> LIFParams:
        return LIFParams(dv=1 - self.beta, vth=self.threshold, bias=self.bias)

    def initial_state(self, x: torch.Tensor) -> LIFState:
        return LIFState(v=torch.zeros_like(x))

    def forward(self, x: torch.Tensor, state: LIFState | None = None):  # type: ignore[override]
        check_input("LIF", x, None if state is None else state.v)
        if state is None:
            state = self.initial_state(x)
        return lif_step(x, state, self.params, spike_for_step(self.spike_grad))

    def sequence(self, x_seq: torch.Tensor, state: LIFState | None = None):
        """Run over time (dim 0). Returns ``(spikes, v_pre, final_state)``."""
        return run_sequence(self.forward, x_seq, state)
