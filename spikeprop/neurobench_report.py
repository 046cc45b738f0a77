"""NeuroBench metrics (``export.neurobench``) for a whole evaluation or deployment run, computed
chunk by chunk so no run has to hold every layer's spikes at once, and printed as a few lines.

A run is split into chunks of samples; per chunk ``neurobench_metrics`` gives the dynamic
metrics (ActivationSparsity, SynapticOperations), and ``merge_chunks`` averages them weighted
by the chunk's number of samples -- exact, because every chunk has the same T and layer widths,
so each chunk's share of activations and of per-sample operations is proportional to its size.
Used by ``spikeprop deploy`` (the backend's spikes) and ``spikeprop evaluate`` (the torch model's).
"""
from __future__ import annotations

import copy
from typing import Any, Sequence

import numpy as np

from export.network import Network
from export.neurobench import classification_accuracy, neurobench_metrics


def chunk_metrics(network: Network, inputs: np.ndarray, layer_spikes: Sequence[np.ndarray]) -> tuple[int, dict]:
    """(samples, NeuroBench metrics) of one chunk; ``inputs`` and spikes time-major (T, B, N)."""
    return int(np.asarray(inputs).shape[1]), neurobench_metrics(network, inputs, layer_spikes)


def merge_chunks(parts: Sequence[tuple[int, dict]], predictions: Any = None, labels: Any = None) -> dict[str, Any]:
    """One metrics dict for the whole run (NeuroBench's names), plus ClassificationAccuracy."""
    if not parts:
        raise ValueError("no chunks to merge")
    n = np.array([p[0] for p in parts], dtype=np.float64)
    w = n / n.sum()
    first = parts[0][1]
    act = [p[1]["ActivationSparsity"] for p in parts]
    ops = [p[1]["SynapticOperations"] for p in parts]
    out = {
        "Footprint": first["Footprint"],
        "ConnectionSparsity": first["ConnectionSparsity"],
        "ActivationSparsity": {
            "per_layer": [float(x) for x in w @ np.array([a["per_layer"] for a in act])],
            "overall": float(w @ np.array([a["overall"] for a in act])),
        },
        "SynapticOperations": {k: float(w @ np.array([o[k] for o in ops])) for k in first["SynapticOperations"]},
    }
    if predictions is not None and labels is not None:
        out["ClassificationAccuracy"] = classification_accuracy(predictions, labels)
    return out


def torch_neurobench(model: Any, data: Any, predictions: Any, labels: Any, batch_size: int = 64) -> dict[str, Any]:
    """NeuroBench metrics of a torch ``SpikingNet`` on a ``SparseDataset``, from the model's own
    spikes (``torch_reference``, float64, on a copy so ``model`` keeps its dtype). The static
    metrics and fan-outs come from the model as a ``Network`` (``export.from_torch``)."""
    import torch

    from export.from_torch import from_torch
    from spikeprop.torch_reference import torch_reference

    network = from_torch(model)
    ref_model = copy.deepcopy(model)
    parts = []
    for i in range(0, len(data), batch_size):
        x, _ = data.batch(torch.arange(i, min(len(data), i + batch_size)))
        xb = x.dense().numpy() != 0
        spikes, _ = torch_reference(ref_model, xb)
        parts.append(chunk_metrics(network, xb, spikes))
    return merge_chunks(parts, predictions, labels)


def neurobench_lines(m: dict[str, Any]) -> list[str]:
    """The metrics as printed lines (the JSON holds the same numbers under the same names)."""
    act, ops = m["ActivationSparsity"], m["SynapticOperations"]
    per = ", ".join(f"{a:.3f}" for a in act["per_layer"])
    lines = [
        f"NeuroBench: Footprint {m['Footprint']} bytes, ConnectionSparsity {m['ConnectionSparsity']:.3f}",
        f"NeuroBench: ActivationSparsity {act['overall']:.3f} (per layer: {per})",
        f"NeuroBench: SynapticOperations per sample: Effective_ACs {ops['Effective_ACs']:.0f}, "
        f"Effective_MACs {ops['Effective_MACs']:.0f}, Dense {ops['Dense']:.0f}",
    ]
    if "ClassificationAccuracy" in m:
        lines.append(f"NeuroBench: ClassificationAccuracy {m['ClassificationAccuracy']:.4f}")
    return lines
