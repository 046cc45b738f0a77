"""What a dead-neuron study produces: one ``RunResult`` per (setting, method, seed), and
the helpers the tables, plots and progress lines share to read them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spikeprop.dead_neurons.spec import StudySpec


@dataclass
class RunResult:
    setting: str
    method: str
    seed: int
    status: str = "ok"  # "ok" or "failed"
    error: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)  # epoch 0 .. epochs
    rates_start: list[list[float]] = field(default_factory=list)  # per layer, per neuron
    rates_end: list[list[float]] = field(default_factory=list)
    time_s: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.setting}-{self.method}-s{self.seed}"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def hidden_layers(n_layers: int) -> list[int]:
    """Indices of the layers recovery is judged on: all but the output (or the only layer)."""
    return list(range(n_layers - 1)) if n_layers > 1 else [0]


def recovery_epoch(history: list[dict[str, Any]], level: float) -> int | None:
    """First epoch (0 = before training) at which every hidden layer's dead fraction is
    <= ``level``; None if it never gets there within the budget."""
    for rec in history:
        dead = rec.get("dead")
        if dead is None:
            continue
        if all(dead[l] <= level for l in hidden_layers(len(dead))):
            return int(rec["epoch"])
    return None


def describe(res: RunResult, spec: StudySpec) -> str:
    """One line per finished run."""
    first, last = res.history[0], res.history[-1]
    dead = ", ".join(f"L{l + 1} {100 * a:.0f}->{100 * b:.0f}%" for l, (a, b) in
                     enumerate(zip(first["dead"], last["dead"])))
    rec = recovery_epoch(res.history, spec.recovery_level)
    rec_s = f"recovered at epoch {rec}" if rec is not None else "not recovered"
    return (f"{res.name}: acc {100 * first['test_acc']:.0f}->{100 * last['test_acc']:.0f}%, dead {dead}, "
            f"{rec_s}, {res.time_s:.0f}s")
