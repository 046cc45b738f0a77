"""SP at depth, studied on a validation split held out of the embedded training recordings.

Trains one configuration on 90 % of the 1,000 training recordings and scores the other
10 % (stratified, seed-fixed split, independent of the run's seed) after every epoch;
prints one JSON line per run with per-epoch validation accuracy, hidden firing rates and
dead fractions. ``--test`` additionally scores the 100 test recordings once, with the
validation-selected epoch's weights and the final weights (reporting only).

    python benchmarks/sp_depth_study.py --method sp-voltage --sizes 2312,512,512,10 --epochs 5
    python benchmarks/sp_depth_study.py --method sp-voltage --set sp_v_floor=None --epochs 5

``--set key=value`` overrides any TrainConfig field (value parsed as JSON, ``None`` allowed).
"""
from __future__ import annotations

import argparse
import copy
import json
import time

import torch

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from spikeprop.rules.sparse import SparseDataset
from spikeprop.trainer import Trainer, load_dataset


def stratified_split(labels: torch.Tensor, fraction: float, seed: int = 1234) -> tuple[torch.Tensor, torch.Tensor]:
    """(train ids, val ids): ``fraction`` of every class to validation, seed-fixed."""
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in labels.unique():
        ids = torch.nonzero(labels == c).flatten()
        ids = ids[torch.randperm(len(ids), generator=g)]
        val.append(ids[: int(round(fraction * len(ids)))])
    val_ids = torch.sort(torch.cat(val)).values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[val_ids] = False
    return torch.nonzero(mask).flatten(), val_ids


def parse_value(text: str):
    if text == "None":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def run(args: argparse.Namespace) -> dict:
    torch.set_num_threads(1)
    data = load_dataset("train", args.T, 300.0)
    tr_ids, val_ids = stratified_split(data.labels, args.val_fraction)
    train, val = data.subset(tr_ids), data.subset(val_ids)
    overrides = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
    cfg = TrainConfig(method=args.method, T=args.T, epochs=args.epochs, seed=args.seed, threads=1, **overrides)
    net_cfg = NetConfig(sizes=[int(s) for s in args.sizes.split(",")], neuron=args.neuron)
    trainer = Trainer(net_cfg, cfg, out=None, progress=False, plot=False)
    best_acc, best_state = -1.0, None
    hist = []
    start = time.perf_counter()
    while trainer.epoch < cfg.epochs:  # Trainer.fit, epoch by epoch, keeping the best-on-val weights
        rec = trainer.train_epoch(train, val)
        trainer.history.append(rec)
        trainer.epoch += 1
        hist.append({"epoch": rec["epoch"], "val": round(rec["test_acc"], 4),
                     "rate": [round(r, 4) for r in rec["rate"][:-1]],
                     "dead": [round(d, 3) for d in rec["dead"][:-1]],
                     "train_rate": [round(r, 4) for r in rec["train_rate"][:-1]]})
        if rec["test_acc"] > best_acc:
            best_acc, best_state = rec["test_acc"], copy.deepcopy(trainer.net.state_dict())
        if args.verbose:
            print(json.dumps(hist[-1]), flush=True)
    res = {"method": args.method, "sizes": args.sizes, "neuron": args.neuron, "seed": args.seed,
           "set": overrides, "epochs": cfg.epochs, "best_val": round(best_acc, 4),
           "final_val": hist[-1]["val"] if hist else None, "time_s": round(time.perf_counter() - start, 1),
           "history": hist}
    if args.test:
        test = load_dataset("test", args.T, 300.0)
        res["final_test"] = round(trainer.evaluate(test)["test_acc"], 4)
        trainer.net.load_state_dict(best_state)
        res["best_val_test"] = round(trainer.evaluate(test)["test_acc"], 4)
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", default="sp-voltage")
    p.add_argument("--sizes", default="2312,512,512,10")
    p.add_argument("--neuron", default="lif")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--T", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--set", action="append", default=[], help="TrainConfig override key=value")
    p.add_argument("--test", action="store_true", help="also score the test split once (reporting only)")
    p.add_argument("--out", help="append the JSON result line to this file")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    res = run(args)
    line = json.dumps(res)
    print(line)
    if args.out:
        with open(args.out, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
