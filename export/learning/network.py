"""Plain-data description of a learning network: dense layers of ``SPNeuron``s, some plastic.

Hardware-neutral and Lava-free; the Lava builder (``export.lava.learning``) and the numpy
fallback (``export.learning.fallback``) both read it. Layer ``l`` maps ``n_in -> n_out``; the
target (one-hot class spikes) reaches every layer's dendrite through ``target_weights``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from export.learning.neuron import SPNeuronParams
from export.learning.rule import ThreeFactorRule


@dataclass
class LearningLayer:
    weights: np.ndarray  # (n_out, n_in) int, 8-bit mixed sign (even values until learning starts)
    weight_exp: int = 0
    neuron: SPNeuronParams = field(default_factory=SPNeuronParams)
    rule: ThreeFactorRule | None = None  # None: frozen layer
    target_weights: np.ndarray | None = None  # (n_out, n_classes) int: target -> dendrite
    target_exp: int = 0

    def __post_init__(self) -> None:
        w = np.asarray(self.weights)
        if w.ndim != 2:
            raise ValueError(f"layer weights must be 2-D (out, in), got shape {w.shape}")
        if w.min(initial=0) < -256 or w.max(initial=0) > 255:
            raise ValueError(f"weights outside Loihi's 8-bit range [-256, 255]: "
                             f"min {w.min()}, max {w.max()}")
        self.weights = w.astype(np.int32)
        if self.target_weights is not None:
            tw = np.asarray(self.target_weights).astype(np.int32)
            if tw.shape[0] != w.shape[0]:
                raise ValueError(f"target_weights has {tw.shape[0]} rows, layer has {w.shape[0]} neurons")
            self.target_weights = tw

    @property
    def plastic(self) -> bool:
        return self.rule is not None

    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape


@dataclass
class LearningNetwork:
    """``target_patterns`` (n_classes, n_in) bool: the SP target signal of each class on the input
    (two-phase ``sp`` rule; ``None``: the target reaches the dendrites through ``target_weights``
    only, the ``drtp`` rule); ``target_steps``: length of the target phase of every sample."""

    layers: list[LearningLayer]
    n_classes: int = 10
    target_patterns: np.ndarray | None = None
    target_steps: int = 0

    def __post_init__(self) -> None:
        if self.target_patterns is not None:
            tp = np.asarray(self.target_patterns, dtype=bool)
            if tp.shape != (self.n_classes, self.layers[0].shape[1]):
                raise ValueError(f"target_patterns must be (n_classes, n_in) = "
                                 f"{(self.n_classes, self.layers[0].shape[1])}, got {tp.shape}")
            self.target_patterns = tp
        for i, (a, b) in enumerate(zip(self.layers[:-1], self.layers[1:])):
            if a.shape[0] != b.shape[1]:
                raise ValueError(f"layer {i} has {a.shape[0]} outputs but layer {i + 1} "
                                 f"expects {b.shape[1]} inputs")

    @property
    def n_in(self) -> int:
        return self.layers[0].shape[1]

    def with_weights(self, weights: list[np.ndarray]) -> "LearningNetwork":
        """A copy with new weights (e.g. after learning)."""
        return replace(self, layers=[replace(l, weights=w) for l, w in zip(self.layers, weights)])

    def frozen(self) -> "LearningNetwork":
        return replace(self, layers=[replace(l, rule=None) for l in self.layers])
