"""Learning rules: Signal Propagation variants and the backpropagation baselines.

``make_learner(net, signal, cfg)`` picks the rule named by ``cfg.method``:

- ``sp-voltage``, ``sp-surrogate``, ``shallow``: per-window local losses (``rules.sp``)
- ``sp-dendritic`` (two-compartment SP: the dendrite integrates the target pass through the
  layer's own weights) and ``drtp-two-compartment`` (the dendrite gets a fixed random
  projection of the label, DRTP): explicit three-factor dW (``rules.two_compartment``)
- ``bptt``, ``bptt-boxcar``: backpropagation through time (``rules.bptt``)
- ``sp-onchip``: the two-phase SP rule of ``spikeprop deploy --learn`` (``rules.onchip``)
"""
from __future__ import annotations

from spikeprop.config import TWO_COMPARTMENT_METHODS, TrainConfig
from spikeprop.model import SpikingNet
from spikeprop.rules.base import BatchResult, Learner, readout_activity
from spikeprop.rules.signal import TargetSignal
from spikeprop.rules.sparse import SparseDataset, SparseRows, SparseSpikes, sparse_linear


def make_learner(net: SpikingNet, signal: TargetSignal, cfg: TrainConfig) -> Learner:
    if cfg.method in ("sp-voltage", "sp-surrogate", "shallow"):
        from spikeprop.rules.sp import LocalLearner
        return LocalLearner(net, signal, cfg)
    if cfg.method == "sp-onchip":
        from spikeprop.rules.onchip import OnChipSPLearner
        return OnChipSPLearner(net, signal, cfg)
    if cfg.method in TWO_COMPARTMENT_METHODS:
        from spikeprop.rules.two_compartment import TwoCompartmentLearner
        return TwoCompartmentLearner(net, signal, cfg)
    from spikeprop.rules.bptt import BPTTLearner
    return BPTTLearner(net, signal, cfg)


__all__ = ["make_learner", "Learner", "BatchResult", "TargetSignal", "SparseDataset",
           "SparseRows", "SparseSpikes", "sparse_linear", "readout_activity"]
