"""``LIF``: snntorch's zero-reset ``Leaky`` neuron, stepped by ``neurons.functional.lif_step``.

It computes what ``snntorch.Leaky(beta, reset_mechanism="zero")`` computes (so it equals
Lava ``LIF(du=1, dv=1-beta)``), but ``forward`` takes and returns the state explicitly and
also returns ``v_pre``, the voltage before threshold and reset that SP-voltage learns from.

It does not subclass ``snntorch.Leaky``: every snntorch neuron appends itself to the
class-level list ``snntorch.SpikingNeuron.instances`` and stays there for the life of the
process (a leak across CV folds and study runs). Nothing here used snntorch's hidden-state
machinery; the surrogate still comes from ``snntorch.surrogate`` (``neurons.surrogate``) and
the stored tensors and ``state_dict`` keys are snntorch's, so older checkpoints load.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from neurons.functional.lif import LIFParams, LIFState, lif_step
from neurons.functional.window import lif_window
from neurons.modules.base import NeuronModule
from neurons.surrogate import DEFAULT_SURROGATE

_SNNTORCH_RESET_ZERO = 1  # snntorch.SpikingNeuron.reset_dict["zero"]


class LIF(NeuronModule):
    """Leaky integrate-and-fire, Lava-exact. ``beta`` is snntorch's decay (``dv = 1 - beta``).

    ``forward(x, state=None) -> (s, v_pre, new_state)`` with ``x`` of shape (B, N).
    """

    kind = "LIF"
    state_type = LIFState
    step_fn = staticmethod(lif_step)
    reset_mechanism = "zero"

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
        super().__init__(surrogate)
        # Same tensors, dtypes (torch.as_tensor, as snntorch) and state_dict keys as snntorch.Leaky.
        self._snntorch_tensor("threshold", threshold, learn_threshold)
        self.register_buffer("graded_spikes_factor", torch.as_tensor(1.0))
        self.register_buffer("reset_mechanism_val", torch.as_tensor(_SNNTORCH_RESET_ZERO))
        self._snntorch_tensor("beta", beta, learn_beta)
        self.register_constant("bias", bias)

    def _snntorch_tensor(self, name: str, value: float | torch.Tensor, learn: bool) -> None:
        value = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
        if learn:
            setattr(self, name, nn.Parameter(value))
        else:
            self.register_buffer(name, value)

    def _fused_window(self, curs: list[Any], state: Any, coords: bool) -> Any:
        p = self.params
        s, v_pre, v, active = lif_window(curs, None if state is None else state.v, p.dv, p.vth, p.bias, coords)
        return torch.from_numpy(s), torch.from_numpy(v_pre), LIFState(v=torch.from_numpy(v)), active

    @property
    def params(self) -> LIFParams:
        return LIFParams(dv=1 - self.beta, vth=self.threshold, bias=self.bias)
