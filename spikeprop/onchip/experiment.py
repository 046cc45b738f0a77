"""The on-chip learning run behind ``spikeprop deploy CKPT --learn``.

With a checkpoint the hidden layers come from it (SP-trained, quantised) and the plastic layers
(``spec.layers``) are reset to untrained unless ``spec.reset_weights`` is off. Without one a
random frozen hidden layer is used (the earlier experiment). Learning runs one chunk of
``eval_every`` samples at a time (identical on Lava and the fallback), with the frozen test
accuracy after each chunk; ``run_learning`` returns the report that becomes learning.json.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

import numpy as np

from export.learning import LearningSpec, weight_change_stats
from spikeprop.config import DEFAULT_WINDOW_MS, ONCHIP_WINDOW_MS
from spikeprop.errors import SpikePropError
from spikeprop.onchip.data import load_spike_frames


def default_passes(rule: str) -> int:
    """Passes over the training recordings unless given: sp 3, chosen on validation (untrained
    2312-200-10, all plastic, fixed point: 52.5 / 67.5 / 72.0 % after passes 1 / 2 / 3;
    docs/on_chip_learning.md); the drtp baseline keeps the 1 it was measured with."""
    return 3 if rule == "sp" else 1


def learn_window_ms(rule: str, loaded: Any = None) -> float:
    """Recording length binned into T unless given: a checkpoint's own; without one the sp rule
    streams the first ``ONCHIP_WINDOW_MS`` (100 ms, chosen on validation with the torch
    ``sp-onchip`` method's default from the same constant; docs/on_chip_learning.md, tuning
    round 3), drtp the whole 300 ms it was measured with."""
    if loaded is not None:
        return loaded.window_ms or DEFAULT_WINDOW_MS
    return ONCHIP_WINDOW_MS if rule == "sp" else DEFAULT_WINDOW_MS


@dataclass
class LearnSetup:
    """What to learn and for how long (the ``--learn-*`` options)."""

    spec: LearningSpec
    samples: int = 1000
    T: int | None = None  # default: the checkpoint's, else 30
    hidden: int = 200  # hidden width without a checkpoint
    eval_every: int = 100
    passes: int = default_passes("sp")  # passes over the training recordings
    val: int = 200  # training recordings held out for validation (the curve); 0: curve on test
    sizes: tuple[int, ...] | None = None  # untrained network sizes without a checkpoint
    data: str | None = None  # N-MNIST folder (--data); None: the embedded subset
    window_ms: float | None = None  # recording length binned into T (--window-ms); None: learn_window_ms
    n_test: int | None = None  # test recordings scored (--n-samples); None: all


def _network(model_path: str | None, setup: LearnSetup) -> tuple[Any, int, str, Any]:
    """(learning network, T, source description, Loaded checkpoint or None)."""
    from export.learning.adapters import to_learning_network
    from export.learning.builders import build_network

    if model_path:
        from spikeprop.artifacts import load_any

        loaded = load_any(model_path)
        return to_learning_network(loaded.network, setup.spec), setup.T or loaded.T or 30, str(model_path), loaded
    if setup.spec.rule == "sp" or setup.sizes:
        from export.errors import NetworkError
        from export.learning.builders import untrained_network

        if setup.spec.layers != "all":
            raise NetworkError("without a checkpoint every layer must be plastic (--learn-layers all)")
        sizes = setup.sizes or (2312, setup.hidden, 10)
        return (to_learning_network(untrained_network(sizes), setup.spec), setup.T or 30,
                f"untrained {'-'.join(map(str, sizes))} network (no checkpoint)", None)
    kind = "hidden" if setup.spec.layers == "all" else "output"
    return (build_network(kind, setup.hidden, seed=0), setup.T or 30,
            "random frozen hidden layer (no checkpoint)", None)


def _checkpoint_reference(loaded: Any, spec: LearningSpec, xte: np.ndarray, yte: np.ndarray) -> dict[str, float]:
    """Test accuracy of the checkpoint itself: torch (float64) and fixed point with its own weights."""
    from export.backend import learner
    from spikeprop.torch_reference import torch_accuracy

    ref = learner(loaded.network, replace(spec, reset_weights=False), "fallback")
    return {"torch_test_acc": torch_accuracy(loaded.model, xte, yte, "spikes+voltage"),
            "checkpoint_fixed_test_acc": _deploy_accuracy(loaded.network, xte, yte),
            "torch_test_acc_spikes": torch_accuracy(loaded.model, xte, yte, "spikes"),
            "checkpoint_fixed_test_acc_spikes": ref.accuracy(xte, yte),
            "readouts": {"checkpoint": "spikes+voltage", "learned": "spikes"}}


def _deploy_accuracy(network: Any, xte: np.ndarray, yte: np.ndarray) -> float:
    """The checkpoint quantised and run as ``spikeprop deploy --backend fallback`` runs it (same
    spikes+voltage readout), so the two commands print the same number for the same file."""
    from export.backend import run
    from export.readout import predict_classes
    from spikeprop.deploy import prepare

    net, _ = prepare(network, "fixed")
    res = run(net, np.swapaxes(xte, 0, 1), backend="fallback", quiet=True, record=[-1])
    return float((predict_classes(res.spikes.sum(axis=0), res.layers[-1]["v"].sum(axis=0)) == yte).mean())


def _learning_curve(dev: Any, xtr, ytr, xev, yev, n: int, every: int, passes: int, what: str,
                    log: Callable[[str], None]) -> tuple[list[int], list[int], list[float], float, int]:
    """Learn ``passes`` x ``n`` samples in chunks of ``every``; learning steps, samples, accuracy on
    (``xev``, ``yev``) after each chunk, learning seconds, stream steps (both phases)."""
    steps, samples, acc = [0], [0], [dev.accuracy(xev, yev)]
    learn_s, stream_steps = 0.0, 0
    for p in range(passes):
        for i in range(0, n, every):
            run = dev.learn(xtr[i:min(i + every, n)], ytr[i:min(i + every, n)])
            learn_s += run.seconds
            stream_steps += run.steps
            done = p * n + min(i + every, n)
            steps.append(steps[-1] + run.learning_steps), samples.append(done), acc.append(dev.accuracy(xev, yev))
            log(f"  after {done:5d} samples ({steps[-1]:6d} learning steps): {what} accuracy {100 * acc[-1]:5.1f} %")
    return steps, samples, acc, learn_s, stream_steps


def _frozen_accuracy(dev: Any, backend: str, xte: np.ndarray, yte: np.ndarray) -> float:
    """The learned network frozen into a plain exported Network, run by the export backend."""
    from export.backend import run

    res = run(dev.to_network(), np.swapaxes(xte, 0, 1), backend=backend, quiet=True)
    return float((res.spikes.sum(axis=0).argmax(axis=1) == yte).mean())


def run_learning(model_path: str | None, setup: LearnSetup, backend: str = "fallback", precision: str = "fixed",
                 log: Callable[[str], None] = lambda line: None) -> dict[str, Any]:
    """Learn on the device model, freeze, test; the report of learning.json (``log``: progress lines).
    ``backend`` is resolved already ("lava" or "fallback"). The learning curve is measured on the
    last ``setup.val`` training recordings (held out from learning); the test split is scored once,
    at the end (with ``val=0`` the curve is on test, as before)."""
    from export.backend import learner

    t0 = time.perf_counter()
    spec = setup.spec
    lnet, T, source, loaded = _network(model_path, setup)
    dataset = ((loaded.train or {}).get("dataset", "nmnist") if loaded is not None else "nmnist")
    if dataset != "nmnist" or lnet.n_in != 2312:  # the experiment streams the embedded N-MNIST subset
        raise SpikePropError(f"on-chip learning (--learn) streams N-MNIST (2312 inputs); {source} reads "
                             f"{lnet.n_in} inputs ({dataset}); deploy it without --learn")
    dev = learner(lnet, spec, backend, precision)
    window_ms = setup.window_ms or learn_window_ms(spec.rule, loaded)
    window_us = int(round(window_ms * 1000))
    # only what is learned (plus the validation hold-out) is read
    xtr, ytr = load_spike_frames("train", T, window_us, setup.data, setup.samples + max(setup.val, 0))
    xte, yte = load_spike_frames("test", T, window_us, setup.data, setup.n_test)
    val = min(max(setup.val, 0), len(xtr) - min(setup.samples, len(xtr) // 2))  # keep >= half for learning
    xev, yev, what = (xtr[len(xtr) - val:], ytr[len(ytr) - val:], "validation") if val else (xte, yte, "test")
    xtr, ytr = xtr[:len(xtr) - val], ytr[:len(ytr) - val]
    n = min(setup.samples, len(xtr))
    info = _checkpoint_reference(loaded, spec, xte, yte) if loaded is not None and loaded.model is not None else {}
    plastic = [l.plastic for l in lnet.layers]
    Tt = lnet.target_steps
    log(f"learning on {backend} ({precision}), rule {spec.rule}: {source}; sizes "
        f"{[lnet.n_in] + [l.shape[0] for l in lnet.layers]}, plastic layers {[i for i, p in enumerate(plastic) if p]}, "
        f"{setup.passes} x {n} samples x ({f'{Tt} target + ' if Tt else ''}{T} input steps over the first "
        f"{window_ms:g} ms of each recording)"
        f"{', state reset per sample' if spec.reset_state else ''}")
    before = dev.weights
    steps, samples, acc, learn_s, stream_steps = _learning_curve(dev, xtr, ytr, xev, yev, n, max(1, setup.eval_every),
                                                                 max(1, setup.passes), what, log)
    final = {"final_test_acc": dev.accuracy(xte, yte), "train_acc_200": dev.accuracy(xtr[:200], ytr[:200]),
             "curve_on": what, "curve_acc": acc}
    if precision == "fixed":
        final["frozen_export_test_acc"] = _frozen_accuracy(dev, backend, xte, yte)
    phases = {"target_steps": Tt, "learn_skip": spec.learn_skip if Tt else 0, "input_steps": T,
              "steps_per_sample": Tt + T, "stream_steps": stream_steps,
              "target_phase_frac": Tt / (Tt + T)}
    return {"source": source, "backend": backend, "precision": precision, "T": T, "samples": n,
            "passes": setup.passes, "validation_samples": val, "data": setup.data or "embedded",
            "window_ms": window_ms, "test_samples": int(len(yte)), "spec": asdict(spec), "steps": steps,
            "samples_curve": samples, "test_acc": acc if not val else None, **final, **info, "phases": phases,
            "chance": 1.0 / lnet.n_classes, "weight_stats": weight_change_stats(before, dev.weights, plastic),
            "learning_seconds": learn_s, "learning_steps_per_s": steps[-1] / max(learn_s, 1e-9),
            "stream_steps_per_s": stream_steps / max(learn_s, 1e-9), "total_seconds": time.perf_counter() - t0}
