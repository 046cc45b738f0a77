"""NeuroBench's static and workload metrics for a ``Network`` and one simulated run.

Names and definitions follow NeuroBench (Yik et al., "NeuroBench: a framework for
benchmarking neuromorphic computing algorithms and systems", Nature Communications 2025;
the ``neurobench`` package, ``neurobench/metrics/static`` and ``.../workload``):

- ``Footprint``: bytes of the model's parameters and buffers. Here: every weight, every
  per-layer neuron parameter (scalars once, per-neuron vectors per entry) and the state
  buffers (``v`` per neuron, plus ``u`` for cuba_lif, ``u`` and ``v_dend`` for
  two_compartment), at ``bytes_per_value`` each (4: float32, as the torch model holds them).
- ``ConnectionSparsity``: zero weights / all weights over the connection (Dense) layers.
- ``ActivationSparsity``: 1 - non-zero activations / all activations of the spiking neuron
  layers, over all time steps and samples; given per layer and overall.
- ``SynapticOperations``: per sample (mean over the batch), summed over layers and steps.
  ``Dense`` = n_in x n_out per layer and step (every synapse, zeros included);
  ``Effective_ACs`` = for each input spike, its fan-out to non-zero weights (NeuroBench's
  binary-weight x binary-input product; every layer here reads spikes, so all effective
  operations are accumulates and ``Effective_MACs`` is 0).
- ``ClassificationAccuracy``: mean(predictions == labels).

Pure functions on numpy arrays; no torch, no neurobench import.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from export.errors import InputError
from export.network import Network

_STATE = {"lif": 1, "cuba_lif": 2, "two_compartment": 3}


def footprint(network: Network, bytes_per_value: int = 4) -> int:
    """NeuroBench ``Footprint`` in bytes (see the module docstring)."""
    values = 0
    for layer in network.layers:
        values += layer.weights.size + sum(int(np.size(v)) for v in layer.params.values())
        values += _STATE[layer.neuron] * layer.n_out
    return int(values * bytes_per_value)


def connection_sparsity(network: Network) -> float:
    """NeuroBench ``ConnectionSparsity``: fraction of zero weights."""
    zeros = sum(int(np.sum(np.asarray(l.weights) == 0)) for l in network.layers)
    total = sum(l.weights.size for l in network.layers)
    return zeros / total


def activation_sparsity(layer_spikes: Sequence[np.ndarray]) -> dict[str, Any]:
    """NeuroBench ``ActivationSparsity``: per layer and overall (``layer_spikes``: one array of
    spikes per layer, any layout)."""
    per = [1.0 - float(np.count_nonzero(s)) / s.size for s in map(np.asarray, layer_spikes)]
    nz = sum(np.count_nonzero(s) for s in layer_spikes)
    total = sum(np.size(s) for s in layer_spikes)
    return {"per_layer": per, "overall": 1.0 - nz / total}


def synaptic_operations(network: Network, inputs: np.ndarray, layer_spikes: Sequence[np.ndarray]) -> dict[str, float]:
    """NeuroBench ``SynapticOperations`` per sample. ``inputs`` and ``layer_spikes[l]`` are
    time-major (T, B, N) (or (T, N) for one sample); layer l reads ``inputs`` (l = 0) or
    ``layer_spikes[l - 1]``."""
    if len(layer_spikes) != len(network.layers):
        raise InputError(f"need spikes of all {len(network.layers)} layers, got {len(layer_spikes)}")
    feeds = [np.asarray(inputs)] + [np.asarray(s) for s in layer_spikes[:-1]]
    acs = dense = 0.0
    n_samples = 1
    for layer, x in zip(network.layers, feeds):
        x = x[:, None, :] if x.ndim == 2 else x
        if x.shape[-1] != layer.n_in:
            raise InputError(f"{layer.label}: spikes have width {x.shape[-1]}, the layer reads {layer.n_in}")
        T, n_samples = x.shape[0], x.shape[1]
        fanout = np.count_nonzero(np.asarray(layer.weights), axis=0)  # non-zero weights per input
        acs += float(((x.reshape(-1, layer.n_in) != 0).astype(np.float64) @ fanout).sum())
        dense += float(T * n_samples * layer.n_in * layer.n_out)
    return {"Effective_MACs": 0.0, "Effective_ACs": acs / n_samples, "Dense": dense / n_samples}


def classification_accuracy(predictions: Any, labels: Any) -> float:
    """NeuroBench ``ClassificationAccuracy``."""
    p, y = np.asarray(predictions).reshape(-1), np.asarray(labels).reshape(-1)
    if p.shape != y.shape or p.size == 0:
        raise InputError(f"predictions ({p.size}) and labels ({y.size}) must be the same non-zero length")
    return float(np.mean(p == y))


def neurobench_metrics(network: Network, inputs: np.ndarray, layer_spikes: Sequence[np.ndarray],
                       predictions: Any = None, labels: Any = None) -> dict[str, Any]:
    """All of the above under NeuroBench's names, ready for a metrics JSON. ``layer_spikes``:
    e.g. ``[l["s"] for l in simulate(net, x).layers]`` (time-major)."""
    out: dict[str, Any] = {
        "Footprint": footprint(network),
        "ConnectionSparsity": connection_sparsity(network),
        "ActivationSparsity": activation_sparsity(layer_spikes),
        "SynapticOperations": synaptic_operations(network, inputs, layer_spikes),
    }
    if predictions is not None and labels is not None:
        out["ClassificationAccuracy"] = classification_accuracy(predictions, labels)
    return out
