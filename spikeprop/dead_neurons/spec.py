"""What a dead-neuron study runs: methods, settings, seeds, network and budget (plain data).

``QUICK`` is the ``spikeprop dead-neurons --quick`` preset: a smoke run of seconds.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_METHODS = ("bptt-boxcar", "bptt", "sp-voltage", "sp-voltage-raw", "sp-surrogate", "sp-dendritic",
                   "drtp-two-compartment")
# study-only variants: a label -> (training method, TrainConfig overrides, NetConfig overrides)
VARIANTS = {
    "sp-voltage-raw": ("sp-voltage", {"sp_v_floor": None}, {}),  # loss on the raw v_pre
    # the former control (not a default): the true, zero spike gradient, so hidden layers
    # never learn (= shallow by construction); kept so earlier studies can be re-run
    "bp-heaviside": ("bptt", {}, {"surrogate": "heaviside"}),
}
LABELS = DEFAULT_METHODS + tuple(v for v in VARIANTS if v not in DEFAULT_METHODS)
SETTINGS = ("normal", "high-threshold", "negative-bias")


@dataclass
class StudySpec:
    """Everything a study run depends on (plain data, saved as ``study.json``)."""

    methods: list[str] = field(default_factory=lambda: list(DEFAULT_METHODS))
    settings: list[str] = field(default_factory=lambda: list(SETTINGS))
    seeds: list[int] = field(default_factory=lambda: [0])
    sizes: list[int] = field(default_factory=lambda: [2312, 256, 10])
    neuron: str = "lif"
    T: int = 25
    window_ms: float = 300.0
    epochs: int = 8
    batch_size: int = 32
    lr: float = 5e-4
    stress_threshold: float = 2.0  # threshold of every neuron in the high-threshold setting (normal: 1)
    stress_bias: float = -0.1  # bias current of every neuron in the negative-bias setting (normal: 0)
    recovery_level: float = 0.5  # recovered = every hidden layer's dead fraction <= this
    near_dead_rate: float = 0.01  # spikes/step below which a neuron is near-dead
    saturated_rate: float = 0.9
    data_dir: str | None = None
    train_limit: int | None = None
    test_limit: int | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        from spikeprop.errors import SpikePropError

        if any(m not in LABELS for m in self.methods):
            from spikeprop.config import METHODS as TRAIN_METHODS  # imports torch: only when needed
            METHODS = tuple(TRAIN_METHODS) + tuple(VARIANTS)
            bad = [m for m in self.methods if m not in METHODS]
        else:
            bad, METHODS = [], LABELS
        if bad:
            raise SpikePropError(f"unknown method(s) {', '.join(bad)}; choose from {', '.join(METHODS)}")
        bad = [s for s in self.settings if s not in SETTINGS]
        if bad:
            raise SpikePropError(f"unknown setting(s) {', '.join(bad)}; choose from {', '.join(SETTINGS)}")
        if not self.methods or not self.settings or not self.seeds:
            raise SpikePropError("the study needs at least one method, one setting and one seed")
        if not 0.0 <= self.recovery_level <= 1.0:
            raise SpikePropError(f"recovery level must be in [0, 1], got {self.recovery_level}")
        if self.stress_threshold <= 0:
            raise SpikePropError(f"stress threshold must be positive, got {self.stress_threshold}")
        if self.epochs < 1:
            raise SpikePropError(f"the study needs at least 1 epoch, got {self.epochs}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def net_dict(self, setting: str, method: str | None = None) -> dict[str, Any]:
        """The ``NetConfig`` fields of a setting (and of a study variant ``method``; the
        training method may still change neuron/surrogate, see ``config.net_config_for``)."""
        d: dict[str, Any] = {"sizes": list(self.sizes), "neuron": self.neuron,
                             **VARIANTS.get(method or "", (None, {}, {}))[2]}
        if setting == "high-threshold":
            d["threshold"] = self.stress_threshold
        elif setting == "negative-bias":
            d["bias"] = self.stress_bias
        return d

    def train_dict(self, method: str, seed: int) -> dict[str, Any]:
        method, extra, _ = VARIANTS.get(method, (method, {}, {}))
        return {**extra, "method": method, "T": self.T, "window_ms": self.window_ms, "epochs": self.epochs,
                "batch_size": self.batch_size, "lr": self.lr, "seed": seed, "threads": self.threads,
                "near_dead_rate": self.near_dead_rate, "saturated_rate": self.saturated_rate}


# `spikeprop dead-neurons --quick`: tiny network, few recordings, 2 epochs (seconds, not minutes)
QUICK: dict[str, Any] = dict(sizes=[2312, 24, 10], T=6, epochs=2, batch_size=24,
                             train_limit=48, test_limit=24, lr=2e-3)
