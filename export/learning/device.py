"""The device model of on-chip learning: a ``LearningNetwork`` bound to a backend and precision.

::

    from export.backend import learner
    from export.learning import LearningSpec

    spec = LearningSpec(layers="output", reset_weights=True)       # which layers learn, and how
    dev = learner(network, spec, "lava", "fixed")                  # Lava: LearningDense + SPNeuron
    dev = learner(network, spec, "fallback", "fixed")              # numpy, bit-exact with Lava
    dev = learner(network, spec, "fallback", "float")              # float reference of the same rule
    run = dev.learn(x_train, y_train)     # (N, T, n_in) spikes + labels, one continuous stream
    acc = dev.accuracy(x_test, y_test)    # frozen inference, every sample from rest
    frozen = dev.to_network()             # the learned network as a plain fixed-point Network

The backend choice itself lives in ``export.backend`` (``learn``); this module never imports Lava.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import numpy as np

from export.backend import learn
from export.errors import InputError
from export.learning.adapters import to_export_network, to_learning_network
from export.learning.network import LearningNetwork
from export.learning.spec import LearningSpec
from export.learning.stats import accuracy
from export.learning.stream import sp_stream, stream


class LearnRun(NamedTuple):
    weights_before: list[np.ndarray]
    weights: list[np.ndarray]
    steps: int
    seconds: float
    out_spikes: np.ndarray
    learning_steps: int = 0  # steps with plasticity on (two-phase: the input phase only)


@dataclass
class DeviceLearner:
    """A learning network bound to a backend ("lava" or "fallback") and precision.

    ``precision="float"`` holds real-valued weights (``float_net``); on Lava it runs the float
    ``SPNeuron`` model and Lava's float learning engine, on the fallback ``float_ref`` (same rule,
    same arithmetic: the two agree to float64 rounding). Inference (``counts``) is numpy either way."""

    net: LearningNetwork
    spec: LearningSpec
    backend: str = "fallback"
    precision: str = "fixed"

    def __post_init__(self) -> None:
        if self.backend not in ("lava", "fallback"):
            raise InputError(f"backend must be 'lava' or 'fallback', got {self.backend!r}")
        if self.precision not in ("fixed", "float"):
            raise InputError(f"precision must be 'fixed' or 'float', got {self.precision!r}")
        if self.precision == "float":
            from export.learning.float_ref import FloatLearningNetwork

            self.float_net = FloatLearningNetwork.from_fixed(self.net)

    def learn(self, x: np.ndarray, labels: np.ndarray,
              callback: Callable[[int, "DeviceLearner"], None] | None = None, callback_every: int = 0) -> LearnRun:
        """Stream the samples ``x`` (N, T, n_in) with their targets through the network, learning
        online; afterwards the learner holds the new weights. ``callback(samples_done, learner)``
        runs every ``callback_every`` samples (fallback only)."""
        if self.backend == "lava" and callback is not None:
            raise InputError("callbacks during learning need the fallback backend")
        T = np.asarray(x).shape[1]
        Tt = self.net.target_steps
        if self.net.target_patterns is not None:
            if not self.spec.reset_state:
                raise InputError("the two-phase sp rule needs the per-sample clock (reset_state=True)")
            xs, tg = sp_stream(x, labels, self.net.target_patterns, Tt, self.spec.target_period,
                               label_delay=len(self.net.layers) - 1)
            T += Tt
        else:
            xs, tg = stream(x, labels, self.net.n_classes, self.spec.target_period)
        reset = T if self.spec.reset_state else 0
        before = [w.copy() for w in self.weights]
        t0 = time.perf_counter()
        cb = None
        if callback is not None and callback_every:
            def cb(t: int, weights: list[np.ndarray]) -> None:
                snap = self._with(weights)
                callback(t // T, snap)
        float_net = self.float_net if self.precision == "float" else None
        run = learn(self.net, xs, tg, backend=self.backend, precision=self.precision, reset_interval=reset,
                    float_net=float_net, callback=cb, callback_every=callback_every * T)
        # Lava reports None for a layer that is not plastic: it keeps its weights
        weights = [w if w is not None else cur for w, cur in zip(run.weights, self.weights)]
        secs = time.perf_counter() - t0
        self._set(weights)
        return LearnRun(before, [w.copy() for w in self.weights], len(xs), secs, run.out_spikes,
                        len(x) * (T - Tt) if Tt else len(xs))

    @property
    def weights(self) -> list[np.ndarray]:
        if self.precision == "float":
            return [w.copy() for w in self.float_net.weights]
        return [l.weights.copy() for l in self.net.layers]

    def _set(self, weights: list[np.ndarray]) -> None:
        if self.precision == "float":
            self.float_net.weights = [np.asarray(w, dtype=np.float64).copy() for w in weights]
        else:
            self.net = self.net.with_weights([np.asarray(w).astype(np.int32) for w in weights])

    def _with(self, weights: list[np.ndarray]) -> "DeviceLearner":
        other = DeviceLearner.__new__(DeviceLearner)
        other.__dict__.update(self.__dict__)
        if self.precision == "float":
            from export.learning.float_ref import FloatLearningNetwork

            other.float_net = FloatLearningNetwork(self.float_net.layers, [np.asarray(w, float) for w in weights],
                                                   self.float_net.n_classes)
        else:
            other.net = self.net.with_weights([np.asarray(w).astype(np.int32) for w in weights])
        return other

    def counts(self, x: np.ndarray, batch: int = 100) -> np.ndarray:
        """Frozen inference: output spike counts (N, n_classes) of ``x`` (N, T, n_in), each from rest."""
        from export.learning.fallback import infer_fixed

        x = np.asarray(x) != 0
        out = []
        for i in range(0, len(x), batch):
            xb = np.swapaxes(x[i:i + batch], 0, 1)
            out.append(self.float_net.infer(xb) if self.precision == "float" else infer_fixed(self.net.frozen(), xb))
        return np.concatenate(out)

    def accuracy(self, x: np.ndarray, labels: np.ndarray) -> float:
        return accuracy(self.counts(x), labels)

    def to_network(self) -> Any:
        """The learned, frozen network as a fixed-point ``export.network.Network`` (fixed only)."""
        if self.precision != "fixed":
            raise InputError("to_network() exports the fixed-point learner")
        return to_export_network(self.net.frozen())


def to_fallback(network: Any, learning: LearningSpec, precision: str = "fixed",
                n_classes: int | None = None) -> DeviceLearner:
    """The numpy device model of ``network`` with the plastic layers of ``learning``.
    ``precision="fixed"``: Lava's fixed-point arithmetic, bit-exact; ``"float"``: the same rule
    in float64 (reference, see ``export.learning.float_ref``)."""
    return DeviceLearner(to_learning_network(network, learning, n_classes), learning, "fallback", precision)
