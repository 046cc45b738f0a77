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
from pathlib import Path
from typing import Any, Callable

from spikeprop.dead_neurons.results import RunResult, describe
from spikeprop.dead_neurons.spec import StudySpec

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
    from spikeprop.trainer import Trainer

    res = RunResult(setting, method, seed)
    start = time.perf_counter()
    net_cfg = NetConfig.from_dict(spec.net_dict(setting, method))
    cfg = TrainConfig.from_dict(spec.train_dict(method, seed))
    trainer = Trainer(net_cfg, cfg, out if checkpoints else None, progress=False, plot=False)
    rec0 = {"epoch": 0, "method": method, **trainer.evaluate(test)}
    res.history.append(rec0)
    res.rates_start = neuron_rates(trainer, test)
    for rec in trainer.fit(train, test=test):  # a study reports, it selects nothing
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
    from spikeprop.datasets import load_dataset

    train = load_dataset("train", spec.T, spec.window_ms, spec.data_dir, spec.train_limit)
    test = load_dataset("test", spec.T, spec.window_ms, spec.data_dir, spec.test_limit)
    return train, test


def run_study(spec: StudySpec, out: str | Path, progress: bool = True, checkpoints: bool = False,
              data=None, log: Callable[[str], None] | None = None) -> tuple[list[RunResult], dict[str, Any]]:
    """Run every (setting, method, seed); returns the results and the study's metadata, also
    written to ``out``: ``study.json`` and one folder per run (tables and plots are made from
    the results by ``dead_neurons.tables`` / ``dead_neurons.plots``)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
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
    return results, meta
