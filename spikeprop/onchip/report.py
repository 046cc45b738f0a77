"""The on-chip learning report on disk (learning.json, accuracy.png) and as text lines."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence


def plot_accuracy(curves: dict[str, tuple[Sequence[int], Sequence[float]]], path: str | Path,
                  chance: float = 0.1) -> None:
    """PNG of test accuracy over learning steps, one line per run: ``{label: (steps, test_acc)}``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (steps, test_acc) in curves.items():
        ax.plot(steps, [100 * a for a in test_acc], marker="o", ms=3, label=name)
    ax.axhline(100 * chance, color="gray", ls="--", lw=1, label="chance")
    ax.set_xlabel("learning steps (time steps with plasticity on)")
    ax.set_ylabel("accuracy on held-out N-MNIST samples (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_learning(report: dict[str, Any], out: str | Path) -> tuple[Path, Path]:
    """Write ``out``/learning.json and ``out``/accuracy.png; returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    layers = "all" if report["spec"]["layers"] == "all" else "output"
    label = (f"{report['spec'].get('rule', 'drtp')}, {layers} plastic ({report['backend']}, {report['precision']}), "
             f"{report.get('curve_on', 'test')}")
    plot_accuracy({label: (report["steps"], report.get("curve_acc") or report["test_acc"])}, str(out / "accuracy.png"))
    tmp = out / "learning.json.tmp"
    tmp.write_text(json.dumps(report, indent=1, default=str))
    tmp.replace(out / "learning.json")
    return out / "learning.json", out / "accuracy.png"


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Final accuracy (learned, frozen, checkpoint), speed and weight changes, one line each."""
    chance = report["chance"]
    line = (f"final test accuracy (spikes readout) {100 * report['final_test_acc']:.1f} % "
            f"(chance {100 * chance:.0f} %)")
    if "frozen_export_test_acc" in report:
        line += f"; frozen network via export {report['backend']}: {100 * report['frozen_export_test_acc']:.1f} %"
    lines = [line]
    if "torch_test_acc" in report:
        spikes = (f"; spikes readout: torch {100 * report['torch_test_acc_spikes']:.1f} %, fixed "
                  f"{100 * report['checkpoint_fixed_test_acc_spikes']:.1f} %") if "torch_test_acc_spikes" in report else ""
        lines.append(f"checkpoint (spikes+voltage readout, as deploy): torch {100 * report['torch_test_acc']:.1f} %, "
                     f"fixed {100 * report['checkpoint_fixed_test_acc']:.1f} %{spikes}")
    lines += [f"train accuracy (first 200): {100 * report['train_acc_200']:.1f} %; "
                   f"{report['learning_steps_per_s']:.0f} learning steps/s"]
    ph = report.get("phases")
    if ph and ph["target_steps"]:
        lines.append(f"phases per sample: {ph['target_steps']} target steps (learning off) + {ph['input_steps']} input "
                     f"steps (learning on after {ph['learn_skip']}); {ph['stream_steps']} steps streamed, "
                     f"{report['stream_steps_per_s']:.0f} steps/s")
    for w in report["weight_stats"]:
        lines.append(f"  layer {w['layer']} {w['shape']}: {100 * w['changed_frac']:.1f} % of weights changed, "
                     f"mean |dw| {w['mean_abs_dw']:.2f}, max |dw| {w['max_abs_dw']:.0f}, saturated "
                     f"{100 * w['saturated_frac']:.2f} %")
    return lines
