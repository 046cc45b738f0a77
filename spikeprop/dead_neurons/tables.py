"""``results.csv`` (one row per run, every number) and ``results.md`` (the readable table)."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from spikeprop.dead_neurons.results import RunResult, hidden_layers, recovery_epoch
from spikeprop.dead_neurons.spec import StudySpec


def row_of(res: RunResult, spec: StudySpec) -> dict[str, Any]:
    """The CSV row of one run; a failed run keeps its identity, status and error only."""
    row: dict[str, Any] = {"setting": res.setting, "method": res.method, "seed": res.seed,
                           "status": res.status, "error": res.error}
    if not res.ok or not res.history:
        return row
    first, last = res.history[0], res.history[-1]
    rec = recovery_epoch(res.history, spec.recovery_level)
    row.update({
        "epochs": last["epoch"],
        "acc_start": round(first["test_acc"], 4),
        "acc_end": round(last["test_acc"], 4),
        "acc_best": round(max(r["test_acc"] for r in res.history), 4),
        "recovery_epoch": "" if rec is None else rec,
        "time_s": round(res.time_s, 1),
    })
    for l in range(len(first["dead"])):
        for key in ("dead", "near_dead", "saturated", "rate"):
            row[f"{key}_L{l + 1}_start"] = round(first[key][l], 4)
            row[f"{key}_L{l + 1}_end"] = round(last[key][l], 4)
    return row


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    # keep error last: it is free text
    cols = [c for c in cols if c != "error"] + ["error"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def pct(x: float) -> str:
    return f"{100 * x:.1f}"


def markdown(results: list[RunResult], spec: StudySpec, meta: dict[str, Any] | None = None) -> str:
    """The study table as markdown, preceded by the settings it was measured with."""
    n_layers = len(spec.sizes) - 1
    hidden = hidden_layers(n_layers)
    lvl = f"{100 * spec.recovery_level:g} %"
    meta = meta or {}
    lines = [
        f"Network {'-'.join(map(str, spec.sizes))} {spec.neuron} (sp-dendritic, drtp-two-compartment: "
        f"two_compartment neurons), T={spec.T} bins over {spec.window_ms:g} ms, {spec.epochs} epochs, batch "
        f"{spec.batch_size}, Adam lr {spec.lr:g}, seed(s) {', '.join(map(str, spec.seeds))}; "
        f"data: {meta.get('n_train', '?')} train / {meta.get('n_test', '?')} test recordings "
        f"({spec.data_dir or 'embedded N-MNIST subset'}).",
        f"Settings: *normal* = threshold 1, bias 0; *high-threshold* = threshold {spec.stress_threshold:g}, bias 0; "
        f"*negative-bias* = threshold 1, bias {spec.stress_bias:g} per step (both stress settings start most "
        f"hidden neurons silent).",
        f"Dead = no spike on any step of any test recording; near-dead = below {spec.near_dead_rate:g} "
        f"spikes/step. *Recovery* = first epoch at which every hidden layer's dead fraction is <= {lvl} "
        f"(0 = already at the start, 'never' = not within {spec.epochs} epochs). "
        f"Layer {n_layers} is the output layer (read out through its voltage, so its own spikes are not needed).",
        "",
    ]
    head = ["setting", "method", "test acc % start -> end"]
    for l in range(n_layers):
        tag = "hidden" if l in hidden and n_layers > 1 else "output"
        head.append(f"dead L{l + 1} ({tag}) % start -> end")
    head += [f"near-dead L{hidden[0] + 1} % end", f"rate L{hidden[0] + 1} end", f"recovery (dead <= {lvl})", "time s"]
    if len(spec.seeds) > 1:
        head.insert(2, "seed")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join("---" for _ in head) + "|")
    for r in results:
        cells = [r.setting, r.method]
        if len(spec.seeds) > 1:
            cells.append(str(r.seed))
        if not r.ok or not r.history:
            cells.append(f"FAILED: {r.error}")
            cells += [""] * (len(head) - len(cells))
        else:
            first, last = r.history[0], r.history[-1]
            cells.append(f"{pct(first['test_acc'])} -> **{pct(last['test_acc'])}**")
            for l in range(n_layers):
                cells.append(f"{pct(first['dead'][l])} -> **{pct(last['dead'][l])}**")
            rec = recovery_epoch(r.history, spec.recovery_level)
            cells += [pct(last["near_dead"][hidden[0]]), f"{last['rate'][hidden[0]]:.4f}",
                      "never" if rec is None else str(rec), f"{r.time_s:.0f}"]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    if meta.get("time_s") is not None:
        lines += ["", f"Whole study: {meta['time_s']:.0f} s."]
    return "\n".join(lines) + "\n"


def write_tables(results: list[RunResult], spec: StudySpec, out: Path, meta: dict[str, Any] | None = None) -> None:
    write_csv([row_of(r, spec) for r in results], out / "results.csv")
    (out / "results.md").write_text(markdown(results, spec, meta))
