"""The work behind ``spikeprop train``: configs from defaults, a file and options; the run
folder; resuming; training or cross-validation. The CLI only parses and prints."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

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
        net_cfg, cfg = NetConfig.from_dict(net_d), TrainConfig.from_dict(train_d)
    except (ValueError, TypeError) as exc:  # a value of the wrong type, e.g. "T": "ten"
        raise ConfigError(str(exc)) from None
    if cfg.epochs < 1:  # 0 used to exit 0 pointing at a best.pt that was never written
        raise ConfigError(f"epochs must be >= 1 (a run trains at least one epoch), got {cfg.epochs}")
    check_output_width(net_cfg, cfg)
    return net_cfg, cfg


def check_output_width(net_cfg: NetConfig, cfg: TrainConfig) -> None:
    """A classifier output needs one unit per class (checked before anything is loaded or written)."""
    if net_cfg.sizes[-1] != cfg.n_classes and (cfg.output == "classifier" or cfg.method in ("bptt", "bp-heaviside", "shallow")):
        raise ConfigError(f"--sizes: the last width must be {cfg.n_classes} (one unit per class) for a "
                          f"classifier output, got {net_cfg.sizes[-1]}")


def check_input_width(net_cfg: NetConfig, n_inputs: int, what: str = "N-MNIST") -> None:
    """The first layer width must be the data's input width (2312 for N-MNIST)."""
    if net_cfg.sizes[0] != n_inputs:
        raise ConfigError(f"--sizes: the first width must be the data's input width {n_inputs} ({what}), "
                          f"got {net_cfg.sizes[0]}")


def check_resume_conflicts(saved_net: NetConfig, saved: TrainConfig, given_net: dict[str, Any],
                           given_train: dict[str, Any]) -> None:
    """A resumed run keeps its checkpoint's configuration; an option that asks for something
    else (e.g. another --lr) is refused by name instead of being ignored."""
    theirs = {**saved_net.to_dict(), **saved.to_dict()}
    bad = [k for k, v in {**given_net, **given_train}.items()
           if k not in RESUME_CHANGES and k in theirs and _differs(v, theirs[k])]
    if bad:
        opts = ", ".join(f"--{k.replace('_', '-')} {given_train.get(k, given_net.get(k))!r} "
                         f"(checkpoint: {theirs[k]!r})" for k in bad)
        raise ConfigError(f"--resume continues the checkpoint's own configuration; these options conflict "
                          f"with it: {opts}. Drop them, or start a new run with another --out")


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) != float(b)
    return a != b


def plan_run(net_cfg: NetConfig, cfg: TrainConfig, out: str | Path | None = None,
             resume: str | Path | None = None, changes: dict[str, Any] | None = None,
             given: tuple[dict[str, Any], dict[str, Any]] | None = None) -> RunPlan:
    """Where the run goes. ``resume="auto"`` continues ``out/last.pt``, any other value that
    checkpoint, with its own configuration (``changes`` may set ``RESUME_CHANGES``; other
    ``given`` (net, train) options that differ from it are refused).
    A new run refuses a folder that already holds one."""
    if not resume:
        folder = Path(out) if out else Path("runs") / f"{cfg.method}-{time.strftime('%Y%m%d-%H%M%S')}"
        check_fresh_folder(folder)
        return RunPlan(net_cfg, cfg, folder)
    from spikeprop.checkpoint import configs_of, load_checkpoint

    if resume == "auto" and not out:
        raise SpikePropError("--resume needs --out DIR (to find DIR/last.pt) or a checkpoint path")
    ckpt_path = Path(out) / "last.pt" if resume == "auto" else Path(resume)
    net_cfg, saved = configs_of(load_checkpoint(ckpt_path), ckpt_path)
    if given is not None:
        check_resume_conflicts(net_cfg, saved, *given)
    d = saved.to_dict()
    d.update({k: v for k, v in (changes or {}).items() if k in RESUME_CHANGES and v is not None})
    return RunPlan(net_cfg, TrainConfig.from_dict(d), Path(out) if out else ckpt_path.parent, ckpt_path)


def check_fresh_folder(folder: Path, probe: bool = True) -> None:
    """A new run needs a folder without a run in it (checked again under the lock)."""
    from spikeprop.rundir import RunFolderBusy, lock_holder

    if folder.exists() and not folder.is_dir():
        raise SpikePropError(f"--out {folder}: exists and is not a folder")
    held = [n for n in ("last.pt", "config.json", "metrics.jsonl", "cv.json") if (folder / n).exists()]
    holder = lock_holder(folder) if held and probe else None  # probed only here: two fresh starters never race on it
    if holder is not None:
        raise RunFolderBusy(f"--out {folder}: another spikeprop run (PID {holder}) is writing into this "
                            "folder; wait for it or choose another --out")
    if held:
        raise SpikePropError(f"--out {folder} already holds a run ({held[0]}); use --resume to continue it "
                             "or choose another --out")


@contextmanager
def hold_run_folder(plan: RunPlan) -> Iterator[None]:
    """The run folder's lock for the whole run (see ``spikeprop.rundir``): a second run into the
    same --out fails at once, naming this one's PID. If the run fails before writing anything,
    a folder created here is removed again."""
    from spikeprop.rundir import LOCK_NAME, lock_run_folder

    created = not plan.out.exists()
    lock = lock_run_folder(plan.out)
    try:
        if plan.resume_from is None:
            check_fresh_folder(plan.out, probe=False)  # another run may have finished in it meanwhile
        yield
    except BaseException:
        if created and {p.name for p in plan.out.iterdir()} <= {LOCK_NAME}:
            (plan.out / LOCK_NAME).unlink(missing_ok=True)
            plan.out.rmdir()
        raise
    finally:
        lock.close()


def load_splits(cfg: TrainConfig, data_dir: str | None = None, progress: bool = False):
    """The ``(train, val, test)`` data sets of a run (``cfg.dataset``; see
    ``datasets.load_data``): ``val`` is ``cfg.val_fraction`` of the training samples
    (stratified, seeded; the last ones with ``cfg.order`` "file"; None at 0), ``test`` is only
    reported on."""
    from spikeprop import datasets
    from spikeprop.splits import split_dataset

    train = datasets.load_data("train", cfg, data_dir, progress)
    test = datasets.load_data("test", cfg, data_dir, progress)
    train, val = split_dataset(train, cfg.val_fraction, cfg.seed, cfg.order)
    return train, val, test


def check_data(plan: RunPlan, train, val, cv: int | None = None) -> None:
    """Option values that depend on the data: the input width, the number of CV folds."""
    check_input_width(plan.net_cfg, train.n_inputs)
    n = len(train) + (len(val) if val is not None else 0)
    if cv is not None and not 2 <= cv <= n:
        raise ConfigError(f"--cv must be between 2 and the number of training recordings ({n}), got {cv}")


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
