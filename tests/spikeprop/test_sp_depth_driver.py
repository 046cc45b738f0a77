"""benchmarks/sp_depth_study.py reads ``spikeprop train``'s metrics.jsonl the way best.pt is chosen."""
from pathlib import Path

from benchmarks.sp_depth_study import summarise


def rec(epoch: int, val: float, test: float) -> dict:
    return {"epoch": epoch, "val_acc": val, "test_acc": test, "rate": [0.01, 0.02, 0.3], "dead": [0.1, 0.0, 0.0]}


def test_summary_takes_the_first_best_validation_epoch_and_never_the_test():
    hist = [rec(1, 0.5, 0.9), rec(2, 0.8, 0.6), rec(3, 0.8, 0.7), rec(4, 0.7, 0.95)]
    s = summarise(hist)
    assert (s["best_epoch"], s["best_val"], s["best_val_test"]) == (2, 0.8, 0.6)
    assert (s["final_val"], s["final_test"]) == (0.7, 0.95)
    assert s["rate"] == [0.01, 0.02] and s["dead"] == [0.1, 0.0]  # hidden layers only


def row(lr: float | None, seed: int, best_val: float) -> dict:
    r = {"driver": "spikeprop train", "method": "sp-voltage", "sizes": "2312,512,512,10", "seed": seed,
         "sp_rate_layers": "feeding", "sp_rate_weight": 30.0, "best_val": best_val, "best_val_test": 0.5,
         "final_test": 0.5, "rate": [0.01, 0.02], "dead": [0.0, 0.0]}
    if lr is not None:
        r["lr"] = lr
    return r


def test_table_keeps_learning_rates_apart_and_reads_old_rows_as_5e_4():
    """Rows from before the lr column ran at lr 5e-4: pooled with explicit 5e-4 rows, never
    with 1e-3 rows (a pooled mean would mix two settings)."""
    from benchmarks.sp_depth_study import run_dir, table

    lines = table([row(None, 0, 0.80), row(5e-4, 1, 0.70), row(1e-3, 0, 0.90)]).splitlines()[2:]
    assert len(lines) == 2
    assert "| 0.0005 | 0,1 | 75.0 (10) |" in lines[0] and "| 0.001 | 0 | 90.0 |" in lines[1]
    assert run_dir(Path("r"), "2312,800,10", "bptt", "all", 30.0, 2).name == "2312-800-10_bptt_all_w30_s2"
    assert run_dir(Path("r"), "2312,800,10", "bptt", "all", 30.0, 2, 1e-3, "cuba_lif").name == \
        "2312-800-10_bptt_all_w30_lr0.001_cuba_lif_s2"
