"""Export-layer entry point of on-chip learning: ``export.network.Network`` + ``LearningSpec``.

::

    from export.learning import LearningSpec, to_fallback
    from export.lava.build import to_lava

    spec = LearningSpec(layers="output", reset_weights=True)      # which layers learn, and how
    dev = to_lava(network, precision="fixed", learning=spec)      # Lava: LearningDense + SPNeuron
    dev = to_fallback(network, learning=spec)                     # numpy, bit-exact with Lava
    dev = to_fallback(network, learning=spec, precision="float")  # float reference of the same rule
    dev = to_lava(network, precision="float", learning=spec)      # Lava float engine (= float reference)
    run = dev.learn(x_train, y_train)     # (N, T, n_in) spikes + labels, one continuous stream
    acc = dev.accuracy(x_test, y_test)    # frozen inference, every sample from rest
    frozen = dev.to_network()             # the learned network as a plain fixed-point Network

``to_learning_network`` is the adapter: every layer of the (quantised) ``Network`` becomes an
``SPNeuron`` layer (a LIF soma with the same weights, decay and threshold, plus a target-driven
dendrite that only produces the third factor); the layers named by the spec get a
``ThreeFactorRule`` and a target projection. Lava imports stay inside ``export.lava``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams, lava_dense_weights
from export.learning.rule import ThreeFactorRule


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
            raise ValueError("LearningSpec.layers names no layer")
        return idx


def to_learning_network(network: Any, spec: LearningSpec, n_classes: int | None = None) -> LearningNetwork:
    """``export.network.Network`` (float: quantised with defaults; fixed: as is) -> ``LearningNetwork``."""
    from export.quantize import to_precision

    net = to_precision(network, "fixed")
    n_classes = n_classes or net.n_outputs
    plastic = spec.plastic_indices(len(net.layers))
    rng = np.random.default_rng(spec.seed)
    layers = []
    for i, layer in enumerate(net.layers):
        if layer.neuron not in ("lif", "cuba_lif"):
            raise ValueError(f"{layer.label}: on-chip learning supports lif/cuba_lif layers, not {layer.neuron}")
        if np.any(np.asarray(layer.params.get("bias_mant", 0)) != 0):
            raise ValueError(f"{layer.label}: SPNeuron has no bias; on-chip learning needs bias-free layers")
        last = i == len(net.layers) - 1
        p = SPNeuronParams(du=int(layer.param("du")), dv=int(layer.params["dv"]), vth=int(layer.params["vth"]))
        w, wexp = np.asarray(layer.weights, dtype=np.int64), int(layer.weight_exp)
        if i not in plastic:
            layers.append(LearningLayer(weights=lava_dense_weights(w), weight_exp=wexp, neuron=p))
            continue
        if spec.reset_weights:
            wexp = 0
            if last:
                w = np.zeros_like(w)
                p = p._replace(vth=spec.out_vth)
            else:
                w = (rng.integers(-spec.hidden_amp, spec.hidden_amp, w.shape) // 2) * 2
                p = p._replace(vth=spec.hidden_vth)
        gate = (None, None) if (last or spec.gate is None) else spec.gate
        e_shift = spec.e_shift if (last or spec.hidden_e_shift is None) else spec.hidden_e_shift
        p = p._replace(fb=spec.fb, e_shift=e_shift, gate_lo=gate[0], gate_hi=gate[1])
        if last:
            if layer.n_out != n_classes:
                raise ValueError(f"output layer has {layer.n_out} neurons but there are {n_classes} classes")
            tw = np.eye(n_classes, dtype=np.int32) * spec.target_w
        else:
            tw = rng.choice([-spec.target_w, spec.target_w], size=(layer.n_out, n_classes)).astype(np.int32)
        impulse = spec.x1_impulse if (last or spec.hidden_x1_impulse is None) else spec.hidden_x1_impulse
        rule = ThreeFactorRule(lr_exp=spec.lr_exp if last else spec.hidden_lr_exp, x1_impulse=impulse,
                               x1_tau=spec.x1_tau, rng_seed=spec.seed + 10 * i + 1)
        layers.append(LearningLayer(weights=np.clip(w, -256, 255), weight_exp=wexp, neuron=p, rule=rule,
                                    target_weights=tw))
    return LearningNetwork(layers, n_classes)


def to_export_network(lnet: LearningNetwork, meta: dict | None = None) -> Any:
    """A (frozen) ``LearningNetwork`` as a plain fixed-point LIF ``export.network.Network``.

    Weights are the ones a static Lava Dense applies (mixed sign: lowest bit dropped); neurons
    without a dendrite are Lava LIFs (the SPNeuron soma is the same LIF), so the result runs on
    ``export.fallback.simulate`` / ``export.lava.build.run_lava`` like any exported network."""
    from export.network import Layer, Network

    layers = []
    for i, l in enumerate(lnet.layers):
        p = l.neuron
        kind = "lif" if p.du == 4096 else "cuba_lif"
        params = {"dv": p.dv, "vth": p.vth, "bias_mant": 0, "bias_exp": 6}
        if kind == "cuba_lif":
            params["du"] = p.du
        layers.append(Layer(weights=lava_dense_weights(l.weights).astype(np.int64), neuron=kind, params=params,
                            precision="fixed", weight_exp=l.weight_exp, name=f"layer {i}"))
    return Network(layers, lnet.n_in, meta=dict(meta or {}, learned_on_device=True))


class LearnRun(NamedTuple):
    weights_before: list[np.ndarray]
    weights: list[np.ndarray]
    steps: int
    seconds: float
    out_spikes: np.ndarray


def stream(x: np.ndarray, labels: np.ndarray, n_classes: int, period: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(N, T, n_in) samples + labels -> one continuous input stream (N*T, n_in) and its target."""
    from export.learning.experiment import target_stream

    x = np.asarray(x) != 0
    return x.reshape(-1, x.shape[-1]), target_stream(np.asarray(labels), x.shape[1], n_classes, period)


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
            raise ValueError(f"backend must be 'lava' or 'fallback', got {self.backend!r}")
        if self.precision not in ("fixed", "float"):
            raise ValueError(f"precision must be 'fixed' or 'float', got {self.precision!r}")
        if self.precision == "float":
            from export.learning.float_ref import FloatLearningNetwork

            self.float_net = FloatLearningNetwork.from_fixed(self.net)

    def learn(self, x: np.ndarray, labels: np.ndarray,
              callback: Callable[[int, "DeviceLearner"], None] | None = None, callback_every: int = 0) -> LearnRun:
        """Stream the samples ``x`` (N, T, n_in) with their targets through the network, learning
        online; afterwards the learner holds the new weights. ``callback(samples_done, learner)``
        runs every ``callback_every`` samples (fallback only)."""
        import time

        T = np.asarray(x).shape[1]
        xs, tg = stream(x, labels, self.net.n_classes, self.spec.target_period)
        reset = T if self.spec.reset_state else 0
        before = [w.copy() for w in self.weights]
        t0 = time.perf_counter()
        cb = None
        if callback is not None and callback_every:
            def cb(t: int, weights: list[np.ndarray]) -> None:
                snap = self._with(weights)
                callback(t // T, snap)
        if self.backend == "lava":
            if callback is not None:
                raise ValueError("callbacks during learning need the fallback backend")
            from export.lava.learning import run_learning_lava

            init = self.float_net.weights if self.precision == "float" else None
            run = run_learning_lava(self.net, xs, tg, reset_interval=reset, precision=self.precision, weights=init)
            weights = [w if w is not None else cur for w, cur in zip(run.weights, self.weights)]
        elif self.precision == "fixed":
            from export.learning.fallback import run_learning_fixed

            run = run_learning_fixed(self.net, xs, tg, callback=cb, callback_every=callback_every * T,
                                     reset_interval=reset)
            weights = run.weights
        else:
            run = self.float_net.learn(xs, tg, callback=cb, callback_every=callback_every * T, reset_interval=reset)
            weights = run.weights
        secs = time.perf_counter() - t0
        self._set(weights)
        return LearnRun(before, [w.copy() for w in self.weights], len(xs), secs, run.out_spikes)

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
        return float((self.counts(x).argmax(1) == np.asarray(labels)).mean())

    def to_network(self) -> Any:
        """The learned, frozen network as a fixed-point ``export.network.Network`` (fixed only)."""
        if self.precision != "fixed":
            raise ValueError("to_network() exports the fixed-point learner")
        return to_export_network(self.net.frozen())


def to_fallback(network: Any, learning: LearningSpec, precision: str = "fixed",
                n_classes: int | None = None) -> DeviceLearner:
    """The numpy device model of ``network`` with the plastic layers of ``learning``.
    ``precision="fixed"``: Lava's fixed-point arithmetic, bit-exact; ``"float"``: the same rule
    in float64 (reference, see ``export.learning.float_ref``)."""
    return DeviceLearner(to_learning_network(network, learning, n_classes), learning, "fallback", precision)


def weight_change_stats(before: Sequence[np.ndarray], after: Sequence[np.ndarray], plastic: Sequence[bool]) -> list[dict]:
    out = []
    for i, (b, a, p) in enumerate(zip(before, after, plastic)):
        if not p:
            continue
        d = np.asarray(a, float) - np.asarray(b, float)
        out.append({"layer": i, "shape": list(np.shape(a)), "changed_frac": float((d != 0).mean()),
                    "mean_abs_dw": float(np.abs(d).mean()), "max_abs_dw": float(np.abs(d).max()),
                    "saturated_frac": float(((np.asarray(a) <= -256) | (np.asarray(a) >= 255)).mean()),
                    "w_mean": float(np.mean(a)), "w_std": float(np.std(a))})
    return out


__all__ = ["LearningSpec", "DeviceLearner", "LearnRun", "to_learning_network", "to_export_network",
           "to_fallback", "stream", "weight_change_stats", "replace"]
