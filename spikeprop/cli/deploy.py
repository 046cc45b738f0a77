"""``spikeprop deploy``: run a checkpoint or netx file on Lava or the bit-exact fallback and
report accuracy on the N-MNIST test split, spikes per layer, agreement with the torch model
and time per sample.

The prediction (``--readout``, see export/readout.py) is the class with the most output
spikes, ties broken by the summed output voltage (default; the output layer's voltage is read
through a probe), or by class order (``spikes``). The torch model is read out the same way, so
the two compare one to one.
"""
from __future__ import annotations

import argparse

EPILOG = """\
examples:
  spikeprop deploy runs/sp/best.pt --backend lava --precision fixed
  spikeprop deploy net.h5 --backend fallback --n-samples 100
  spikeprop deploy runs/sp/best.pt --backend auto --precision float --json
  spikeprop deploy runs/sp/best.pt --learn --backend fallback     # learn the output layer on the device model
  spikeprop deploy runs/sp/best.pt --learn --backend lava --learn-samples 50

time convention: every sample runs in model time (each layer starts when its first input
arrives, see export/result.py); on Lava a chunk of samples runs as one sequence with
per-layer resets, so one compile serves the whole chunk."""


def add_parser(subparsers, summary: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser("deploy", help=summary, description=summary[0].upper() + summary[1:] + ".",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="CHECKPOINT|NETX", help="a .pt checkpoint, a netx .h5/.net file or a .npz network")
    p.add_argument("--backend", choices=("lava", "fallback", "auto"), default="auto")
    p.add_argument("--precision", choices=("float", "fixed"), default="fixed")
    p.add_argument("--n-samples", type=int, default=100, dest="n_samples", help="test samples (default: 100)")
    p.add_argument("--T", type=int, help="time bins per sample (default: the checkpoint's, else 30)")
    p.add_argument("--window-ms", type=float, dest="window_ms", help="recording length binned into T (default 300)")
    p.add_argument("--data", metavar="DIR", help="N-MNIST folder; default: embedded subset")
    p.add_argument("--chunk", type=int, default=None, help="samples per Lava run / progress step")
    p.add_argument("--no-progress", action="store_true", dest="no_progress")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--readout", choices=("spikes+voltage", "spikes"), default="spikes+voltage",
                   help="class = most output spikes, ties broken by the summed output voltage "
                        "(default; probes the output layer's voltage) or by class order (spikes only)")
    from export.learning.cli import add_learning_args

    add_learning_args(p)
    return p


def load_test_split(T: int, window_ms: float, data_dir: str | None, n: int):
    """(T, n, 2312) bool spikes and (n,) labels of the N-MNIST test split."""
    import numpy as np

    from spikeprop.errors import SpikePropError

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


def torch_reference(model, x):
    """Per-layer spikes (T, B, N) of the torch model in float64 (the float backends' arithmetic),
    and the output layer's voltage after reset (T, B, N_out), as a device's probe reports it."""
    import numpy as np
    import torch

    m = model.double().eval()
    xs = torch.from_numpy(x.astype(np.float64))
    states, per_layer, v_out = None, [[] for _ in m.fcs], []
    with torch.no_grad():
        for t in range(xs.shape[0]):
            spikes, _, states = m.step(xs[t], states)
            for l, s in enumerate(spikes):
                per_layer[l].append(s.numpy() != 0)
            v_out.append(states[-1].v.numpy().copy())
    return [np.stack(s) for s in per_layer], np.stack(v_out)


def run(args: argparse.Namespace) -> int:
    import json
    import time

    import numpy as np
    from tqdm import tqdm

    from export.backend import resolve
    from export.lava import LavaNotInstalledError
    from export.load import load_any
    from export.quantize import quantize, to_precision
    from export.readout import predict_classes
    from spikeprop.errors import SpikePropError

    if getattr(args, "learn", False):
        from export.learning.cli import run_learning

        run_learning(args)
        return 0
    loaded = load_any(args.model)
    net = loaded.network
    report = None
    if args.precision == "fixed" and net.precision == "float":
        net, report = quantize(net)
    else:
        net = to_precision(net, args.precision)
    try:
        backend = resolve(args.backend, quiet=args.json)
    except LavaNotInstalledError as exc:
        raise SpikePropError(str(exc)) from None
    T = args.T or loaded.T or 30
    window_ms = args.window_ms or loaded.window_ms or 300.0
    x, labels = load_test_split(T, window_ms, args.data, args.n_samples)
    if x.shape[-1] != net.n_inputs:
        raise SpikePropError(f"the network reads {net.n_inputs} inputs but N-MNIST frames have {x.shape[-1]}")
    B = x.shape[1]
    chunk = args.chunk or (10 if backend == "lava" else 25)
    counts = [np.zeros((B, n)) for n in net.sizes[1:]]
    with_v = args.readout == "spikes+voltage"
    v_sum = np.zeros((B, net.n_outputs)) if with_v else None
    record = [-1] if with_v else False
    outputs = np.zeros((T, B, net.n_outputs), dtype=bool)
    timing = {"run_s": 0.0, "compile_s": 0.0, "total_s": 0.0}
    bar = tqdm(total=B, desc=f"{backend} {net.precision}", unit="sample", disable=args.no_progress or args.json)
    t0 = time.perf_counter()
    for i in range(0, B, chunk):
        xb = x[:, i:i + chunk]
        if backend == "lava":
            from export.lava.build import run_lava

            res = run_lava(net, xb, layer_spikes=True, record=record)
            timing["compile_s"] += res.timing.get("compile_s", 0.0) + res.timing.get("runtime_start_s", 0.0)
        else:
            from export.fallback import simulate

            res = simulate(net, xb, record=record)
        timing["run_s"] += res.timing.get("run_s", 0.0)
        for l, layer in enumerate(res.layers):
            counts[l][i:i + chunk] = layer["s"].sum(axis=0)
        outputs[:, i:i + chunk] = res.spikes
        if with_v:
            v_sum[i:i + chunk] = res.layers[-1]["v"].sum(axis=0)
        bar.update(xb.shape[1])
    bar.close()
    timing["total_s"] = time.perf_counter() - t0
    pred = predict_classes(counts[-1], v_sum)
    result = {
        "model": str(args.model), "network": net.summary(), "backend": backend, "precision": net.precision,
        "n_samples": int(B), "T": int(T), "readout": args.readout, "accuracy": float((pred == labels).mean()),
        "spikes_per_sample": [float(c.sum(axis=1).mean()) for c in counts],
        "ms_per_sample": 1e3 * timing["total_s"] / B, "ms_per_sample_run": 1e3 * timing["run_s"] / B,
        "lava_compile_s": timing["compile_s"] if backend == "lava" else None,
        "quantization_warnings": report.warnings if report else [],
    }
    if loaded.model is not None:
        ref, ref_v = torch_reference(loaded.model, x)
        ref_pred = predict_classes(ref[-1].sum(axis=0), ref_v.sum(axis=0) if with_v else None)
        result.update(
            torch_accuracy=float((ref_pred == labels).mean()),
            accuracy_drop_points=100.0 * float((ref_pred == labels).mean() - (pred == labels).mean()),
            prediction_agreement=float((ref_pred == pred).mean()),
            identical_output_spike_trains=float(np.mean([np.array_equal(ref[-1][:, b], outputs[:, b]) for b in range(B)])),
            torch_spikes_per_sample=[float(s.sum(axis=(0, 2)).mean()) for s in ref],
        )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    if report is not None:
        print(report)
    print(f"deploy {args.model}: {net.summary()} on {backend}, {B} test samples, T={T}")
    line = f"accuracy ({args.readout} readout): {100 * result['accuracy']:.1f}%"
    if "torch_accuracy" in result:
        line += (f"   torch (float64, same readout): {100 * result['torch_accuracy']:.1f}%"
                 f"   drop: {result['accuracy_drop_points']:+.1f} points")
    print(line)
    if "prediction_agreement" in result:
        print(f"agreement with torch: {100 * result['prediction_agreement']:.1f}% of predictions, "
              f"{100 * result['identical_output_spike_trains']:.1f}% of output spike trains identical")
    for l, c in enumerate(result["spikes_per_sample"]):
        ref = f" (torch {result['torch_spikes_per_sample'][l]:.1f})" if "torch_spikes_per_sample" in result else ""
        print(f"spikes per sample, layer {l}: {c:.1f}{ref}")
    extra = f", Lava compile/start {timing['compile_s']:.1f} s in total" if backend == "lava" else ""
    print(f"time per sample: {result['ms_per_sample']:.2f} ms (simulation {result['ms_per_sample_run']:.2f} ms{extra})")
    return 0
