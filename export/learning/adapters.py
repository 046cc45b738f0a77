"""Adapters between the exported ``Network`` and the on-chip ``LearningNetwork``.

``to_learning_network``: every layer of the (quantised) ``Network`` becomes an ``SPNeuron``
layer (a LIF soma with the same weights, decay and threshold, plus a target-driven dendrite
that only produces the third factor); the layers named by the spec get a ``ThreeFactorRule``
and a target projection. ``to_export_network``: the (frozen) result back as a plain Network.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from export.errors import NetworkError
from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams, lava_dense_weights
from export.learning.rule import ThreeFactorRule
from export.learning.spec import LearningSpec
from export.learning.stream import class_patterns
from export.loihi import WEIGHT_RANGES
from export.network import Layer, Network


def to_learning_network(network: Any, spec: LearningSpec, n_classes: int | None = None,
                        patterns: np.ndarray | None = None) -> LearningNetwork:
    """``export.network.Network`` (float: quantised with defaults; fixed: as is) -> ``LearningNetwork``.
    ``patterns`` (n_classes, n_in): the sp rule's target signal (default: ``class_patterns`` drawn
    from ``spec.seed`` with ``spec.pattern_density``)."""
    from export.quantize import to_precision

    net = to_precision(network, "fixed")
    n_classes = n_classes or net.n_outputs
    plastic = spec.plastic_indices(len(net.layers))
    rng = np.random.default_rng(spec.seed)
    layers = []
    for i, layer in enumerate(net.layers):
        if layer.neuron not in ("lif", "cuba_lif"):
            raise NetworkError(f"{layer.label}: on-chip learning supports lif/cuba_lif layers, not {layer.neuron}")
        if np.any(np.asarray(layer.params.get("bias_mant", 0)) != 0):
            raise NetworkError(f"{layer.label}: SPNeuron has no bias; on-chip learning needs bias-free layers")
        last = i == len(net.layers) - 1
        if last and layer.n_out != n_classes:
            raise NetworkError(f"output layer has {layer.n_out} neurons but there are {n_classes} classes")
        p = SPNeuronParams(du=int(layer.param("du")), dv=int(layer.params["dv"]), vth=int(layer.params["vth"]))
        w, wexp = np.asarray(layer.weights, dtype=np.int64), int(layer.weight_exp)
        if i not in plastic:
            p = _two_phase(p, spec, last) if spec.rule == "sp" else p
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
        layers.append(_plastic_layer(np.clip(w, *WEIGHT_RANGES["mixed"]), wexp, p, spec, i, last, n_classes, rng))
    if spec.rule != "sp":
        return LearningNetwork(layers, n_classes)
    if patterns is None:
        patterns = class_patterns(n_classes, net.n_inputs, spec.pattern_density, spec.seed)
    return LearningNetwork(layers, n_classes, target_patterns=patterns, target_steps=spec.target_steps)


def _two_phase(p: SPNeuronParams, spec: LearningSpec, last: bool) -> SPNeuronParams:
    """Neuron parameters of the sp rule: the phase clock, the SP activity window and which target
    the dendrite holds (hidden: its own response; output: the label)."""
    lo, hi = spec.act_window(p.vth)
    return p._replace(two_phase=True, target_steps=spec.target_steps, learn_skip=spec.learn_skip,
                      act_lo=lo, act_hi=hi, self_target=not last, fb=0, dd=0)


def _label_drive(level: int) -> tuple[int, int]:
    """(weight, exponent) with ``weight << exponent`` ~ ``level``, weight even and <= 254
    (a static Lava Dense drops the lowest bit of mixed-sign weights)."""
    exp = 0
    while level > 254:
        level, exp = level // 2, exp + 1
    return level // 2 * 2, exp


def _plastic_layer(w: np.ndarray, wexp: int, p: SPNeuronParams, spec: LearningSpec, i: int, last: bool,
                   n_classes: int, rng: np.random.Generator) -> LearningLayer:
    """A plastic layer of either rule: neuron gains, target projection, three-factor rule."""
    e_shift = spec.e_shift if (last or spec.hidden_e_shift is None) else spec.hidden_e_shift
    impulse = spec.x1_impulse if (last or spec.hidden_x1_impulse is None) else spec.hidden_x1_impulse
    rule = ThreeFactorRule(lr_exp=spec.lr_exp if last else spec.hidden_lr_exp, x1_impulse=impulse,
                           x1_tau=spec.x1_tau, rng_seed=spec.seed + 10 * i + 1)
    texp = 0
    if spec.rule == "sp":
        p = _two_phase(p, spec, last)._replace(e_shift=e_shift)
        tw = None
        if last:  # the label drives the output dendrite to the top of its activity window
            level, texp = _label_drive(p.act_hi)
            tw = np.eye(n_classes, dtype=np.int32) * level
    else:
        gate = (None, None) if (last or spec.gate is None) else spec.gate
        p = p._replace(fb=spec.fb, e_shift=e_shift, gate_lo=gate[0], gate_hi=gate[1])
        if last:
            tw = np.eye(n_classes, dtype=np.int32) * spec.target_w
        else:
            tw = rng.choice([-spec.target_w, spec.target_w], size=(w.shape[0], n_classes)).astype(np.int32)
    return LearningLayer(weights=w, weight_exp=wexp, neuron=p, rule=rule, target_weights=tw, target_exp=texp)


def to_export_network(lnet: LearningNetwork, meta: dict | None = None) -> Any:
    """A (frozen) ``LearningNetwork`` as a plain fixed-point LIF ``export.network.Network``.

    Weights are the ones a static Lava Dense applies (mixed sign: lowest bit dropped); neurons
    without a dendrite are Lava LIFs (the SPNeuron soma is the same LIF), so the result runs on
    ``export.fallback.simulate`` / ``export.lava.build.run_lava`` like any exported network."""
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
