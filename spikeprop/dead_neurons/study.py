"""The controlled dead-neuron study: every method on the same network, data, seeds and budget.

For each (setting, method, seed) the runner builds a ``Trainer`` (``spikeprop.trainer``),
evaluates it once before any update (epoch 0), trains it for ``epochs`` epochs (the trainer
evaluates after each epoch) and keeps the whole metrics history: test accuracy and, per
layer, dead / near-dead / saturated fractions, mean rate, firing-rate and voltage-minus-
threshold histograms. Per-neuron firing rates are also kept at the start and the end (for
the rate histograms). A run that raises is recorded as failed and the study goes on.

Settings: ``normal`` is the network as configured (threshold 1, bias 0, default init).
Two stress settings start most hidden neurons silent (no spike on the test set), in two
different ways: ``high-threshold`` raises every neuron's threshold to ``stress_threshold``
(the voltages are unchanged, only the bar is higher), ``negative-bias`` keeps threshold 1
and adds the constant current ``stress_bias`` to every neuron (the voltages are lowered).
"""
from __future__ import annotations

import json
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

DEFAULT_METHODS = ("bp-heaviside", "bptt", "sp-voltage", "sp-voltage-raw", "sp-surrogate", "sp-two-compartment")
# study-only variants: a label -> (training method, TrainConfig overrides)
VARIANTS = {"sp-voltage-raw": ("sp-voltage", {"sp_v_floor": None})}  # loss on the raw v_pre
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

        if any(m not in DEFAULT_METHODS for m in self.methods):
            from spikeprop.config import METHODS  # imports torch: only when needed
            bad = [m for m in self.methods if m not in METHODS]
        else:
            bad, METHODS = [], DEFAULT_METHODS
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

    def net_dict(self, setting: str) -> dict[str, Any]:
        """The ``NetConfig`` fields of a setting (the method may still change neuron/surrogate)."""
        d: dict[str, Any] = {"sizes": list(self.sizes), "neuron": self.neuron}
        if setting == "high-threshold":
            d["threshold"] = self.stress_threshold
        elif setting == "negative-bias":
            d["bias"] = self.stress_bias
        return d

    def train_dict(self, method: str, seed: int) -> dict[str, Any]:
        method, extra = VARIANTS.get(method, (method, {}))
        return {**extra, "method": method, "T": self.T, "window_ms": self.window_ms, "epochs": self.epochs,
                "batch_size": self.batch_size, "lr": self.lr, "seed": seed, "threads": self.threads,
                "near_dead_rate": self.near_dead_rate, "saturated_rate": self.saturated_rate}


def quick_spec(**overrides: Any) -> StudySpec:
    """Tiny settings for tests and a smoke run: seconds, not minutes."""
    d: dict[str, Any] = dict(sizes=[2312, 24, 10], T=6, epochs=2, batch_size=24,
                             train_limit=48, test_limit=24, lr=2e-3)
    d.update(overrides)
    return StudySpec(**d)


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


def make_trainer(net_cfg, cfg, out: Path | None):
    """The trainer of one run (a seam the tests use to make a run fail)."""
    from spikeprop.trainer import Trainer

    return Trainer(net_cfg, cfg, out, progress=False, plot=False)


def neuron_rates(trainer, data) -> list[list[float]]:
    """Per-layer, per-neuron spikes per step over ``data`` (no learning)."""
    from spikeprop.metrics import firing_rates
    from spikeprop.prediction import collect_outputs

    trainer.net.eval()
    out = collect_outputs(trainer.net, trainer.signal, trainer.cfg, data)
    return [[round(float(r), 6) for r in firing_rates(st.counts, st.n_steps)] for st in out.stats]


def run_one(spec: StudySpec, setting: str, method: str, seed: int, train, test,
            out: Path | None = None, checkpoints: bool = False) -> RunResult:
    """Train one (setting, method, seed); exceptions propagate (``run_study`` catches them)."""
    from spikeprop.config import TrainConfig
    from spikeprop.model import NetConfig

    res = RunResult(setting, method, seed)
    start = time.perf_counter()
    net_cfg = NetConfig.from_dict(spec.net_dict(setting))
    cfg = TrainConfig.from_dict(spec.train_dict(method, seed))
    trainer = make_trainer(net_cfg, cfg, out if checkpoints else None)
    rec0 = {"epoch": 0, "method": method, **trainer.evaluate(test)}
    res.history.append(rec0)
    res.rates_start = neuron_rates(trainer, test)
    for rec in trainer.fit(train, test):
        res.history.append(rec)
    res.rates_end = neuron_rates(trainer, test)
    res.time_s = time.perf_counter() - start
    return res


def save_run(res: RunResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "history.jsonl", "w") as f:
        for rec in res.history:
            f.write(json.dumps(rec) + "\n")
    (out / "rates.json").write_text(json.dumps({"start": res.rates_start, "end": res.rates_end}) + "\n")
    if not res.ok:
        (out / "error.txt").write_text(res.error + "\n")


def load_data(spec: StudySpec):
    from spikeprop.trainer import load_dataset

    train = load_dataset("train", spec.T, spec.window_ms, spec.data_dir, spec.train_limit)
    test = load_dataset("test", spec.T, spec.window_ms, spec.data_dir, spec.test_limit)
    return train, test


def run_study(spec: StudySpec, out: str | Path, progress: bool = True, checkpoints: bool = False,
              data=None, log: Callable[[str], None] | None = None) -> list[RunResult]:
    """Run every (setting, method, seed) and write the outputs into ``out``:
    ``study.json``, ``results.csv``, ``results.md``, the PNG plots and one folder per run."""
    from spikeprop.dead_neurons.plots import write_plots
    from spikeprop.dead_neurons.tables import write_tables

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if spec.threads:
        import torch
        torch.set_num_threads(int(spec.threads))
    started = time.perf_counter()
    train, test = data if data is not None else load_data(spec)
    jobs = [(s, m, seed) for s in spec.settings for m in spec.methods for seed in spec.seeds]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(jobs), desc="dead-neurons", unit="run", dynamic_ncols=True)
    say = log or (bar.write if bar is not None else print)
    results: list[RunResult] = []
    for setting, method, seed in jobs:
        name = f"{setting}-{method}-s{seed}"
        if bar is not None:
            bar.set_postfix_str(name)
        try:
            res = run_one(spec, setting, method, seed, train, test, out / name, checkpoints)
            say(describe(res, spec))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # one failed run must not stop the study
            res = RunResult(setting, method, seed, status="failed",
                            error=f"{type(exc).__name__}: {exc}".splitlines()[0])
            (out / name).mkdir(parents=True, exist_ok=True)
            (out / name / "traceback.txt").write_text(traceback.format_exc())
            say(f"{name}: FAILED: {res.error} (traceback in {out / name / 'traceback.txt'}); continuing")
        save_run(res, out / name)
        results.append(res)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    total = time.perf_counter() - started
    meta = {"spec": spec.to_dict(), "n_train": len(train), "n_test": len(test), "time_s": round(total, 1),
            "runs": [{"name": r.name, "status": r.status, "error": r.error, "time_s": round(r.time_s, 1)}
                     for r in results]}
    (out / "study.json").write_text(json.dumps(meta, indent=2) + "\n")
    write_tables(results, spec, out, meta)
    try:
        write_plots(results, spec, out)
    except Exception as exc:  # plots must never lose the tables
        say(f"warning: could not draw the plots: {type(exc).__name__}: {exc}")
    return results


def describe(res: RunResult, spec: StudySpec) -> str:
    """One line per finished run."""
    first, last = res.history[0], res.history[-1]
    dead = ", ".join(f"L{l + 1} {100 * a:.0f}->{100 * b:.0f}%" for l, (a, b) in
                     enumerate(zip(first["dead"], last["dead"])))
    rec = recovery_epoch(res.history, spec.recovery_level)
    rec_s = f"recovered at epoch {rec}" if rec is not None else "not recovered"
    return (f"{res.name}: acc {100 * first['test_acc']:.0f}->{100 * last['test_acc']:.0f}%, dead {dead}, "
            f"{rec_s}, {res.time_s:.0f}s")
