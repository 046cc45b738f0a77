"""``Trainer``: epochs, evaluation, metrics log, checkpoints and resume for any rule.

Determinism: the weights come from ``torch.manual_seed(seed)``, the batch order of
epoch e from its own generator seeded with (seed, e), rate-coded images' spikes from
(seed, e, sample), and nothing else is random, so
a run resumed from ``last.pt`` repeats exactly what an uninterrupted run would do.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch

from spikeprop.calibration import CALIBRATION_SAMPLES, calibrate_fixed_layers
from spikeprop.checkpoint import check_same_model, load_checkpoint, load_weights, save_checkpoint
from spikeprop.config import CLASSIFIER_METHODS, TrainConfig, net_config_for
from spikeprop.distributed import is_main, owns_samples, setup as setup_distributed, shard, sum_over_workers
from spikeprop.errors import ConfigError, NonFiniteLossError
from spikeprop.model import NetConfig, SpikingNet
from spikeprop.prediction import accuracies, collect_outputs, predict_classifier, predict_nearest, primary_mode
from spikeprop.rules import make_learner
from spikeprop.rules.signal import TargetSignal
from spikeprop.rules.sparse import SparseDataset


def epoch_order(n: int, seed: int, epoch: int, order: str = "shuffled") -> torch.Tensor:
    """Sample order of one epoch, a pure function of (seed, epoch); file order with ``order``
    "file" (``TrainConfig.order``: the on-chip rule streams as ``deploy --learn`` does)."""
    if order == "file":
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(int(seed) * 100_003 + int(epoch)))


def build(net_cfg: NetConfig, cfg: TrainConfig) -> tuple[SpikingNet, TargetSignal]:
    """The network and target signal of a run, initialised from ``cfg.seed``."""
    torch.manual_seed(cfg.seed)
    net = SpikingNet(net_config_for(cfg.method, net_cfg))
    signal = TargetSignal(cfg.n_classes, net.cfg.sizes[0], cfg.target_density, cfg.seed)
    return net, signal


class Trainer:
    """Trains one network; writes ``config.json``, ``metrics.jsonl``, ``last.pt``, ``best.pt``,
    ``curves.png`` into ``out`` (nothing when ``out`` is None)."""

    def __init__(self, net_cfg: NetConfig, cfg: TrainConfig, out: str | Path | None = None,
                 progress: bool = True, plot: bool = True) -> None:
        self.cfg = cfg
        setup_distributed()  # joins torchrun's workers when launched by it; no-op otherwise
        self.net, self.signal = build(net_cfg, cfg)
        self.net_cfg = self.net.cfg
        if self.net_cfg.sizes[-1] != cfg.n_classes and (cfg.output == "classifier" or cfg.method in CLASSIFIER_METHODS):
            raise ConfigError(f"the output layer must have {cfg.n_classes} units (one per class) "
                             f"for a classifier output; sizes end with {self.net_cfg.sizes[-1]}")
        self.learner = make_learner(self.net, self.signal, cfg)
        self.out = Path(out) if out is not None else None
        self.progress = progress and is_main()
        self.plot = plot
        self.epoch = 0  # epochs completed
        self.best = -1.0  # validation accuracy of best.pt (training accuracy without validation data)
        self.best_epoch = 0
        self.history: list[dict[str, Any]] = []

    # ---- persistence -------------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        return {
            "net": self.net_cfg.to_dict(), "train": self.cfg.to_dict(),
            "model": self.net.state_dict(), "signal": self.signal.state_dict(),
            "learner": self.learner.state_dict(), "epoch": self.epoch,
            "rng": torch.get_rng_state(), "best": self.best, "best_epoch": self.best_epoch,
            "history": self.history,
        }

    def resume(self, path: str | Path) -> None:
        """Continue from a checkpoint of this same model (weights, optimizer, epoch, RNG, log)."""
        ckpt = load_checkpoint(path)
        check_same_model(ckpt, self.net_cfg, path)
        load_weights(self.net, ckpt["model"], path)
        load_weights(self.signal, ckpt["signal"], path)
        self.learner.load_state_dict(ckpt.get("learner") or {})
        self.epoch = int(ckpt["epoch"])
        self.best = float(ckpt.get("best", -1.0))
        self.best_epoch = int(ckpt.get("best_epoch", 0))
        self.history = list(ckpt.get("history", []))
        if "rng" in ckpt:
            torch.set_rng_state(ckpt["rng"])
        if self.out is not None and is_main():  # drop log lines written after that checkpoint
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / "metrics.jsonl", "w") as f:
                for rec in self.history:
                    f.write(json.dumps(rec) + "\n")

    def write_config(self) -> None:
        if self.out is None or not is_main():
            return
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "config.json").write_text(json.dumps(
            {"net": self.net_cfg.to_dict(), "train": self.cfg.to_dict()}, indent=2) + "\n")

    # ---- training ----------------------------------------------------------------------
    def fit(self, train: SparseDataset, val: SparseDataset | None = None,
            test: SparseDataset | None = None) -> list[dict[str, Any]]:
        """Train until ``cfg.epochs`` epochs are done; returns the metrics history.

        ``best.pt`` is the epoch with the best accuracy on ``val`` (held out of the training
        data; see ``spikeprop.splits``), or on the training batches without ``val``. ``test`` is
        scored every epoch for reporting only: nothing is ever chosen on it."""
        self.write_config()
        gains = self.calibrate_shallow(train) if self.epoch == 0 else None
        while self.epoch < self.cfg.epochs:
            rec = self.train_epoch(train, val, test)
            if gains is not None:
                rec["hidden_gain"], gains = gains, None  # recorded once, in the first epoch's line
            self.history.append(rec)
            self.epoch += 1
            self.save(rec)
        return self.history

    def calibrate_shallow(self, train: SparseDataset) -> list[float] | None:
        """``shallow``: scale the fixed hidden layers so they respond to the data (before the
        first epoch; ``spikeprop.calibration``). Returns the per-layer gains, None otherwise."""
        if self.cfg.method != "shallow" or self.cfg.shallow_activity <= 0 or not len(train):
            return None
        x, _ = train.batch(torch.arange(min(CALIBRATION_SAMPLES, len(train))))
        fixed = [l < self.net.n_layers - 1 for l in range(self.net.n_layers)]
        return calibrate_fixed_layers(self.net, x.dense(), fixed, self.cfg.shallow_activity)

    def train_epoch(self, train: SparseDataset, val: SparseDataset | None = None,
                    test: SparseDataset | None = None) -> dict[str, Any]:
        cfg, e = self.cfg, self.epoch
        start = time.perf_counter()
        order = epoch_order(len(train), cfg.seed, e, cfg.order)
        if hasattr(train, "set_epoch"):  # encoded images: fresh rate-code noise, a function of (seed, e, sample)
            train.set_epoch(e)
        L = self.net.n_layers
        loss_sum = [0.0] * L
        counts = [torch.zeros(n) for n in self.net_cfg.sizes[1:]]
        n_steps, correct, seen = 0, 0, 0
        batches = [order[i:i + cfg.batch_size] for i in range(0, len(order), cfg.batch_size)]
        bar = _progress(batches, f"epoch {e + 1}/{cfg.epochs} {cfg.method}", self.progress)
        self.net.train()
        for i, ids in enumerate(bar):
            ids = shard(ids)  # this worker's part of the batch (all of it when alone)
            x, y = train.batch(ids)
            try:
                res = self.learner.train_batch(x, y)
            except NonFiniteLossError as exc:
                kept = f"last good checkpoint kept: {self.out / 'last.pt'} (epoch {self.epoch})" \
                    if self.out is not None and self.epoch > 0 else "no checkpoint written yet"
                raise NonFiniteLossError(f"{exc} at epoch {e + 1}, batch {i + 1}; training stopped; {kept}") from None
            if not owns_samples():
                continue  # a ghost shard (batch smaller than the workers): counts nothing
            for l in range(L):
                loss_sum[l] += res.losses[l] * len(ids)
                counts[l] += res.spike_counts[l]
            n_steps += res.n_steps
            mode = primary_mode(cfg)
            pred = (predict_nearest(res.output, res.target_output) if mode == "nearest"
                    else predict_classifier(res.output if mode == "classifier" else res.rate_output))
            correct += int((pred == y).sum())
            seen += len(ids)
            if hasattr(bar, "set_postfix_str"):
                rates = "/".join(f"{float(c.sum()) / max(1, n_steps * c.numel()):.3f}" for c in counts)
                bar.set_postfix_str(f"loss {sum(loss_sum) / seen:.3f} acc {correct / seen:.3f} rate {rates}")
        sums, counts = sum_over_workers(loss_sum + [n_steps, correct, seen], counts)  # global tallies
        *loss_sum, n_steps, correct, seen = sums
        rec: dict[str, Any] = {
            "epoch": e + 1,
            "method": cfg.method,
            "loss": [s / max(1, seen) for s in loss_sum],
            "train_acc": correct / max(1, seen),
            "train_rate": [float(c.sum()) / max(1, n_steps * c.numel()) for c in counts],
            "train_time_s": time.perf_counter() - start,
        }
        if val is not None and len(val):
            rec.update(self.evaluate(val, "val"))
        if test is not None and len(test):
            rec.update(self.evaluate(test, "test", neuron_stats=val is None or not len(val)))
        rec["time_s"] = time.perf_counter() - start
        return rec

    def evaluate(self, data: SparseDataset, split: str = "test", neuron_stats: bool = True) -> dict[str, Any]:
        """``{split}_acc`` (primary mode), ``{split}_modes`` (all modes) and, with
        ``neuron_stats``, the per-layer dead-neuron metrics measured on ``data``."""
        self.net.eval()
        out = collect_outputs(self.net, self.signal, self.cfg, data)
        accs = accuracies(out, self.cfg)
        if not neuron_stats:
            return {f"{split}_acc": accs[primary_mode(self.cfg)], f"{split}_modes": accs}
        layers = [st.summary(self.cfg.near_dead_rate, self.cfg.saturated_rate) for st in out.stats]
        return {
            f"{split}_acc": accs[primary_mode(self.cfg)],
            f"{split}_modes": accs,
            "rate": [l["rate"] for l in layers],
            "dead": [l["dead"] for l in layers],
            "near_dead": [l["near_dead"] for l in layers],
            "saturated": [l["saturated"] for l in layers],
            "layers": layers,
        }

    def save(self, rec: dict[str, Any]) -> None:
        score = rec.get("val_acc", rec["train_acc"])  # never the test accuracy
        improved = score > self.best
        if improved:
            self.best, self.best_epoch = score, rec["epoch"]
        if self.out is None or not is_main():
            return
        with open(self.out / "metrics.jsonl", "a") as f:
            f.write(json.dumps(rec) + "\n")
        payload = self.payload()
        save_checkpoint(self.out / "last.pt", payload)
        if improved:
            save_checkpoint(self.out / "best.pt", payload)
        if not self.plot:
            return
        try:
            from spikeprop.plots import plot_curves
            plot_curves(self.history, self.out / "curves.png")
        except Exception as exc:  # a plot must never stop training
            print(f"warning: could not draw curves.png: {exc}")


def _progress(items: list, desc: str, enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm
    return tqdm(items, desc=desc, leave=True, dynamic_ncols=True)


def selected_record(history: list[dict[str, Any]], best_epoch: int) -> dict[str, Any]:
    """The metrics line of the validation-selected epoch (the last one if none was selected)."""
    for rec in history:
        if rec["epoch"] == best_epoch:
            return rec
    return history[-1] if history else {}


def cross_validate(net_cfg: NetConfig, cfg: TrainConfig, data: SparseDataset, k: int,
                   out: str | Path | None = None, progress: bool = True) -> dict[str, Any]:
    """K-fold cross-validation over ``data`` (the training recordings). Each fold holds out
    1/k as its test part and takes its validation split from its own training part, so the
    fold's checkpoint is chosen without seeing the fold's test part. Reports each fold's test
    accuracy at the validation-selected epoch (``fold_acc``) and at the final epoch."""
    from spikeprop.splits import split_dataset

    order = epoch_order(len(data), cfg.seed, -1)
    folds = torch.tensor_split(order, k)
    accs, finals = [], []
    for i, test_ids in enumerate(folds):
        train_ids = torch.cat([f for j, f in enumerate(folds) if j != i])
        fold_out = Path(out) / f"fold{i + 1}" if out is not None else None
        tr = Trainer(net_cfg, cfg, fold_out, progress)
        train, val = split_dataset(data.subset(train_ids), cfg.val_fraction, cfg.seed, cfg.order)
        hist = tr.fit(train, val, data.subset(test_ids))
        accs.append(selected_record(hist, tr.best_epoch).get("test_acc", float("nan")))
        finals.append(hist[-1]["test_acc"] if hist else float("nan"))
    t, tf = torch.tensor(accs), torch.tensor(finals)
    res = {"k": k, "fold_acc": accs, "mean": float(t.mean()), "std": float(t.std()) if k > 1 else 0.0,
           "fold_acc_final": finals, "mean_final": float(tf.mean()),
           "std_final": float(tf.std()) if k > 1 else 0.0, "method": cfg.method,
           "val_fraction": cfg.val_fraction, "selection": "validation split of each fold's training part"}
    if out is not None and is_main():
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "cv.json").write_text(json.dumps(res, indent=2) + "\n")
    return res
