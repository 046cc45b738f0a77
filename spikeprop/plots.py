"""``curves.png``: loss per layer, accuracy, firing rate and dead fraction per layer, per epoch."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_curves(history: list[dict[str, Any]], path: str | Path) -> None:
    # matplotlib's object API with the Agg canvas, not pyplot: a file is all we write, and
    # pyplot's import (backend selection, its figure manager) was half the plot's cost
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not history:
        return
    ep = [r["epoch"] for r in history]
    fig = Figure(figsize=(16, 3.6))
    FigureCanvasAgg(fig)
    ax = fig.subplots(1, 4)
    n_layers = len(history[0]["loss"])
    for l in range(n_layers):
        ax[0].plot(ep, [r["loss"][l] for r in history], label=f"layer {l + 1}", marker=".")
    ax[0].set_title("loss per layer (per step)")
    ax[1].plot(ep, [r["train_acc"] for r in history], label="train", marker=".")
    for split in ("val", "test"):  # best.pt follows val; test is for reporting only
        if f"{split}_acc" in history[0]:
            ax[1].plot(ep, [r[f"{split}_acc"] for r in history], label=split, marker=".")
    ax[1].set_title("accuracy")
    ax[1].set_ylim(0, 1)
    key = "rate" if "rate" in history[0] else "train_rate"
    for l in range(n_layers):
        ax[2].plot(ep, [r[key][l] for r in history], label=f"layer {l + 1}", marker=".")
    ax[2].set_title("firing rate (spikes/step)")
    if "dead" in history[0]:
        for l in range(n_layers):
            color = f"C{l}"  # same colour per layer as in the other panels
            ax[3].plot(ep, [r["dead"][l] for r in history], color=color, label=f"layer {l + 1} dead", marker=".")
            ax[3].plot(ep, [r["near_dead"][l] for r in history], "--", color=color,
                       label=f"layer {l + 1} near-dead", marker=".")
        ax[3].set_ylim(-0.02, 1.02)
    ax[3].set_title("dead / near-dead fraction")
    for a in ax:
        a.set_xlabel("epoch")
        a.legend(fontsize=7)
        a.grid(alpha=0.3)
    fig.suptitle(history[0].get("method", ""))
    # fixed margins: tight_layout measured every text box and cost a third of the drawing time
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.14, top=0.86, wspace=0.22)
    path = Path(path)
    from spikeprop.rundir import temp_path_for

    tmp = temp_path_for(path, ".png")  # unique: concurrent writers never share a temp file
    fig.savefig(tmp, dpi=90)
    tmp.replace(path)
