"""The work behind ``spikeprop evaluate``: a checkpoint's accuracy per prediction mode,
confusion matrix and per-layer dead-neuron metrics on a data split."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig


@dataclass
class Evaluation:
    """Everything ``spikeprop evaluate`` reports about one checkpoint."""

    net_cfg: NetConfig
    cfg: TrainConfig
    epoch: int
    n_samples: int
    n_targets: int  # class target embeddings nearest compares against (adaptive: fewer)
    accuracy: dict[str, float]  # per prediction mode (+ adaptive_comparisons)
    primary_mode: str  # the mode the run was trained for
    confusion: Any  # (C, C) tensor, rows = true class
    layers: list[dict[str, Any]]  # per layer: rate, dead, near_dead, saturated, histograms
    neurobench: dict[str, Any]  # NeuroBench metrics of the torch model on this split


def evaluate_checkpoint(path: str | Path, split: str = "test", data_dir: str | None = None,
                        batch_size: int = 128) -> Evaluation:
    """Load ``path``, run it over ``split`` and collect the metrics."""
    from spikeprop import datasets
    from spikeprop.checkpoint import load_checkpoint, restore_model
    from spikeprop.neurobench_report import torch_neurobench
    from spikeprop.prediction import accuracies, collect_outputs, confusion_matrix, predictions, primary_mode

    ckpt = load_checkpoint(path)
    net, signal, net_cfg, cfg = restore_model(ckpt, path)
    data = datasets.load_data(split, cfg, data_dir)  # the data set and encoding the run trained on
    net.eval()
    out = collect_outputs(net, signal, cfg, data, batch_size)
    mode = primary_mode(cfg)
    preds, _ = predictions(out, cfg)
    return Evaluation(
        net_cfg=net_cfg, cfg=cfg, epoch=int(ckpt["epoch"]), n_samples=len(data), n_targets=len(out.t),
        accuracy=accuracies(out, cfg), primary_mode=mode,
        confusion=confusion_matrix(preds[mode], out.labels, cfg.n_classes),
        layers=[st.summary(cfg.near_dead_rate, cfg.saturated_rate) for st in out.stats],
        neurobench=torch_neurobench(net, data, preds[mode], out.labels))
