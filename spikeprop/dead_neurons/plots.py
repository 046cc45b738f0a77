"""The study's PNGs: dead fraction over epochs, firing-rate and voltage histograms,
accuracy versus dead fraction. Matplotlib (Agg) only, imported here."""
from __future__ import annotations

from pathlib import Path

from spikeprop.dead_neurons.results import RunResult, hidden_layers
from spikeprop.dead_neurons.spec import StudySpec

LAYER_STYLES = ("-", "--", "-.", ":")
MIN_RATE = 1e-4  # rates below this (but > 0) go into the lowest non-zero bin


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _colors(methods: list[str]) -> dict[str, str]:
    cycle = ["tab:red", "tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:brown", "tab:gray"]
    return {m: cycle[i % len(cycle)] for i, m in enumerate(methods)}


def _save(fig, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=90)
    tmp.replace(path)


def plot_dead_over_epochs(results: list[RunResult], spec: StudySpec, path: Path) -> None:
    plt = _plt()
    ok = [r for r in results if r.ok and r.history]
    colors = _colors(spec.methods)
    n_layers = len(spec.sizes) - 1
    fig, axes = plt.subplots(1, len(spec.settings), figsize=(5.4 * len(spec.settings), 4.2), squeeze=False)
    for ax, setting in zip(axes[0], spec.settings):
        for r in (r for r in ok if r.setting == setting):
            ep = [h["epoch"] for h in r.history]
            for l in range(n_layers):
                label = f"{r.method}" + (f" L{l + 1}" if n_layers > 1 else "")
                if len(spec.seeds) > 1:
                    label += f" s{r.seed}"
                ax.plot(ep, [100 * h["dead"][l] for h in r.history], LAYER_STYLES[min(l, 3)],
                        color=colors[r.method], marker="o", ms=3, label=label,
                        alpha=1.0 if l in hidden_layers(n_layers) else 0.45)
        ax.axhline(100 * spec.recovery_level, color="k", lw=0.8, ls=":", label="recovery level")
        ax.set_title(f"{setting}: dead neurons per layer (test set; faint = output layer)", fontsize=9)
        ax.set_xlabel("epoch (0 = before training)")
        ax.set_ylabel("dead %")
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.06 + 0.03 * (len(labels) // 6), 1, 1))
    _save(fig, path)
    plt.close(fig)


def _rate_bins():
    import numpy as np
    lo = np.log10(MIN_RATE)
    return np.linspace(lo, 0.0, 17)


def plot_rate_hists(results: list[RunResult], spec: StudySpec, path: Path) -> None:
    """Per (setting, method): firing rates of the hidden neurons at start (grey) and end.

    Rates are spikes per step on a log axis; dead neurons (rate 0) get their own bar at
    the left, labelled 'dead'."""
    import numpy as np

    plt = _plt()
    colors = _colors(spec.methods)
    layers = hidden_layers(len(spec.sizes) - 1)
    bins = _rate_bins()
    width = bins[1] - bins[0]
    dead_x = bins[0] - 2.5 * width
    rows, cols = len(spec.settings), len(spec.methods)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.6 * rows), squeeze=False, sharex=True)
    for i, setting in enumerate(spec.settings):
        for j, method in enumerate(spec.methods):
            ax = axes[i][j]
            runs = [r for r in results if r.setting == setting and r.method == method]
            run = next((r for r in runs if r.ok and r.rates_end), None)
            ax.set_title(f"{setting} / {method}", fontsize=8)
            if run is None:
                ax.text(0.5, 0.5, "failed" if runs else "not run", ha="center", transform=ax.transAxes)
                continue
            for rates, color, label in ((run.rates_start, "0.6", "start"), (run.rates_end, colors[method], "end")):
                r = np.concatenate([np.asarray(rates[l], dtype=float) for l in layers])
                dead = float((r <= 0).mean()) * 100
                live = np.log10(np.clip(r[r > 0], MIN_RATE, 1.0))
                h, _ = np.histogram(live, bins=bins)
                h = 100 * h / max(1, len(r))
                ax.bar(bins[:-1], h, width=width, align="edge", color=color, alpha=0.55, label=label)
                ax.bar([dead_x], [dead], width=width, color=color, alpha=0.55, hatch="//")
            ax.set_xticks([dead_x, -4, -3, -2, -1, 0])
            ax.set_xticklabels(["dead", "1e-4", "1e-3", "0.01", "0.1", "1"], fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
            ax.axvline(np.log10(spec.near_dead_rate), color="k", lw=0.6, ls=":")
            if j == 0:
                ax.set_ylabel("% of hidden neurons", fontsize=8)
            if i == rows - 1:
                ax.set_xlabel("spikes / step", fontsize=8)
            ax.legend(fontsize=6)
    fig.suptitle("firing-rate distribution of hidden neurons, test set (dotted: near-dead rate)", fontsize=9)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_voltage_hists(results: list[RunResult], spec: StudySpec, path: Path) -> None:
    """Per (setting, method): distribution of v_pre - threshold of the first hidden layer."""
    import numpy as np

    from spikeprop.metrics import v_hist_edges

    plt = _plt()
    colors = _colors(spec.methods)
    layer = hidden_layers(len(spec.sizes) - 1)[0]
    edges = np.asarray(v_hist_edges())
    rows, cols = len(spec.settings), len(spec.methods)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.6 * rows), squeeze=False, sharex=True)
    for i, setting in enumerate(spec.settings):
        for j, method in enumerate(spec.methods):
            ax = axes[i][j]
            run = next((r for r in results if r.setting == setting and r.method == method and r.ok
                        and r.history and "layers" in r.history[0]), None)
            ax.set_title(f"{setting} / {method}", fontsize=8)
            if run is None:
                ax.text(0.5, 0.5, "no data", ha="center", transform=ax.transAxes)
                continue
            for rec, color, label in ((run.history[0], "0.6", "start"), (run.history[-1], colors[method], "end")):
                h = np.asarray(rec["layers"][layer]["v_hist"], dtype=float) * 100
                ax.stairs(h, edges, color=color, fill=True, alpha=0.5, label=label)
            ax.axvline(0.0, color="k", lw=0.8, ls=":")
            ax.tick_params(labelsize=7)
            if j == 0:
                ax.set_ylabel("% of (neuron, step)", fontsize=8)
            if i == rows - 1:
                ax.set_xlabel("v_pre - threshold (clipped)", fontsize=8)
            ax.legend(fontsize=6)
    fig.suptitle(f"membrane voltage relative to threshold, layer {layer + 1}, test set", fontsize=9)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_acc_vs_dead(results: list[RunResult], spec: StudySpec, path: Path) -> None:
    """Each run's path from epoch 0 (hollow) to the last epoch (filled): x = dead fraction
    of the hidden layers (mean over hidden layers), y = test accuracy."""
    plt = _plt()
    colors = _colors(spec.methods)
    markers = {"normal": "o", "high-threshold": "^", "negative-bias": "v"}
    layers = hidden_layers(len(spec.sizes) - 1)
    fig, ax = plt.subplots(figsize=(8.0, 5.6))
    for r in results:
        if not r.ok or not r.history:
            continue
        xs = [100 * sum(h["dead"][l] for l in layers) / len(layers) for h in r.history]
        ys = [100 * h["test_acc"] for h in r.history]
        c, m = colors[r.method], markers.get(r.setting, "s")
        ax.plot(xs, ys, "-", color=c, alpha=0.45, lw=1)
        ax.plot(xs[0], ys[0], m, mfc="none", mec=c, ms=7)
        ax.plot(xs[-1], ys[-1], m, color=c, ms=8, label=f"{r.setting} {r.method}"
                + (f" s{r.seed}" if len(spec.seeds) > 1 else ""))
    ax.set_xlabel("dead hidden neurons % (test set)")
    ax.set_ylabel("test accuracy %")
    ax.set_xlim(-2, 102)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.set_title("accuracy vs dead fraction (hollow: before training, filled: end)", fontsize=9)
    ax.legend(fontsize=6.5, ncol=2)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


PLOTS = {
    "dead_fraction.png": plot_dead_over_epochs,
    "rate_hist.png": plot_rate_hists,
    "voltage_hist.png": plot_voltage_hists,
    "acc_vs_dead.png": plot_acc_vs_dead,
}


def write_plots(results: list[RunResult], spec: StudySpec, out: Path) -> list[Path]:
    paths = []
    for name, fn in PLOTS.items():
        fn(results, spec, out / name)
        paths.append(out / name)
    return paths
