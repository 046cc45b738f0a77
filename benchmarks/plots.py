"""PNG plots of the benchmark JSON files: training samples/s and peak RSS versus T (one line
per method, one panel per network), and deployment time per sample per backend.

    python benchmarks/plots.py [RESULTS_DIR]      # default: benchmarks/results
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STYLE = {"sp-voltage": ("tab:blue", "o"), "sp-surrogate": ("tab:green", "s"),
         "sp-two-compartment": ("tab:purple", "^"), "sp-dendritic": ("tab:purple", "v"), "bptt": ("tab:orange", "D"),
         "snntorch": ("tab:red", "x")}
LABEL = {"snntorch": "snntorch BPTT (tutorial loop)", "bptt": "BPTT (this project)"}


def _series(runs: list[dict], key: str) -> dict:
    """{network: {method: [(T, value), ...]}} from the successful runs."""
    out: dict = {}
    for r in runs:
        if "error" in r or key not in r:
            continue
        name = r["method"] if r.get("K") is None else f"{r['method']} K={r['K']}"
        out.setdefault(r["network"], {}).setdefault(name, []).append((r["T"], r[key]))
    return out


def _training_plot(runs: list[dict], key: str, ylabel: str, title: str, path: Path, log: bool) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = _series(runs, key)
    if not data:
        return None
    fig, axes = plt.subplots(1, len(data), figsize=(5.5 * len(data), 4), squeeze=False)
    for ax, (net, methods) in zip(axes[0], data.items()):
        for m, pts in methods.items():
            pts.sort()
            color, marker = STYLE.get(m.split(" ")[0], (None, "o"))
            style = ":" if m.endswith(" K=1") else "-"  # K=1: the same rule, updated every step
            ax.plot([t for t, _ in pts], [v for _, v in pts], style, marker=marker, color=color,
                    label=LABEL.get(m, m))
        ax.set_title(f"{net}")
        ax.set_xlabel("time steps T")
        ax.set_ylabel(ylabel)
        ax.set_xscale("log")
        ticks = sorted({t for pts in methods.values() for t, _ in pts})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.minorticks_off()
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3, which="both")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _deploy_plot(res: dict, path: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = [("torch float32", res.get("torch", {}).get("float32_per_sample_ms"))]
    for k in ("fallback_float", "fallback_fixed", "lava_float", "lava_fixed"):
        if res.get(k):
            bars.append((k.replace("_", " "), res[k]["per_sample_ms"]))
    bars = [(n, v) for n, v in bars if v]
    if not bars:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    colors = ["tab:gray", "tab:blue", "tab:cyan", "tab:red", "tab:orange"][: len(bars)]
    ax.barh([n for n, _ in bars], [v for _, v in bars], color=colors)
    for i, (_, v) in enumerate(bars):
        ax.text(v, i, f" {v:.3g} ms", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("time per sample (ms, log scale)")
    ax.set_title(f"deployment, {res.get('network')}, T={res.get('T')}, {res.get('n_samples')} samples")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def make_plots(results_dir: str | Path) -> list[Path]:
    d = Path(results_dir)
    made = []
    tr = d / "bench_training.json"
    if tr.exists():
        runs = json.loads(tr.read_text())["runs"]
        made.append(_training_plot(runs, "samples_per_s", "training samples/s (log)",
                                   "training speed versus T (batch 128, 2 threads)", d / "training_speed.png", True))
        made.append(_training_plot(runs, "peak_rss_mb", "peak RSS (MB)",
                                   "peak memory versus T (each configuration in its own process)",
                                   d / "training_memory.png", False))
    dp = d / "bench_deploy.json"
    if dp.exists():
        made.append(_deploy_plot(json.loads(dp.read_text()), d / "deploy_time.png"))
    return [p for p in made if p is not None]


if __name__ == "__main__":
    for f in make_plots(sys.argv[1] if len(sys.argv) > 1 else ROOT / "benchmarks" / "results"):
        print(f)
