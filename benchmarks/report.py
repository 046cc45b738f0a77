"""The README's Performance section, generated from the benchmark JSON files.

Reads ``bench_training.json``, ``bench_deploy.json``, ``accuracy.json`` (or ``accuracy.md``)
and ``learning.json`` from a results folder (any may be missing) and writes
``performance.md`` there: tables with every figure and its ratio to snntorch BPTT / to Lava,
the goals met or missed, and the command that reproduces them.

    python benchmarks/report.py [RESULTS_DIR]      # default: benchmarks/results
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# "sp-two-compartment": results measured before the rename (the label-projection rule, now
# drtp-two-compartment; same cost per step as sp-dendritic)
METHOD_ORDER = ["sp-voltage", "sp-surrogate", "sp-dendritic", "sp-two-compartment", "bptt", "snntorch"]
METHOD_LABEL = {"snntorch": "snntorch BPTT (tutorial loop)", "bptt": "BPTT (this project)",
                "sp-voltage": "SP-voltage", "sp-surrogate": "SP-surrogate",
                "sp-dendritic": "SP two-compartment (sp-dendritic)",
                "sp-two-compartment": "two-compartment DRTP (measured as sp-two-compartment)"}


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _fmt(v: float) -> str:
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def _ok(flag: bool) -> str:
    return "**met**" if flag else "**missed**"


def machine_line(meta: dict) -> str:
    v = meta.get("versions", {})
    vers = ", ".join(f"{k} {v[k]}" for k in ("python", "torch", "snntorch", "numpy", "lava-nc") if v.get(k))
    load = meta.get("load_avg", [None])[0]
    s = f"{meta.get('cpu', '?')}, {meta.get('cpus', '?')} cores"
    if meta.get("memory_gb"):
        s += f", {meta['memory_gb']:.0f} GB"
    s += f"; {vers}; {meta.get('date', '?')}"
    if meta.get("git_commit"):
        s += f", commit {meta['git_commit']}"
    if load is not None:
        s += f"; 1-minute load average at start {load:.2f}"
        w = meta.get("load_wait")
        if w and not w.get("reached"):
            s += f" (the machine never went below {w['threshold']} in {w['waited_s'] / 60:.0f} min: " \
                 "speeds are pessimistic)"
    return s


def _label(r: dict) -> str:
    name = METHOD_LABEL.get(r["method"], r["method"])
    return name if r.get("K") is None else f"{name}, K={r['K']}"


def _rows(runs: list[dict]) -> list[tuple]:
    """(method, K) pairs in display order: SP rules (K=10 then K=1), then the BPTTs."""
    pairs = {(r["method"], r.get("K")) for r in runs}
    rank = {m: i for i, m in enumerate(METHOD_ORDER)}
    return sorted(pairs, key=lambda p: (rank.get(p[0], 99), -(p[1] or 0)))


def training_section(tr: dict, img_prefix: str) -> list[str]:
    runs = [r for r in tr.get("runs", []) if "error" not in r]
    failed = [r for r in tr.get("runs", []) if "error" in r]
    meta = tr.get("meta", {})
    nets = list(dict.fromkeys(r["network"] for r in tr.get("runs", [])))
    Ts = sorted({r["T"] for r in tr.get("runs", [])})
    get = {(r["method"], r.get("K"), r["network"], r["T"]): r for r in runs}
    n = max((r.get("samples", 0) for r in runs), default=0)
    lines = ["### Training: speed and memory versus T", "",
             f"Batch {meta.get('batch', 128)}, {meta.get('threads', 2)} threads, one whole epoch over {n} embedded "
             f"N-MNIST training recordings (input density {_density(runs)}) after one untimed warm-up batch; each "
             "configuration in its own process (`benchmarks/bench_training.py`). **Per epoch** = training samples / "
             "training time of the epoch, as `spikeprop train` runs it (batch assembly and per-batch metrics "
             "included, evaluation excluded); **best batch** = the fastest batch of that epoch. In brackets: the "
             "ratio to the plain snntorch BPTT loop / to this project's BPTT at the same T and network. K = SP's "
             "update window (default 10)." + _load_note(runs, meta), ""]
    for net in nets:
        lines += [f"**{net}**, training samples/s: per epoch (x snntorch / x own BPTT); best batch", "",
                  "| method | " + " | ".join(f"T={T}" for T in Ts) + " |", "|---|" + "---:|" * len(Ts)]
        for m, K in _rows(runs):
            cells = []
            for T in Ts:
                r = get.get((m, K, net, T))
                if not r:
                    cells.append("-")
                    continue
                ratio = ""
                if "epoch_ratio_vs_snntorch" in r:
                    ratio = f" ({r['epoch_ratio_vs_snntorch']:.1f}x" + (
                        f" / {r['epoch_ratio_vs_bptt']:.1f}x)" if "epoch_ratio_vs_bptt" in r else ")")
                cells.append(f"{_fmt(r['samples_per_s'])}{ratio}; {_fmt(r['samples_per_s_best_batch'])}")
            lines.append(f"| {_label({'method': m, 'K': K})} | " + " | ".join(cells) + " |")
        lines += ["", f"**{net}**, peak RSS (MB)", "",
                  "| method | " + " | ".join(f"T={T}" for T in Ts) + f" | growth T={Ts[0]} -> T={Ts[-1]} |",
                  "|---|" + "---:|" * (len(Ts) + 1)]
        for m, K in _rows(runs):
            cells = [(_fmt(get[(m, K, net, T)]["peak_rss_mb"]) if (m, K, net, T) in get else "-") for T in Ts]
            a, b = get.get((m, K, net, Ts[0])), get.get((m, K, net, Ts[-1]))
            growth = f"{100 * (b['peak_rss_mb'] / a['peak_rss_mb'] - 1):+.0f} %" if a and b and Ts[0] != Ts[-1] else "-"
            lines.append(f"| {_label({'method': m, 'K': K})} | " + " | ".join(cells) + f" | {growth} |")
        lines.append("")
    evals = [r for r in runs if "eval_s" in r and r["T"] == 100 and r["network"] == nets[0]]
    if evals:
        lines += ["Evaluation, timed apart (test split, " + str(evals[0]["eval_samples"]) + " recordings, T=100, "
                  f"{nets[0]}): " + ", ".join(f"{_label(r)} {r['eval_samples'] / r['eval_s']:.0f} samples/s"
                                              for r in evals) + ".", ""]
    if failed:
        lines += ["Failed configurations: " + "; ".join(
            f"{_label(r)} {r['network']} T={r['T']} ({r['error']})" for r in failed), ""]
    lines += [f"![training samples/s versus T]({img_prefix}training_speed.png)",
              f"![peak RSS versus T]({img_prefix}training_memory.png)", ""]
    return lines


def _load_note(runs: list[dict], meta: dict) -> str:
    loads = [r[k] for r in runs for k in ("load_avg_1min_start", "load_avg_1min_end") if k in r]
    if not loads:
        return ""
    note = (f" 1-minute load average while the configurations ran: {min(loads):.1f}-{max(loads):.1f} on "
            f"{meta.get('cpus', '?')} cores, the measured process's own {meta.get('threads', '?')} threads included")
    rounds = [r.get("rounds", 1) for r in runs]
    if max(rounds) > 1:
        note += f"; configurations measured in up to {max(rounds)} rounds, the median round kept"
    threads = meta.get("threads", 1)
    if max(loads) > threads + 0.5:  # a configuration's own threads count in the load average
        note += (" (other jobs shared the machine: absolute speeds are pessimistic, and ratios are only as "
                 "good as the load was even between the two configurations compared)")
    return note + "."


def _density(runs: list[dict]) -> str:
    d = sorted({(r["T"], round(100 * r["input_density"], 1)) for r in runs if "input_density" in r})
    return ", ".join(f"{p} % at T={T}" for T, p in d) or "?"


def goals_section(tr: dict | None, dp: dict | None) -> list[str]:
    lines = ["### Goals", ""]
    s = (tr or {}).get("summary", {})
    g = s.get("goal_sp_5x_snntorch_epoch_T100")
    if g:
        spread = g.get("round_ratios", {})
        ratios = ", ".join(f"{k} {v:.2f}x" + (" (per round " + ", ".join(f"{x:.1f}" for x in spread[k]) + ")"
                                              if spread.get(k) else "") for k, v in g["ratios"].items())
        lines.append(f"- SP >= 5x the snntorch BPTT loop, whole epochs, T=100, {g['network']}, default K=10: "
                     f"{_ok(g['met_at_default_K'])}; moonshot 10x: {_ok(g['moonshot_10x'])} ({ratios}).")
    g = s.get("goal_sp_rss_flat")
    if g:
        growth = ", ".join(f"{k} {100 * v:+.0f} %" for k, v in g["growth"].items())
        lines.append(f"- SP peak RSS flat in T (T=300 within 15 % of T=25, every SP rule): {_ok(g['met'])} ({growth}).")
    g = (dp or {}).get("goal_fallback_100x_lava_identical")
    if g:
        lines.append(f"- Fallback >= 100x faster than Lava with identical spikes (fixed point): {_ok(g['met'])} "
                     f"({g['speedup_fixed']:.0f}x, spikes identical in every layer: {g['identical_fixed']}).")
    return lines + [""] if len(lines) > 2 else []


def deploy_section(dp: dict, img_prefix: str) -> list[str]:
    if "error" in dp:
        return ["### Deployment", "", f"Deploy benchmark failed: {dp['error']}", ""]
    n = dp["n_samples"]
    lines = ["### Deployment: time per sample", "",
             f"{dp['network']} LIF ({dp.get('model', 'seeded random weights')}), T={dp['T']}, {n} N-MNIST test "
             f"samples ({dp['input_spikes_per_sample']:.0f} input spikes each), {dp.get('threads', 2)} threads; "
             "Lava: samples back to back in one run, compile/start-up reported apart.", "",
             "| backend | ms per sample | speed-up vs Lava (same precision) | spikes identical to Lava |",
             "|---|---:|---:|---|"]
    sp = dp.get("speedup_vs_lava", {})
    t = dp["torch"]["float32_per_sample_ms"]
    lines.append(f"| torch inference (float32) | {_fmt(t)} | "
                 + (f"{sp['torch_float32_vs_lava_float']:.1f}x vs Lava float |" if "torch_float32_vs_lava_float" in sp else "- |")
                 + " (float model) |")
    for prec in ("float", "fixed"):
        fb, lv = dp.get(f"fallback_{prec}"), dp.get(f"lava_{prec}")
        if fb:
            ratio = sp.get(f"fallback_{prec}_vs_lava_{prec}")
            same = lv.get("spikes_identical_to_fallback") if lv else None
            lines.append(f"| numpy fallback, {prec} | {_fmt(fb['per_sample_ms'])} | "
                         + (f"**{ratio:.0f}x**" if ratio else "-") + f" | {same if same is not None else '-'} |")
    for prec in ("float", "fixed"):
        lv = dp.get(f"lava_{prec}")
        if lv:
            lines.append(f"| Lava (Loihi2SimCfg), {prec} | {_fmt(lv['per_sample_ms'])} | 1x | - |")
    compile_rows = [(p, dp[f"lava_{p}"]) for p in ("float", "fixed") if dp.get(f"lava_{p}")]
    if compile_rows:
        lines += ["", "Lava one-off costs per run: " + "; ".join(
            f"{p}: build {lv['build_s']:.2f} s, compile {lv['compile_s']:.2f} s, runtime start "
            f"{lv['runtime_start_s']:.2f} s ({lv['per_step_ms']:.2f} ms per time step)" for p, lv in compile_rows)
            + ". Fallback one-off cost (prepare): " + ", ".join(
            f"{p} {1e3 * dp[f'fallback_{p}']['prepare_s']:.0f} ms" for p in ("float", "fixed")
            if dp.get(f"fallback_{p}")) + "."]
        inc = sp.get("fallback_fixed_vs_lava_fixed_incl_compile")
        if inc:
            lines.append(f"Including those one-off costs the fixed-point fallback is {inc:.0f}x faster per sample.")
    elif dp.get("lava_note"):
        lines += ["", dp["lava_note"] + "."]
    lines += ["", f"![deployment time per sample]({img_prefix}deploy_time.png)", ""]
    return lines


def accuracy_section(results: Path) -> list[str]:
    md = results / "accuracy.md"
    acc = _load(results / "accuracy.json")
    if not md.exists() and not acc:
        return []
    lines = ["### Accuracy on the embedded N-MNIST subset", ""]
    if acc and "meta" in acc:
        m = acc["meta"]
        quick = bool(m.get("quick"))
        cmd = "python benchmarks/accuracy_table.py" + (" --quick" if quick else "")
        lines += [f"{m.get('epochs')} epochs, measured {m.get('when', '')}; produced by "
                  f"`{cmd}` and merges of single cells (`--merge`; `./run bench --only accuracy"
                  f"{' --quick' if quick else ''}` reruns it when its JSON is missing, else reuses it).", ""]
    if md.exists():
        lines += md.read_text().strip().splitlines()
    else:
        lines += ["| method | test acc. (mean +- std) |", "|---|---|"]
        for depth, cells in acc.get("cells", {}).items():
            for name, r in cells.items():
                a = r.get("selected") or {"mean": float("nan"), "std": float("nan")}
                lines.append(f"| {depth} {name} | {100 * a['mean']:.1f} +- {100 * a['std']:.1f} |")
    return lines + [""]


def learning_section(lr: dict) -> list[str]:
    rows = lr.get("results", [])
    if not rows:
        return []
    lines = ["### On-chip-style learning: fallback vs Lava (fixed point)", "",
             "Learning steps = input-phase steps (the sp rule also streams its target phase).", "",
             f"{lr.get('samples')} samples x T={lr.get('T')} learning steps.", "",
             "| network | fallback steps/s | Lava steps/s | speed-up | weights bit-exact |", "|---|---:|---:|---:|---|"]
    for r in rows:
        lv = r.get("lava_steps_per_s")
        sp = r.get("speedup_fallback_vs_lava_run")
        lines.append(f"| {r['network']} {'-'.join(map(str, r['sizes']))} | {_fmt(r['fallback_steps_per_s'])} | "
                     f"{_fmt(lv) if lv else '-'} | {f'{sp:.0f}x' if sp else '-'} | {r.get('weights_bit_exact', '-')} |")
    return lines + [""]


def _relative_to_root(d: Path) -> str:
    """``d`` relative to the checkout with a trailing slash, or "" if it lies outside."""
    try:
        rel = os.path.relpath(d.resolve(), ROOT)
    except ValueError:
        return ""
    return "" if rel.startswith("..") else rel.rstrip("/") + "/"


def render(results: str | Path, command: str = "./run bench --only training,deploy",
           img_prefix: str = "") -> str:
    """The Markdown section; image links are ``img_prefix`` + file name (README: the folder)."""
    d = Path(results)
    tr, dp, lr = _load(d / "bench_training.json"), _load(d / "bench_deploy.json"), _load(d / "learning.json")
    meta = (tr or dp or {}).get("meta", {})
    lines = ["## Performance", "",
             "Generated by `benchmarks/report.py` from the JSON files in "
             f"`{_relative_to_root(d) or str(d)}`. Reproduce (from a source checkout, ~15 min on 2 cores):", "",
             f"    {command}", ""]
    if meta:
        lines += [f"Machine: {machine_line(meta)}.", ""]
    lines += goals_section(tr, dp)
    if tr:
        lines += training_section(tr, img_prefix)
    if dp:
        lines += deploy_section(dp, img_prefix)
    lines += accuracy_section(d)
    if lr:
        lines += learning_section(lr)
    return "\n".join(lines).rstrip() + "\n"


README = ROOT / "README.md"
START, END = "<!-- performance:start (generated by benchmarks/report.py) -->", "<!-- performance:end -->"


def update_readme(section: str, readme: Path = README) -> bool:
    """Replace the README text between the performance markers; False if they are missing."""
    if not readme.exists():
        return False
    text = readme.read_text()
    i, j = text.find(START), text.find(END)
    if i < 0 or j < i:
        return False
    readme.write_text(text[:i + len(START)] + "\n" + section + text[j:])
    return True


def write_report(results: str | Path, command: str = "./run bench --only training,deploy") -> str:
    """Write ``performance.md`` into ``results``; for the checkout's own results folder, also
    regenerate the README's Performance section (so the README never drifts from the JSON)."""
    d = Path(results)
    md = render(d, command)
    (d / "performance.md").write_text(md)
    if d.resolve() == (ROOT / "benchmarks" / "results").resolve():
        update_readme(render(d, command, img_prefix=_relative_to_root(d)))
    return md


if __name__ == "__main__":
    print(write_report(sys.argv[1] if len(sys.argv) > 1 else ROOT / "benchmarks" / "results"))
