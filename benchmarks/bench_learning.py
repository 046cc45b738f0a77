"""Learning throughput, Lava fixed point vs numpy fallback, on the same N-MNIST stream.

Networks: ``sp-all`` (the ``sp`` rule, the default of ``spikeprop deploy --learn``: untrained
2312-200-10, every layer plastic, target phase + input phase per sample, per-sample clock) and
``drtp-output`` / ``drtp-hidden`` (the drtp rule: frozen random 2312-200 + plastic 200-10, and
both layers plastic). Reports learning steps/s (a step with the plasticity phase on: the input
phase; the sp rule also streams its target-phase steps, counted in ``stream_steps``), Lava's
build time apart from its run time, and whether the final weights are bit-identical.
Lava runs are kept short (a few samples; Lava runs ~100x slower than the fallback).
Writes benchmarks/results/learning.json.  Usage: python benchmarks/bench_learning.py [--samples 3]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from export.lava import lava_available  # noqa: E402
from export.learning import LearningSpec  # noqa: E402
from export.learning.adapters import to_learning_network  # noqa: E402
from export.learning.builders import build_network, untrained_network  # noqa: E402
from export.learning.fallback import run_learning_fixed  # noqa: E402
from export.learning.stream import sp_stream, target_stream  # noqa: E402
from spikeprop.onchip.data import load_spike_frames as load_frames  # noqa: E402


def _workload(kind: str, samples: int, T: int):
    """(learning network, input stream, target stream, per-sample clock, learning steps)."""
    x, y = load_frames("train", T, limit=samples)
    if kind == "sp-all":
        net = to_learning_network(untrained_network((2312, 200, 10)), LearningSpec.for_rule("sp", layers="all"))
        xs, tg = sp_stream(x, y, net.target_patterns, net.target_steps, label_delay=len(net.layers) - 1)
        return net, xs, tg, T + net.target_steps, samples * T
    net = build_network("output" if kind == "drtp-output" else "hidden")
    return net, x.reshape(-1, 2312), target_stream(y, T), 0, samples * T


def bench(kind: str, samples: int, T: int, lava: bool = True) -> dict:
    net, stream, target, reset, learning_steps = _workload(kind, samples, T)
    t0 = time.perf_counter()
    fb = run_learning_fixed(net, stream, target, reset_interval=reset)
    fb_s = time.perf_counter() - t0
    row = {"network": kind, "rule": "sp" if kind == "sp-all" else "drtp",
           "sizes": [net.n_in] + [l.shape[0] for l in net.layers],
           "plastic_layers": [i for i, l in enumerate(net.layers) if l.plastic],
           "stream_steps": len(stream), "learning_steps": learning_steps, "fallback_s": fb_s,
           "fallback_steps_per_s": learning_steps / fb_s}
    if lava and lava_available():
        from export.lava.learning import run_learning_lava

        t0 = time.perf_counter()
        lv = run_learning_lava(net, stream, target, reset_interval=reset)
        row.update(lava_build_s=lv.build_s, lava_run_s=lv.run_s, lava_total_s=time.perf_counter() - t0,
                   lava_steps_per_s=learning_steps / lv.run_s,
                   speedup_fallback_vs_lava_run=lv.run_s / fb_s,
                   weights_bit_exact=all(np.array_equal(a, b) for a, b, l in
                                         zip(fb.weights, lv.weights, net.layers) if l.plastic),
                   out_spikes_equal=bool(np.array_equal(fb.out_spikes, lv.out_spikes)))
    else:
        row["lava"] = "lava-nc not installed" if lava else "skipped (--no-lava)"
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--T", type=int, default=30)
    p.add_argument("--networks", default="sp-all,drtp-output,drtp-hidden")
    p.add_argument("--no-lava", action="store_true", help="fallback only")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "learning.json"))
    a = p.parse_args()
    rows = [bench(k, a.samples, a.T, not a.no_lava) for k in a.networks.split(",")]
    report = {"python": platform.python_version(), "machine": platform.machine(),
              "samples": a.samples, "T": a.T, "results": rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    print(f"{'network':12} {'steps':>6} {'fallback st/s':>14} {'lava st/s':>10} {'lava build s':>12} "
          f"{'speedup':>8} {'bit-exact':>9}")
    for r in rows:
        print(f"{r['network']:12} {r['learning_steps']:6d} {r['fallback_steps_per_s']:14.0f} "
              f"{r.get('lava_steps_per_s', float('nan')):10.1f} {r.get('lava_build_s', float('nan')):12.2f} "
              f"{r.get('speedup_fallback_vs_lava_run', float('nan')):8.1f} {str(r.get('weights_bit_exact', '-')):>9}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
