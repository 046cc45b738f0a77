"""``LearningSpec``: which layers of an exported network learn on the device, and with which
(Loihi-valid) rule and gains. Pure data; the adapters (``export.learning.adapters``) turn a
``Network`` + spec into a ``LearningNetwork``, ``export.backend.learner`` binds it to a backend.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from export.errors import NetworkError

RULES = ("sp", "drtp")


@dataclass(frozen=True)
class LearningSpec:
    """Which layers learn on the device and with which (Loihi-valid) rule and gains.

    ``layers``: "output", "all", or indices of the plastic layers.
    ``reset_weights``: plastic layers start untrained (output: all-zero weights and threshold
    ``out_vth``; hidden: seeded random in [-hidden_amp, hidden_amp) with threshold ``hidden_vth``).
    Otherwise they start from the network's weights and thresholds and keep learning.
    ``reset_state``: zero every neuron's state at each sample boundary (as at test time).
    Units are Loihi's: integer weights, thresholds compared with ``v >> 6``.

    ``rule``: ``"drtp"`` (the label reaches the output dendrite one-hot and every hidden dendrite
    through a fixed random +-``target_w`` projection; one pass per sample) or ``"sp"`` (two-phase
    Signal Propagation: ``target_steps`` steps of the class's target pattern through the same
    weights, each hidden dendrite holds its own response, the output's the label; then the input
    pass learns on ``act(dendrite) - act(free voltage)``; see ``export.learning.neuron``). The
    field defaults are the drtp ones; ``LearningSpec.for_rule("sp")`` gives the sp defaults.
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
    rule: str = "drtp"
    target_steps: int = 10  # sp: target-phase length (steps per sample = target_steps + T)
    learn_skip: int = 4  # sp: input-phase steps without learning (pre-traces of the target decay)
    act: str = "surrogate"  # sp: "surrogate" (window vth +- act_width) or "voltage" (window [0, 2*act_width])
    act_width: int = 128
    pattern_density: float = 0.03  # sp: fraction of input channels in each class's target pattern

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise NetworkError(f"unknown learning rule {self.rule!r}; choose one of {', '.join(RULES)}")
        if self.act not in ("surrogate", "voltage"):
            raise NetworkError(f"unknown SP activity {self.act!r}; choose 'surrogate' or 'voltage'")
        if self.rule == "sp" and self.target_steps < 1:
            raise NetworkError(f"the sp rule needs target_steps >= 1, got {self.target_steps}")

    @classmethod
    def for_rule(cls, rule: str, **overrides) -> "LearningSpec":
        """The spec with the tuned defaults of ``rule`` (chosen on a validation split), then ``overrides``."""
        base = cls(rule=rule)
        if rule == "sp":
            base = replace(base, **SP_DEFAULTS)
        return replace(base, **overrides)

    def act_window(self, vth: int) -> tuple[int, int]:
        """SP activity window (unscaled like vth) of a layer with threshold ``vth``."""
        if self.act == "voltage":
            return 0, 2 * self.act_width
        return vth - self.act_width, vth + self.act_width

    def plastic_indices(self, n_layers: int) -> list[int]:
        if self.layers == "output":
            return [n_layers - 1]
        if self.layers == "all":
            return list(range(n_layers))
        idx = sorted({int(i) % n_layers for i in self.layers})
        if not idx:
            raise NetworkError("LearningSpec.layers names no layer")
        return idx


# Chosen on 200 validation recordings held out of training (400 samples, fixed point, 2312-200-10):
# e_shift 1 -> 29 %, 3 -> 42.5 %, 2 with hidden 4 -> 43.5 %; smaller steps learn better.
SP_DEFAULTS: dict = dict(lr_exp=-7, hidden_lr_exp=-7, e_shift=3, hidden_e_shift=4, fb=0)
