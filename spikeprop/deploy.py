"""Deploy a trained network: load it, bring it to the requested precision, run the test split of
the data set it was trained on (N-MNIST; Fashion-MNIST encoded as in training) on Lava or the
bit-exact fallback (through ``export.backend``, in chunks), time it, and compare it with the torch
model it came from, with NeuroBench's metrics of the run (``spikeprop.neurobench_report``).
``spikeprop deploy`` prints the ``DeployResult``.

The prediction (``readout``, see export/readout.py) is the class with the most output spikes,
ties broken by the summed output voltage (``spikes+voltage``) or by class order (``spikes``).
The torch model is read out the same way, so the two compare one to one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from export.errors import ExportError
from export.network import Network
from spikeprop.artifacts import Loaded, load_any
from spikeprop.errors import SpikePropError


@dataclass
class DeployResult:
    """``summary``: the JSON object ``spikeprop deploy --json`` prints; ``quantization``: the
    ``export.quantize.QuantReport`` when the network was quantised here; ``timing`` in seconds."""

    summary: dict[str, Any]
    quantization: Any = None
    timing: dict[str, float] = field(default_factory=dict)


def load_test_split(T: int, window_ms: float, data_dir: str | None, n: int) -> Any:
    """The first ``n`` recordings of the N-MNIST test split as a ``SparseDataset`` (active
    indices only). Only those ``n`` files are read, and nothing is dense until a backend needs
    a chunk (``dense_chunk``): binning the whole split densely first took 2.56 GB for 10
    samples of a 10,000-file folder at T=100."""
    from spikeprop.datasets import load_dataset

    if n <= 0:
        raise SpikePropError("--n-samples must be an integer >= 1")
    data = load_dataset("test", T, window_ms, data_dir, limit=n)
    if len(data) == 0:
        raise SpikePropError("no test samples to deploy")
    return data


def dense_chunk(data: Any, start: int, stop: int) -> np.ndarray:
    """Samples ``start:stop`` of a SparseDataset as dense (T, B, n_in) bool spikes."""
    import torch

    spikes, _ = data.batch(torch.arange(start, min(stop, len(data))))
    x = np.zeros(spikes.shape, dtype=bool)
    x[tuple(a.numpy() for a in spikes.coords())] = True
    return x


def load_image_test_split(train: dict[str, Any], T: int, data_dir: str | None, n: int) -> Any:
    """The first ``n`` images of a static-image test split, encoded as the checkpoint's run
    encoded them (``train``: its TrainConfig dict; epoch-0 noise, like evaluation); dense only
    per chunk (``dense_chunk``), like the N-MNIST split."""
    from spikeprop.data.static_images import load_image_dataset

    if n <= 0:
        raise SpikePropError("--n-samples must be an integer >= 1")
    return load_image_dataset("test", T, train.get("encoding", "rate"), data_dir, int(train.get("seed", 0)),
                              dataset=train["dataset"], limit=n)


def prepare(network: Network, precision: str) -> tuple[Network, Any]:
    """The network in ``precision``; a float network made fixed comes with its quantisation report."""
    from export.quantize import quantize, to_precision

    try:
        if precision == "fixed" and network.precision == "float":
            return quantize(network)
        return to_precision(network, precision), None
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None


def resolve_backend(backend: str, quiet: bool = False) -> str:
    """``export.backend.resolve`` with its errors (lava-nc missing, unknown name) as SpikePropError."""
    from export.backend import resolve

    try:
        return resolve(backend, quiet=quiet)
    except ExportError as exc:
        raise SpikePropError(str(exc)) from None


@dataclass
class RunOutput:
    """What ``run_chunks`` gathers: per-layer spike counts (B, N), output spikes (T, B, N_out),
    summed output voltage (B, N_out) or None, timing, and per-chunk NeuroBench metrics."""

    counts: list[np.ndarray]
    outputs: np.ndarray
    v_sum: np.ndarray | None
    timing: dict[str, float]
    neurobench_parts: list[tuple[int, dict]]


def run_chunks(net: Network, data: Any, backend: str, chunk: int, with_v: bool, progress: bool) -> RunOutput:
    """Run the data set ``data`` (SparseDataset or encoded images) ``chunk`` samples at a time,
    dense only per chunk, keeping only counts, the output layer and NeuroBench's per-chunk
    metrics (not every layer's spike trains)."""
    from tqdm import tqdm

    from export.backend import run
    from spikeprop.neurobench_report import chunk_metrics

    T, B = data.T, len(data)
    out = RunOutput([np.zeros((B, n)) for n in net.sizes[1:]], np.zeros((T, B, net.n_outputs), dtype=bool),
                    np.zeros((B, net.n_outputs)) if with_v else None,
                    {"run_s": 0.0, "compile_s": 0.0, "total_s": 0.0}, [])
    t0 = time.perf_counter()
    with tqdm(total=B, desc=f"{backend} {net.precision}", unit="sample", disable=not progress) as bar:
        for i in range(0, B, chunk):  # the bar closes (newline) before an interrupt is reported
            xb = dense_chunk(data, i, i + chunk)
            res = run(net, xb, backend=backend, quiet=True, layer_spikes=True, record=[-1] if with_v else False)
            out.timing["compile_s"] += res.timing.get("compile_s", 0.0) + res.timing.get("runtime_start_s", 0.0)
            out.timing["run_s"] += res.timing.get("run_s", 0.0)
            for l, layer in enumerate(res.layers):
                out.counts[l][i:i + chunk] = layer["s"].sum(axis=0)
            out.outputs[:, i:i + chunk] = res.spikes
            if with_v:
                out.v_sum[i:i + chunk] = res.layers[-1]["v"].sum(axis=0)
            out.neurobench_parts.append(chunk_metrics(net, xb, [layer["s"] for layer in res.layers]))
            bar.update(xb.shape[1])
    out.timing["total_s"] = time.perf_counter() - t0
    return out


def compare_with_torch(model: Any, data: Any, labels: np.ndarray, pred: np.ndarray,
                       outputs: np.ndarray, with_v: bool, chunk: int = 25) -> dict[str, Any]:
    """Accuracy, prediction agreement and identical output spike trains versus the torch model
    (run on the same dense chunks as the backend)."""
    from export.readout import predict_classes
    from spikeprop.torch_reference import torch_reference

    B = len(data)
    ref_pred, same, spikes = np.zeros(B, dtype=np.int64), np.zeros(B, dtype=bool), None
    for i in range(0, B, chunk):
        ref, ref_v = torch_reference(model, dense_chunk(data, i, i + chunk))
        ref_pred[i:i + chunk] = predict_classes(ref[-1].sum(axis=0), ref_v.sum(axis=0) if with_v else None)
        same[i:i + chunk] = [np.array_equal(ref[-1][:, b], outputs[:, i + b]) for b in range(ref[-1].shape[1])]
        counts = np.array([s.sum() for s in ref], dtype=np.float64)
        spikes = counts if spikes is None else spikes + counts
    return dict(
        torch_accuracy=float((ref_pred == labels).mean()),
        accuracy_drop_points=100.0 * float((ref_pred == labels).mean() - (pred == labels).mean()),
        prediction_agreement=float((ref_pred == pred).mean()),
        identical_output_spike_trains=float(same.mean()),
        torch_spikes_per_sample=[float(c / B) for c in spikes],
    )


def deploy(source: str | Path | Loaded, *, backend: str = "auto", precision: str = "fixed",
           n_samples: int = 100, T: int | None = None, window_ms: float | None = None, data: str | None = None,
           chunk: int | None = None, readout: str = "spikes+voltage", progress: bool = True,
           quiet: bool = False, name: str | None = None, nir_convention: str = "auto") -> DeployResult:
    """Run a checkpoint / netx / NIR / .npz network (or an already ``Loaded`` one) on the test split.
    ``quiet``: no ``auto`` notice on stderr. ``name``: what the summary calls the model.
    ``nir_convention``: for .nir files (``spikeprop.artifacts.load_nir``)."""
    from export.readout import predict_classes
    from spikeprop.neurobench_report import merge_chunks

    loaded = source if isinstance(source, Loaded) else load_any(source, nir_convention)
    net, report = prepare(loaded.network, precision)
    backend = resolve_backend(backend, quiet)
    T = T or loaded.T or 30
    dataset = (loaded.train or {}).get("dataset", "nmnist")
    if dataset != "nmnist":
        test = load_image_test_split(loaded.train, T, data, n_samples)
    else:
        test = load_test_split(T, window_ms or loaded.window_ms or 300.0, data, n_samples)
    if test.n_inputs != net.n_inputs:
        raise SpikePropError(f"the network reads {net.n_inputs} inputs but {dataset} samples have {test.n_inputs}")
    B, labels = len(test), test.labels.numpy()
    with_v = readout == "spikes+voltage"
    run = run_chunks(net, test, backend, chunk or (10 if backend == "lava" else 25), with_v, progress)
    pred = predict_classes(run.counts[-1], run.v_sum)
    timing = run.timing
    summary = {
        "model": name if name is not None else str(source), "network": net.summary(), "backend": backend,
        "precision": net.precision, "n_samples": int(B), "T": int(T), "readout": readout,
        "accuracy": float((pred == labels).mean()),
        "spikes_per_sample": [float(c.sum(axis=1).mean()) for c in run.counts],
        "ms_per_sample": 1e3 * timing["total_s"] / B, "ms_per_sample_run": 1e3 * timing["run_s"] / B,
        "lava_compile_s": timing["compile_s"] if backend == "lava" else None,
        "quantization_warnings": report.warnings if report else [],
        "neurobench": merge_chunks(run.neurobench_parts, pred, labels),
    }
    if loaded.model is not None:
        summary.update(compare_with_torch(loaded.model, test, labels, pred, run.outputs, with_v))
    return DeployResult(summary, report, timing)
