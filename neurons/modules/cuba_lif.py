"""``CubaLIF``: current-based LIF, a thin torch wrapper around ``cuba_lif_step``."""
from __future__ import annotations

from neurons.functional.cuba_lif import CubaLIFParams, CubaLIFState, cuba_lif_step
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

    @property
    def params(self) -> CubaLIFParams:
        return CubaLIFParams(du=self.du, dv=self.dv, vth=self.threshold, bias=self.bias)
