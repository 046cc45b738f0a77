"""Deployment benchmark: the numpy fallback vs Lava, fixed point, side by side.

A 2312-512-512-10 LIF network (seeded random weights scaled to be active, quantised),
T=300, the same 20 N-MNIST test samples on both backends in one process:

* Lava: one run of 20 * 300 + 3 steps (samples back to back, per-layer resets); its
  build, compile and runtime start are reported apart from the per-step time;
* fallback: ``simulate`` on the 20 samples (best of several repeats) of the network
  ``prepare``d once (weights clipped and transposed: its counterpart of Lava's compile);
* torch: the float32 and float64 model on the same samples, for reference;
* bit-exactness: every layer's spikes must be identical between Lava and the fallback.

``--accuracy CHECKPOINT`` also measures the fixed-point accuracy drop against the torch
model on the 100 test samples (fallback, and Lava with ``--accuracy-lava``).
Results go to benchmarks/results/deploy.json and are printed.

    python benchmarks/bench_deploy.py            # full: T=300, 20 samples (~1-2 min of Lava)
    python benchmarks/bench_deploy.py --quick    # T=100, 5 samples
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.nmnist_subset import load_split  # noqa: E402
from export.fallback import prepare, simulate  # noqa: E402
from export.from_torch import from_torch  # noqa: E402
from export.quantize import quantize  # noqa: E402
from spikeprop.artifacts import load_network  # noqa: E402
from spikeprop.model import NetConfig, SpikingNet  # noqa: E402


def bench_model(sizes: list[int], gain: float, seed: int) -> SpikingNet:
    torch.manual_seed(seed)
    return SpikingNet(NetConfig(sizes=sizes, neuron="lif", beta=0.9, threshold=1.0, init_gain=gain)).eval()


def timed(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def torch_time(model: SpikingNet, x: np.ndarray, dtype: torch.dtype, repeats: int) -> float:
    m = model.to(dtype)
    xs = torch.from_numpy(x).to(dtype)
    with torch.no_grad():
        t, _ = timed(lambda: m(xs), repeats)
    model.float()
    return t


def speed(args: argparse.Namespace) -> dict:
    from export.lava import lava_available

    T, n = (100, 5) if args.quick else (args.T, args.n_samples)
    x_all, _ = load_split("test", T)
    x = x_all[:, :n]
    model = bench_model([2312, 512, 512, 10], args.gain, args.seed)
    q, report = quantize(from_torch(model))
    res: dict = {"network": q.summary(), "T": T, "n_samples": n,
                 "input_spikes_per_sample": float(x.sum() / n)}
    prep_t, prepared = timed(lambda: prepare(q), 1)
    fb_t, fb = timed(lambda: simulate(prepared, x), args.repeats)
    res["fallback"] = {"prepare_s": prep_t, "total_s": fb_t, "per_sample_ms": 1e3 * fb_t / n,
                       "spikes_per_sample": [float(l["s"].sum() / n) for l in fb.layers]}
    res["torch"] = {
        "float32_per_sample_ms": 1e3 * torch_time(model, x.astype(np.float32), torch.float32, args.repeats) / n,
        "float64_per_sample_ms": 1e3 * torch_time(model, x.astype(np.float64), torch.float64, args.repeats) / n,
    }
    if args.no_lava or not lava_available():
        res["lava"] = None
        res["note"] = "Lava not run (" + ("--no-lava" if args.no_lava else "lava-nc not installed") + ")"
        return res
    from export.lava.build import run_lava

    lv = run_lava(q, x, layer_spikes=True)
    tm = lv.timing
    res["lava"] = {
        "build_s": tm["build_s"], "compile_s": tm["compile_s"], "runtime_start_s": tm["runtime_start_s"],
        "run_s": tm["run_s"], "readback_s": tm["readback_s"], "steps": int(tm["steps"]),
        "per_step_ms": 1e3 * tm["per_step_s"], "per_sample_run_ms": 1e3 * tm["run_s"] / n,
        "per_sample_total_ms": 1e3 * tm["per_sample_s"],
    }
    res["bit_exact"] = bool(all(np.array_equal(a["s"], b["s"]) for a, b in zip(lv.layers, fb.layers)))
    res["speedup_per_sample_run"] = res["lava"]["per_sample_run_ms"] / res["fallback"]["per_sample_ms"]
    res["speedup_per_sample_total"] = res["lava"]["per_sample_total_ms"] / (
        res["fallback"]["per_sample_ms"] + 1e3 * prep_t / n)
    return res


def accuracy(args: argparse.Namespace) -> dict:
    net, model = load_network(args.accuracy)
    T = int(args.accuracy_T)
    x, y = load_split("test", T)
    with torch.no_grad():
        out, _ = model.double()(torch.from_numpy(x.astype(np.float64)))
    ref = out.sum(0).argmax(1).numpy()
    q, report = quantize(net)
    fx = simulate(q, x).counts().argmax(1)
    fl = simulate(net, x)
    res = {
        "checkpoint": Path(args.accuracy).name, "network": q.summary(), "T": T, "n_samples": int(len(y)),
        "torch_accuracy": float((ref == y).mean()),
        "fallback_float_accuracy": float((fl.counts().argmax(1) == y).mean()),
        "fallback_float_spikes_identical_to_torch": bool(np.array_equal(fl.spikes, out.numpy() != 0)),
        "fallback_fixed_accuracy": float((fx == y).mean()),
        "fixed_prediction_agreement": float((fx == ref).mean()),
        "quantization": str(report),
    }
    res["fixed_accuracy_drop_points"] = 100 * (res["torch_accuracy"] - res["fallback_fixed_accuracy"])
    if args.accuracy_lava:
        from export.lava.build import run_lava

        lv = run_lava(q, x)
        res["lava_fixed_accuracy"] = float((lv.counts().argmax(1) == y).mean())
        res["lava_fixed_identical_to_fallback"] = bool(np.array_equal(lv.spikes, simulate(q, x).spikes))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="T=100, 5 samples")
    ap.add_argument("--T", type=int, default=300)
    ap.add_argument("--n-samples", type=int, default=20, dest="n_samples")
    ap.add_argument("--gain", type=float, default=3.0, help="weight init gain (network activity)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-lava", action="store_true", dest="no_lava")
    ap.add_argument("--accuracy", metavar="CHECKPOINT", help="also measure the fixed-point accuracy drop")
    ap.add_argument("--accuracy-T", type=int, default=30, dest="accuracy_T")
    ap.add_argument("--accuracy-lava", action="store_true", dest="accuracy_lava")
    ap.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "results" / "deploy.json"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    res = {"machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine()},
           "speed": speed(args)}
    if args.accuracy:
        res["accuracy"] = accuracy(args)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(res, indent=2) + "\n")
    print(render(res))
    print(f"wrote {args.output}")
    return 0


def render(res: dict) -> str:
    s = res["speed"]
    lines = [f"deploy benchmark: {s['network']}, T={s['T']}, {s['n_samples']} N-MNIST test samples "
             f"({s['input_spikes_per_sample']:.0f} input spikes each)"]
    fb = s["fallback"]
    lines.append(f"  fallback fixed : {fb['per_sample_ms']:8.2f} ms/sample (prepare once: {fb['prepare_s']:.3f} s)")
    if s.get("lava"):
        lv = s["lava"]
        lines.append(f"  Lava fixed     : {lv['per_sample_run_ms']:8.1f} ms/sample running "
                     f"({lv['per_step_ms']:.2f} ms/step over {lv['steps']} steps); "
                     f"{lv['per_sample_total_ms']:.1f} ms/sample with build {lv['build_s']:.2f} s, "
                     f"compile {lv['compile_s']:.2f} s, start {lv['runtime_start_s']:.2f} s, "
                     f"readback {lv['readback_s']:.2f} s")
        lines.append(f"  speed-up       : {s['speedup_per_sample_run']:.0f}x per sample running "
                     f"({s['speedup_per_sample_total']:.0f}x including Lava's compile); "
                     f"bit-exact spikes, all layers: {s['bit_exact']}")
    else:
        lines.append(f"  Lava           : {s.get('note')}")
    tt = s["torch"]
    lines.append(f"  torch          : {tt['float32_per_sample_ms']:8.2f} ms/sample float32, "
                 f"{tt['float64_per_sample_ms']:.2f} float64")
    if "accuracy" in res:
        a = res["accuracy"]
        lines.append(f"  accuracy ({a['n_samples']} test samples, {a['network']}, T={a['T']}): torch "
                     f"{100 * a['torch_accuracy']:.1f}%, fixed {100 * a['fallback_fixed_accuracy']:.1f}% "
                     f"(drop {a['fixed_accuracy_drop_points']:+.1f} points, "
                     f"{100 * a['fixed_prediction_agreement']:.0f}% same predictions)"
                     + (f", Lava fixed {100 * a['lava_fixed_accuracy']:.1f}%" if "lava_fixed_accuracy" in a else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
