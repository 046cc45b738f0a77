"""Deploy a trained network: load it, bring it to the requested precision, run the N-MNIST test
split on Lava or the bit-exact fallback (through ``export.backend``, in chunks), time it, and
compare it with the torch model it came from. ``spikeprop deploy`` prints the ``DeployResult``.

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


def load_test_split(T: int, window_ms: float, data_dir: str | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, n, 2312) bool spikes and (n,) labels of the N-MNIST test split."""
    try:
        from spikeprop import data as nd
    except ImportError as exc:
        raise SpikePropError(f"the N-MNIST reader (spikeprop.data) is not available: {exc}") from None
    frames, labels = nd.load_frames("test", T, window_us=int(window_ms * 1000), source=data_dir)
    frames = np.asarray(frames.numpy() if hasattr(frames, "numpy") else frames)[:n]
    labels = np.asarray(labels.numpy() if hasattr(labels, "numpy") else labels)[:n]
    if n <= 0 or len(labels) == 0:
        raise SpikePropError("no test samples to deploy (--n-samples must be positive)")
    return frames.transpose(1, 0, 2) != 0, labels


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


def run_chunks(net: Network, x: np.ndarray, backend: str, chunk: int, with_v: bool,
               progress: bool) -> tuple[list[np.ndarray], np.ndarray, np.ndarray | None, dict[str, float]]:
    """Run ``x`` (T, B, n_in) ``chunk`` samples at a time: per-layer spike counts (B, N), output
    spikes (T, B, N_out), summed output voltage (B, N_out) if ``with_v``, and timing."""
    from tqdm import tqdm

    from export.backend import run

    T, B = x.shape[:2]
    counts = [np.zeros((B, n)) for n in net.sizes[1:]]
    v_sum = np.zeros((B, net.n_outputs)) if with_v else None
    outputs = np.zeros((T, B, net.n_outputs), dtype=bool)
    timing = {"run_s": 0.0, "compile_s": 0.0, "total_s": 0.0}
    t0 = time.perf_counter()
    with tqdm(total=B, desc=f"{backend} {net.precision}", unit="sample", disable=not progress) as bar:
        for i in range(0, B, chunk):  # the bar closes (newline) before an interrupt is reported
            xb = x[:, i:i + chunk]
            res = run(net, xb, backend=backend, quiet=True, layer_spikes=True, record=[-1] if with_v else False)
            timing["compile_s"] += res.timing.get("compile_s", 0.0) + res.timing.get("runtime_start_s", 0.0)
            timing["run_s"] += res.timing.get("run_s", 0.0)
            for l, layer in enumerate(res.layers):
                counts[l][i:i + chunk] = layer["s"].sum(axis=0)
            outputs[:, i:i + chunk] = res.spikes
            if with_v:
                v_sum[i:i + chunk] = res.layers[-1]["v"].sum(axis=0)
            bar.update(xb.shape[1])
    timing["total_s"] = time.perf_counter() - t0
    return counts, outputs, v_sum, timing


def compare_with_torch(model: Any, x: np.ndarray, labels: np.ndarray, pred: np.ndarray,
                       outputs: np.ndarray, with_v: bool) -> dict[str, Any]:
    """Accuracy, prediction agreement and identical output spike trains versus the torch model."""
    from export.readout import predict_classes
    from spikeprop.torch_reference import torch_reference

    ref, ref_v = torch_reference(model, x)
    ref_pred = predict_classes(ref[-1].sum(axis=0), ref_v.sum(axis=0) if with_v else None)
    B = x.shape[1]
    return dict(
        torch_accuracy=float((ref_pred == labels).mean()),
        accuracy_drop_points=100.0 * float((ref_pred == labels).mean() - (pred == labels).mean()),
        prediction_agreement=float((ref_pred == pred).mean()),
        identical_output_spike_trains=float(np.mean([np.array_equal(ref[-1][:, b], outputs[:, b]) for b in range(B)])),
        torch_spikes_per_sample=[float(s.sum(axis=(0, 2)).mean()) for s in ref],
    )


def deploy(source: str | Path | Loaded, *, backend: str = "auto", precision: str = "fixed",
           n_samples: int = 100, T: int | None = None, window_ms: float | None = None, data: str | None = None,
           chunk: int | None = None, readout: str = "spikes+voltage", progress: bool = True,
           quiet: bool = False, name: str | None = None) -> DeployResult:
    """Run a checkpoint / netx / .npz network (or an already ``Loaded`` one) on the test split.
    ``quiet``: no ``auto`` notice on stderr. ``name``: what the summary calls the model."""
    from export.readout import predict_classes

    loaded = source if isinstance(source, Loaded) else load_any(source)
    net, report = prepare(loaded.network, precision)
    backend = resolve_backend(backend, quiet)
    T = T or loaded.T or 30
    x, labels = load_test_split(T, window_ms or loaded.window_ms or 300.0, data, n_samples)
    if x.shape[-1] != net.n_inputs:
        raise SpikePropError(f"the network reads {net.n_inputs} inputs but N-MNIST frames have {x.shape[-1]}")
    B = x.shape[1]
    with_v = readout == "spikes+voltage"
    counts, outputs, v_sum, timing = run_chunks(net, x, backend, chunk or (10 if backend == "lava" else 25),
                                                with_v, progress)
    pred = predict_classes(counts[-1], v_sum)
    summary = {
        "model": name if name is not None else str(source), "network": net.summary(), "backend": backend,
        "precision": net.precision, "n_samples": int(B), "T": int(T), "readout": readout,
        "accuracy": float((pred == labels).mean()),
        "spikes_per_sample": [float(c.sum(axis=1).mean()) for c in counts],
        "ms_per_sample": 1e3 * timing["total_s"] / B, "ms_per_sample_run": 1e3 * timing["run_s"] / B,
        "lava_compile_s": timing["compile_s"] if backend == "lava" else None,
        "quantization_warnings": report.warnings if report else [],
    }
    if loaded.model is not None:
        summary.update(compare_with_torch(loaded.model, x, labels, pred, outputs, with_v))
    return DeployResult(summary, report, timing)
