"""On-chip learning experiment: stream labelled N-MNIST samples with target spikes through a
learning network (fallback or Lava), then freeze and measure test accuracy and weight changes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from export.learning.fallback import infer_fixed, run_learning_fixed
from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams
from export.learning.rule import ThreeFactorRule


def target_stream(labels: np.ndarray, T: int, n_classes: int = 10, period: int = 1) -> np.ndarray:
    """One-hot target spikes ``(N*T, n_classes)``: the label's channel spikes every ``period`` steps."""
    t = np.zeros((len(labels), T, n_classes), dtype=bool)
    t[np.arange(len(labels)), ::period, :] = False
    t[np.arange(len(labels))[:, None], np.arange(0, T, period)[None, :], np.asarray(labels)[:, None]] = True
    return t.reshape(-1, n_classes)


def random_layer(n_in: int, n_out: int, amp: int, vth: int, seed: int, dv: int = 410) -> LearningLayer:
    """A frozen fixed random projection (even 8-bit weights, uniform in [-amp, amp))."""
    rng = np.random.default_rng(seed)
    w = (rng.integers(-amp, amp, (n_out, n_in)) // 2) * 2
    return LearningLayer(weights=w, neuron=SPNeuronParams(vth=vth, dv=dv))


def accuracy(net: LearningNetwork, x: np.ndarray, y: np.ndarray, batch: int = 100) -> float:
    """Fraction of samples whose output neuron with most spikes is the label (x: (N, T, n_in))."""
    correct = 0
    for i in range(0, len(x), batch):
        counts = infer_fixed(net, np.swapaxes(x[i:i + batch], 0, 1))
        correct += int((counts.argmax(1) == y[i:i + batch]).sum() * 1)
    return correct / len(x)


def weight_stats(before: list[np.ndarray], after: list[np.ndarray], net: LearningNetwork) -> list[dict]:
    out = []
    for i, (b, a, l) in enumerate(zip(before, after, net.layers)):
        if not l.plastic:
            continue
        d = a.astype(int) - b.astype(int)
        out.append({"layer": i, "shape": list(a.shape), "changed_frac": float((d != 0).mean()),
                    "mean_abs_dw": float(np.abs(d).mean()), "max_abs_dw": int(np.abs(d).max()),
                    "saturated_frac": float(((a <= -256) | (a >= 255)).mean()),
                    "w_mean": float(a.mean()), "w_std": float(a.std())})
    return out


@dataclass
class ExperimentResult:
    steps: list[int] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    final_test_acc: float = 0.0
    final_train_acc: float | None = None
    weight_stats: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    learning_steps_per_s: float = 0.0


def run_experiment(net: LearningNetwork, xtr, ytr, xte, yte, eval_every: int = 100,
                   target_period: int = 1, train_acc_samples: int = 0) -> tuple[ExperimentResult, LearningNetwork]:
    """Learn on ``xtr`` (N, T, n_in) in one continuous stream with the fallback; evaluate the frozen
    copy on ``xte`` every ``eval_every`` training samples. Returns the result and the learned network."""
    T = xtr.shape[1]
    res = ExperimentResult()
    before = [l.weights.copy() for l in net.layers]
    res.steps.append(0), res.samples.append(0), res.test_acc.append(accuracy(net.frozen(), xte, yte))
    eval_time = [0.0]

    def record(t: int, weights: list[np.ndarray]) -> None:
        t0 = time.perf_counter()
        res.steps.append(t)
        res.samples.append(t // T)
        res.test_acc.append(accuracy(net.with_weights([w.copy() for w in weights]).frozen(), xte, yte))
        eval_time[0] += time.perf_counter() - t0

    t0 = time.perf_counter()
    run = run_learning_fixed(net, xtr.reshape(-1, xtr.shape[-1]), target_stream(ytr, T, net.n_classes, target_period),
                             callback=record, callback_every=eval_every * T)
    res.seconds = time.perf_counter() - t0
    res.learning_steps_per_s = len(xtr) * T / max(res.seconds - eval_time[0], 1e-9)
    learned = net.with_weights(run.weights).frozen()
    res.final_test_acc = accuracy(learned, xte, yte)
    if res.steps[-1] != len(xtr) * T:
        res.steps.append(len(xtr) * T), res.samples.append(len(xtr)), res.test_acc.append(res.final_test_acc)
    if train_acc_samples:
        res.final_train_acc = accuracy(learned, xtr[:train_acc_samples], ytr[:train_acc_samples])
    res.weight_stats = weight_stats(before, run.weights, net)
    return res, learned


def plot_accuracy(curves: dict[str, ExperimentResult], path: str, chance: float = 0.1) -> None:
    """PNG of test accuracy over learning steps, one line per run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in curves.items():
        ax.plot(r.steps, [100 * a for a in r.test_acc], marker="o", ms=3, label=name)
    ax.axhline(100 * chance, color="gray", ls="--", lw=1, label="chance")
    ax.set_xlabel("learning steps (time steps with plasticity on)")
    ax.set_ylabel("test accuracy on 100 N-MNIST samples (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
