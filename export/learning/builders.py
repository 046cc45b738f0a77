"""Learning networks built from scratch (no trained checkpoint): a frozen random projection, an
untrained plastic output layer, a plastic hidden layer driven by a random projection of the
target. ``build_network`` wires them into the two standard experiments."""
from __future__ import annotations

from typing import Any

import numpy as np

from export.errors import NetworkError
from export.learning.network import LearningLayer, LearningNetwork
from export.learning.neuron import SPNeuronParams
from export.learning.rule import ThreeFactorRule


def random_layer(n_in: int, n_out: int, amp: int, vth: int, seed: int, dv: int = 410) -> LearningLayer:
    """A frozen fixed random projection (even 8-bit weights, uniform in [-amp, amp))."""
    rng = np.random.default_rng(seed)
    w = (rng.integers(-amp, amp, (n_out, n_in)) // 2) * 2
    return LearningLayer(weights=w, neuron=SPNeuronParams(vth=vth, dv=dv))


def output_layer(n_in: int, n_classes: int = 10, *, lr_exp: int = -7, x1_impulse: int = 4,
                 e_shift: int = 3, vth: int = 256, target_w: int = 8, fb: int = 32,
                 seed: int = 7) -> LearningLayer:
    """Untrained (all-zero) plastic output layer; the one-hot target drives each neuron's dendrite."""
    return LearningLayer(weights=np.zeros((n_classes, n_in), dtype=np.int32),
                         neuron=SPNeuronParams(vth=vth, fb=fb, e_shift=e_shift),
                         rule=ThreeFactorRule(lr_exp=lr_exp, x1_impulse=x1_impulse, x1_tau=4, rng_seed=seed),
                         target_weights=np.eye(n_classes, dtype=np.int32) * target_w)


def hidden_plastic_layer(n_in: int, n_out: int, n_classes: int = 10, *, amp: int = 100, vth: int = 300,
                         lr_exp: int = -7, x1_impulse: int = 4, e_shift: int = 3, target_w: int = 8,
                         fb: int = 32, seed: int = 1) -> LearningLayer:
    """Plastic hidden layer: random initial weights; its dendrites see a fixed random (+/-) projection
    of the target (the target signal reaching every layer, forward only, no backward pass)."""
    rng = np.random.default_rng(seed)
    base = random_layer(n_in, n_out, amp, vth, seed)
    proj = rng.choice([-target_w, target_w], size=(n_out, n_classes)).astype(np.int32)
    return LearningLayer(weights=base.weights, neuron=SPNeuronParams(vth=vth, fb=fb, e_shift=e_shift),
                         rule=ThreeFactorRule(lr_exp=lr_exp, x1_impulse=x1_impulse, x1_tau=4, rng_seed=seed + 10),
                         target_weights=proj)


def build_network(kind: str, hidden: int = 200, seed: int = 0) -> LearningNetwork:
    """``output``: frozen random hidden layer + plastic output; ``hidden``: both layers plastic."""
    if kind == "output":
        return LearningNetwork([random_layer(2312, hidden, 100, 300, seed), output_layer(hidden)])
    if kind == "hidden":
        return LearningNetwork([hidden_plastic_layer(2312, hidden, seed=seed + 1), output_layer(hidden)])
    raise NetworkError(f"unknown learning network {kind!r}; choose 'output' or 'hidden'")


def untrained_network(sizes: tuple[int, ...] | list[int], dv: int = 410, vth: int = 300) -> Any:
    """A fixed-point LIF ``export.network.Network`` of the given sizes with all-zero weights: the
    skeleton (sizes, decays, thresholds) that ``to_learning_network(..., LearningSpec(
    layers="all", reset_weights=True))`` turns into an untrained learning network."""
    from export.network import Layer, Network

    if len(sizes) < 2 or any(int(n) <= 0 for n in sizes):
        raise NetworkError(f"sizes must list at least two positive widths, got {list(sizes)}")
    layers = [Layer(weights=np.zeros((int(b), int(a)), dtype=np.int64), neuron="lif",
                    params={"dv": dv, "vth": vth, "bias_mant": 0, "bias_exp": 6}, precision="fixed")
              for a, b in zip(sizes[:-1], sizes[1:])]
    return Network(layers, int(sizes[0]), meta={"untrained": True})
