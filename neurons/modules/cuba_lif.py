"""``CubaLIF``: current-based LIF, a thin torch wrapper around ``cuba_lif_step``."""
from __future__ import annotations

from typing import Any

import torch

from neurons.functional.cuba_lif import CubaLIFParams, CubaLIFState, cuba_lif_step
from neurons.functional.window import cuba_lif_window
from neurons.modules.base import NeuronModule, check_decay
from neurons.surrogate import DEFAULT_SURROGATE

__all__ = ["CubaLIF", "check_decay"]


class CubaLIF(NeuronModule):
    """Current-based LIF with Lava's update order (see ``neurons.functional.cuba_lif``).

    ``forward(x, state=None) -> (s, v_pre, new_state)``; ``du``/``dv`` are Lava's decays.
    """

    kind = "CubaLIF"
    state_type = CubaLIFState
    step_fn = staticmethod(cuba_lif_step)

    def __init__(
        self,
        du: float = 0.5,
        dv: float = 0.1,
        threshold: float = 1.0,
        bias: float = 0.0,
        surrogate: str = DEFAULT_SURROGATE,
    ) -> None:
        super().__init__(surrogate)
        self.register_constant("du", du, decay=True)
        self.register_constant("dv", dv, decay=True)
        self.register_constant("threshold", threshold)
        self.register_constant("bias", bias)

    def _fused_window(self, curs: list[Any], state: Any, coords: bool) -> Any:
        p = self.params
        s, v_pre, u, v, active = cuba_lif_window(curs, None if state is None else state.u,
                                                 None if state is None else state.v, p.du, p.dv, p.vth, p.bias,
                                                 coords)
        return (torch.from_numpy(s), torch.from_numpy(v_pre),
                CubaLIFState(u=torch.from_numpy(u), v=torch.from_numpy(v)), active)

    @property
    def params(self) -> CubaLIFParams:
        return CubaLIFParams(du=self.du, dv=self.dv, vth=self.threshold, bias=self.bias)
