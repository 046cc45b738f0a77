"""benchmarks/sp_depth_study.py reads ``spikeprop train``'s metrics.jsonl the way best.pt is chosen."""
from benchmarks.sp_depth_study import summarise


def rec(epoch: int, val: float, test: float) -> dict:
    return {"epoch": epoch, "val_acc": val, "test_acc": test, "rate": [0.01, 0.02, 0.3], "dead": [0.1, 0.0, 0.0]}


def test_summary_takes_the_first_best_validation_epoch_and_never_the_test():
    hist = [rec(1, 0.5, 0.9), rec(2, 0.8, 0.6), rec(3, 0.8, 0.7), rec(4, 0.7, 0.95)]
    s = summarise(hist)
    assert (s["best_epoch"], s["best_val"], s["best_val_test"]) == (2, 0.8, 0.6)
    assert (s["final_val"], s["final_test"]) == (0.7, 0.95)
    assert s["rate"] == [0.01, 0.02] and s["dead"] == [0.1, 0.0]  # hidden layers only
