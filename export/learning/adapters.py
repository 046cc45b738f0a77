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
from export.loihi import WEIGHT_RANGES
from export.network import Layer, Network


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
            raise NetworkError(f"{layer.label}: on-chip learning supports lif/cuba_lif layers, not {layer.neuron}")
        if np.any(np.asarray(layer.params.get("bias_mant", 0)) != 0):
            raise NetworkError(f"{layer.label}: SPNeuron has no bias; on-chip learning needs bias-free layers")
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
                raise NetworkError(f"output layer has {layer.n_out} neurons but there are {n_classes} classes")
            tw = np.eye(n_classes, dtype=np.int32) * spec.target_w
        else:
            tw = rng.choice([-spec.target_w, spec.target_w], size=(layer.n_out, n_classes)).astype(np.int32)
        impulse = spec.x1_impulse if (last or spec.hidden_x1_impulse is None) else spec.hidden_x1_impulse
        rule = ThreeFactorRule(lr_exp=spec.lr_exp if last else spec.hidden_lr_exp, x1_impulse=impulse,
                               x1_tau=spec.x1_tau, rng_seed=spec.seed + 10 * i + 1)
        layers.append(LearningLayer(weights=np.clip(w, *WEIGHT_RANGES["mixed"]), weight_exp=wexp, neuron=p, rule=rule,
                                    target_weights=tw))
    return LearningNetwork(layers, n_classes)


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
