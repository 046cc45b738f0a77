"""The work behind ``spikeprop train``: configs from defaults, a file and options; the run
folder; resuming; training or cross-validation. The CLI only parses and prints."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spikeprop.config import INPUT_WIDTHS, TrainConfig, read_config_file
from spikeprop.errors import ConfigError, SpikePropError
from spikeprop.model import NetConfig

RESUME_CHANGES = ("epochs", "threads")  # the only settings a resumed run may change


@dataclass
class RunPlan:
    """What a ``spikeprop train`` will do: this model and config, into ``out``, optionally
    continuing the checkpoint ``resume_from``."""

    net_cfg: NetConfig
    cfg: TrainConfig
    out: Path
    resume_from: Path | None = None


def resolve_configs(net: dict[str, Any], train: dict[str, Any],
                    config_file: str | Path | None = None) -> tuple[NetConfig, TrainConfig]:
    """Defaults < ``config_file`` < ``net`` / ``train`` (only the options actually given)."""
    net_d, train_d = read_config_file(config_file) if config_file else ({}, {})
    net_d.update(net)
    train_d.update(train)
    if "sizes" not in net_d and train_d.get("dataset") in INPUT_WIDTHS:  # e.g. 784-800-10 for images
        net_d["sizes"] = [INPUT_WIDTHS[train_d["dataset"]], *NetConfig().sizes[1:]]
    try:
        return NetConfig.from_dict(net_d), TrainConfig.from_dict(train_d)
    except (ValueError, TypeError) as exc:  # a value of the wrong type, e.g. "T": "ten"
        raise ConfigError(str(exc)) from None


def plan_run(net_cfg: NetConfig, cfg: TrainConfig, out: str | Path | None = None,
             resume: str | Path | None = None, changes: dict[str, Any] | None = None) -> RunPlan:
    """Where the run goes. ``resume="auto"`` continues ``out/last.pt``, any other value that
    checkpoint, with its own configuration (``changes`` may set ``RESUME_CHANGES``).
    A new run refuses a folder that already holds one."""
    if not resume:
        folder = Path(out) if out else Path("runs") / f"{cfg.method}-{time.strftime('%Y%m%d-%H%M%S')}"
        if (folder / "last.pt").exists():
            raise SpikePropError(f"{folder} already holds a run; use --resume to continue it or choose another --out")
        return RunPlan(net_cfg, cfg, folder)
    from spikeprop.checkpoint import configs_of, load_checkpoint

    if resume == "auto" and not out:
        raise SpikePropError("--resume needs --out DIR (to find DIR/last.pt) or a checkpoint path")
    ckpt_path = Path(out) / "last.pt" if resume == "auto" else Path(resume)
    net_cfg, saved = configs_of(load_checkpoint(ckpt_path), ckpt_path)
    d = saved.to_dict()
    d.update({k: v for k, v in (changes or {}).items() if k in RESUME_CHANGES and v is not None})
    return RunPlan(net_cfg, TrainConfig.from_dict(d), Path(out) if out else ckpt_path.parent, ckpt_path)


def load_splits(cfg: TrainConfig, data_dir: str | None = None, progress: bool = False):
    """The ``(train, val, test)`` data sets of a run (``cfg.dataset``; see
    ``datasets.load_data``): ``val`` is ``cfg.val_fraction`` of the training samples
    (stratified, seeded; None at 0), ``test`` is only reported on."""
    from spikeprop import datasets
    from spikeprop.splits import split_dataset

    train = datasets.load_data("train", cfg, data_dir, progress)
    test = datasets.load_data("test", cfg, data_dir, progress)
    train, val = split_dataset(train, cfg.val_fraction, cfg.seed)
    return train, val, test


def start_trainer(plan: RunPlan, progress: bool = True):
    """The ``Trainer`` of a plan, already resumed from its checkpoint if it has one."""
    from spikeprop.trainer import Trainer

    trainer = Trainer(plan.net_cfg, plan.cfg, plan.out, progress)
    if plan.resume_from is not None:
        trainer.resume(plan.resume_from)
    return trainer


def cross_validate_run(plan: RunPlan, train, val, k: int, progress: bool = True) -> dict[str, Any]:
    """K-fold cross-validation over the training recordings (train + val; the test split is
    not used); each fold selects on a validation split of its own training part. Results
    also go to ``plan.out/cv.json``."""
    from spikeprop.trainer import cross_validate

    data = train if val is None else type(train).concat(train, val)  # SparseDataset or EncodedImages
    if not 2 <= k <= len(data):
        raise SpikePropError(f"--cv must be between 2 and the number of training recordings ({len(data)}), got {k}")
    return cross_validate(plan.net_cfg, plan.cfg, data, k, plan.out, progress)
