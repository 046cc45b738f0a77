"""Learning throughput, Lava fixed point vs numpy fallback, on the same N-MNIST stream.

Networks: ``output`` (frozen 2312-200 random layer + plastic 200-10) and ``hidden`` (both layers
plastic). Reports learning steps/s (one step = one time step with the plasticity phase on),
Lava's build time apart from its run time, and whether the final weights are bit-identical.
Writes benchmarks/results/learning.json.  Usage: python benchmarks/bench_learning.py [--samples 5]
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
from export.learning.builders import build_network  # noqa: E402
from export.learning.fallback import run_learning_fixed  # noqa: E402
from export.learning.stream import target_stream  # noqa: E402
from spikeprop.onchip.data import load_spike_frames as load_frames  # noqa: E402


def bench(kind: str, samples: int, T: int) -> dict:
    x, y = load_frames("train", T)
    stream, target = x[:samples].reshape(-1, 2312), target_stream(y[:samples], T)
    net = build_network(kind)
    steps = len(stream)
    t0 = time.perf_counter()
    fb = run_learning_fixed(net, stream, target)
    fb_s = time.perf_counter() - t0
    row = {"network": kind, "sizes": [net.n_in] + [l.shape[0] for l in net.layers],
           "plastic_layers": [i for i, l in enumerate(net.layers) if l.plastic],
           "learning_steps": steps, "fallback_s": fb_s, "fallback_steps_per_s": steps / fb_s}
    if lava_available():
        from export.lava.learning import run_learning_lava

        t0 = time.perf_counter()
        lv = run_learning_lava(net, stream, target)
        row.update(lava_build_s=lv.build_s, lava_run_s=lv.run_s, lava_total_s=time.perf_counter() - t0,
                   lava_steps_per_s=steps / lv.run_s,
                   speedup_fallback_vs_lava_run=lv.run_s / fb_s,
                   weights_bit_exact=all(np.array_equal(a, b) for a, b, l in
                                         zip(fb.weights, lv.weights, net.layers) if l.plastic),
                   out_spikes_equal=bool(np.array_equal(fb.out_spikes, lv.out_spikes)))
    else:
        row["lava"] = "lava-nc not installed"
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--T", type=int, default=60)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "learning.json"))
    a = p.parse_args()
    rows = [bench(k, a.samples, a.T) for k in ("output", "hidden")]
    report = {"python": platform.python_version(), "machine": platform.machine(),
              "samples": a.samples, "T": a.T, "results": rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    print(f"{'network':8} {'steps':>6} {'fallback st/s':>14} {'lava st/s':>10} {'lava build s':>12} "
          f"{'speedup':>8} {'bit-exact':>9}")
    for r in rows:
        print(f"{r['network']:8} {r['learning_steps']:6d} {r['fallback_steps_per_s']:14.0f} "
              f"{r.get('lava_steps_per_s', float('nan')):10.1f} {r.get('lava_build_s', float('nan')):12.2f} "
              f"{r.get('speedup_fallback_vs_lava_run', float('nan')):8.1f} {str(r.get('weights_bit_exact', '-')):>9}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
