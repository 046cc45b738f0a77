"""Predictions from a trained network, in the three SP ways.

1. ``nearest``: compare the output activity h_L (summed over time) with the target
   activity t_L of every class; the most similar class wins (C comparisons).
2. ``adaptive``: a tree over the class embeddings t_L (recursive k-means); a sample
   descends the tree, comparing only with the children of each visited node, so it
   makes fewer comparisons than C; the count is reported.
3. ``classifier``: the output layer is a trained classifier (one unit per class):
   argmax of its summed voltage (``classifier_rate``: of its spike count, ties broken by the
   summed voltage, ``export.readout.predict_classes``; ``classifier_spikes``: of its spike count,
   the first class on ties: the readout of ``spikeprop deploy --learn``, which the on-chip rule
   ``sp-onchip`` is scored with so that its runs compare one to one).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from export.readout import predict_classes
from spikeprop.config import CLASSIFIER_METHODS, ONCHIP_METHODS, TWO_COMPARTMENT_METHODS, TrainConfig
from spikeprop.metrics import LayerStats
from spikeprop.model import SpikingNet
from spikeprop.rules.base import readout_activity
from spikeprop.rules.layers import layer_current, run_layer
from spikeprop.rules.signal import TargetSignal
from spikeprop.rules.sparse import SparseDataset

EVAL_WINDOW = 25  # steps per layer-wise block; fixed, so memory does not grow with T


@dataclass
class Outputs:
    h: torch.Tensor  # (N, n_out) output readout summed over time
    rate: torch.Tensor  # (N, n_out) output spike counts
    t: torch.Tensor  # (C, n_out) target-branch readout of every class
    labels: torch.Tensor
    stats: list[LayerStats] = field(default_factory=list)


@torch.no_grad()
def run_branch(net: SpikingNet, first, steps: int, states: list) -> tuple[list, list]:
    """One window through all layers; ``first`` is SparseRows or (K, R, N_in) input."""
    spikes, volts = [], []
    h = first
    for l, (fc, neuron) in enumerate(zip(net.fcs, net.neurons)):
        h, v, states[l] = run_layer(neuron, layer_current(fc, h, steps), states[l])
        spikes.append(h)
        volts.append(v)
    return spikes, volts


@torch.no_grad()
def target_outputs(net: SpikingNet, signal: TargetSignal, cfg: TrainConfig, T: int) -> torch.Tensor:
    """(C, n_out) target-branch readout, computed once per class."""
    pattern = signal()
    states: list = [None] * net.n_layers
    out = torch.zeros(pattern.shape[0], net.cfg.sizes[-1])
    vth = net.neurons[-1].threshold
    for t0 in range(0, T, EVAL_WINDOW):
        k = min(T, t0 + EVAL_WINDOW) - t0
        _, volts = run_branch(net, pattern.expand(k, -1, -1), k, states)
        out += readout_activity(volts[-1], cfg, vth).sum(0)
    return out


@torch.no_grad()
def collect_outputs(net: SpikingNet, signal: TargetSignal, cfg: TrainConfig, data: SparseDataset,
                    batch_size: int = 128) -> Outputs:
    """Run ``data`` through ``net`` (no learning) and gather outputs and dead-neuron stats."""
    stats = [LayerStats(n, float(nr.threshold)) for n, nr in zip(net.cfg.sizes[1:], net.neurons)]
    hs, rates = [], []
    vth = net.neurons[-1].threshold
    T = data.T
    for i in range(0, len(data), batch_size):
        x, _ = data.batch(torch.arange(i, min(len(data), i + batch_size)))
        B = x.shape[1]
        states: list = [None] * net.n_layers
        h = torch.zeros(B, net.cfg.sizes[-1])
        r = torch.zeros_like(h)
        for t0 in range(0, T, EVAL_WINDOW):
            k = min(T, t0 + EVAL_WINDOW) - t0
            spikes, volts = run_branch(net, x.window(t0, t0 + k), k, states)
            for st, s, v in zip(stats, spikes, volts):
                st.update(s, v)
            h += readout_activity(volts[-1], cfg, vth).sum(0)
            r += spikes[-1].sum(0)
        hs.append(h)
        rates.append(r)
    n_out = net.cfg.sizes[-1]
    return Outputs(
        h=torch.cat(hs) if hs else torch.zeros(0, n_out),
        rate=torch.cat(rates) if rates else torch.zeros(0, n_out),
        t=target_outputs(net, signal, cfg, T),
        labels=data.labels.clone(),
        stats=stats,
    )


def predict_classifier(h: torch.Tensor) -> torch.Tensor:
    return h.argmax(-1)


def predict_nearest(h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Index of the class whose target embedding is most similar (cosine) to each row of h."""
    return (F.normalize(h, dim=-1, eps=1e-9) @ F.normalize(t, dim=-1, eps=1e-9).t()).argmax(-1)


def _kmeans(x: torch.Tensor, k: int, iters: int = 20) -> torch.Tensor:
    """Deterministic k-means (farthest-point init) on rows of x; returns cluster ids."""
    centers = [0]
    for _ in range(1, k):
        d = torch.cdist(x, x[centers]).min(1).values
        centers.append(int(d.argmax()))
    c = x[centers].clone()
    ids = torch.zeros(len(x), dtype=torch.long)
    for _ in range(iters):
        ids = torch.cdist(x, c).argmin(1)
        for j in range(k):
            if (ids == j).any():
                c[j] = x[ids == j].mean(0)
    return ids


class ClassTree:
    """A tree over class embeddings; ``predict`` returns classes and comparisons made."""

    def __init__(self, embeddings: torch.Tensor, branching: int = 3) -> None:
        self.emb = F.normalize(embeddings.float(), dim=-1, eps=1e-9)
        self.branching = branching
        self.root = self._build(torch.arange(len(self.emb)))

    def _build(self, classes: torch.Tensor) -> dict:
        centroid = F.normalize(self.emb[classes].mean(0), dim=-1, eps=1e-9)
        if len(classes) == 1:
            return {"classes": classes, "centroid": centroid, "children": []}
        k = min(self.branching, len(classes))
        ids = _kmeans(self.emb[classes], k)
        groups = [classes[ids == j] for j in range(k) if (ids == j).any()]
        if len(groups) == 1:  # identical embeddings: split evenly
            groups = list(torch.tensor_split(classes, k))
        return {"classes": classes, "centroid": centroid, "children": [self._build(g) for g in groups]}

    def predict(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.normalize(h.float(), dim=-1, eps=1e-9)
        preds = torch.empty(len(h), dtype=torch.long)
        comps = torch.zeros(len(h), dtype=torch.long)
        for i, row in enumerate(h):
            node = self.root
            while node["children"]:
                sims = torch.stack([row @ ch["centroid"] for ch in node["children"]])
                comps[i] += len(node["children"])
                node = node["children"][int(sims.argmax())]
            preds[i] = node["classes"][0]
        return preds, comps

    def depth(self) -> int:
        def d(n):
            return 0 if not n["children"] else 1 + max(d(c) for c in n["children"])
        return d(self.root)


def confusion_matrix(pred: torch.Tensor, labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """(true, predicted) counts."""
    idx = labels.long() * n_classes + pred.long()
    return torch.bincount(idx, minlength=n_classes * n_classes).view(n_classes, n_classes)


def primary_mode(cfg: TrainConfig) -> str:
    """The prediction mode a method is trained for (used for 'accuracy' in the logs)."""
    if cfg.method in ONCHIP_METHODS:
        return "classifier_spikes"  # deploy --learn's readout (export.learning.stats.accuracy)
    if cfg.method in TWO_COMPARTMENT_METHODS and cfg.output == "classifier":
        return "classifier_rate"  # its rule drives spiking, not the (reset) voltage sum
    if cfg.method in CLASSIFIER_METHODS or cfg.output == "classifier":
        return "classifier"
    return "nearest"


def predictions(out: Outputs, cfg: TrainConfig) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Predicted class per sample for every available mode, and the adaptive comparisons."""
    preds = {"nearest": predict_nearest(out.h, out.t)}
    preds["adaptive"], comps = ClassTree(out.t, cfg.tree_branching).predict(out.h)
    if out.h.shape[-1] == cfg.n_classes:
        preds["classifier"] = predict_classifier(out.h)
        # most output spikes, ties by summed voltage: the readout `spikeprop deploy` uses on a device
        preds["classifier_rate"] = torch.from_numpy(
            predict_classes(out.rate.double().numpy(), out.h.double().numpy()))
        preds["classifier_spikes"] = out.rate.argmax(-1)  # first on ties (torch.argmax), no voltage
    return preds, comps


def accuracies(out: Outputs, cfg: TrainConfig) -> dict[str, float]:
    """Accuracy per prediction mode, plus the adaptive mode's mean comparisons."""
    preds, comps = predictions(out, cfg)
    res = {m: float((p == out.labels).float().mean()) if len(out.labels) else 0.0
           for m, p in preds.items()}
    res["adaptive_comparisons"] = float(comps.float().mean()) if len(comps) else 0.0
    return res
