"""``LearningSpec``: which layers of an exported network learn on the device, and with which
(Loihi-valid) rule and gains. Pure data; the adapters (``export.learning.adapters``) turn a
``Network`` + spec into a ``LearningNetwork``, ``export.backend.learner`` binds it to a backend.
"""
from __future__ import annotations

from dataclasses import dataclass

from export.errors import NetworkError


@dataclass(frozen=True)
class LearningSpec:
    """Which layers learn on the device and with which (Loihi-valid) rule and gains.

    ``layers``: "output", "all", or indices of the plastic layers.
    ``reset_weights``: plastic layers start untrained (output: all-zero weights and threshold
    ``out_vth``; hidden: seeded random in [-hidden_amp, hidden_amp) with threshold ``hidden_vth``).
    Otherwise they start from the network's weights and thresholds and keep learning.
    ``reset_state``: zero every neuron's state at each sample boundary (as at test time).
    Units are Loihi's: integer weights, thresholds compared with ``v >> 6``.
    """

    layers: str | tuple[int, ...] = "output"
    reset_weights: bool = True
    reset_state: bool = True
    lr_exp: int = -7  # dw = 2^lr_exp * x1 * (y2 - y3)
    hidden_lr_exp: int = -7
    x1_impulse: int = 4
    x1_tau: int = 4
    e_shift: int = 2  # third factor = dendrite / 2^(6 + e_shift)
    hidden_x1_impulse: int | None = None  # hidden layers only (None: x1_impulse); scales their rate
    hidden_e_shift: int | None = None  # hidden layers only (None: e_shift); +1 halves their rate (below 2^-7)
    target_w: int = 8  # target spike -> dendrite weight (output: one-hot; hidden: random +-)
    fb: int = 32  # own spike -> dendrite (subtracts the neuron's own output from its error)
    out_vth: int = 256
    hidden_amp: int = 100
    hidden_vth: int = 300
    gate: tuple[int, int] | None = None  # eRBP boxcar on v_pre (unscaled), hidden layers only
    target_period: int = 1  # the label's target channel spikes every this many steps
    seed: int = 7

    def plastic_indices(self, n_layers: int) -> list[int]:
        if self.layers == "output":
            return [n_layers - 1]
        if self.layers == "all":
            return list(range(n_layers))
        idx = sorted({int(i) % n_layers for i in self.layers})
        if not idx:
            raise NetworkError("LearningSpec.layers names no layer")
        return idx
