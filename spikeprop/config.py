"""``TrainConfig``: every knob of a training run as plain JSON-able data.

The network itself is described by ``spikeprop.model.NetConfig``; a run's ``config.json``
holds both (``{"net": {...}, "train": {...}}``) so a checkpoint can rebuild and resume it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spikeprop.errors import ConfigError, SpikePropError

if TYPE_CHECKING:
    from spikeprop.model import NetConfig

METHODS = ("sp-voltage", "sp-surrogate", "sp-dendritic", "drtp-two-compartment", "bptt", "bptt-boxcar", "shallow",
           "sp-onchip")
SP_METHODS = ("sp-voltage", "sp-surrogate")
DATASETS = ("nmnist", "fashion-mnist")
ENCODINGS = ("rate", "latency")  # spike codes of static images (spikeprop.data.encoding)
INPUT_WIDTHS = {"nmnist": 2312, "fashion-mnist": 784}  # default first layer width per data set
# explicit three-factor rules on two-compartment neurons (``rules.two_compartment``)
TWO_COMPARTMENT_METHODS = ("sp-dendritic", "drtp-two-compartment")
# whole-sequence backpropagation (``rules.bptt``); bptt-boxcar: the windowed surrogate
BPTT_METHODS = ("bptt", "bptt-boxcar")
# the on-chip two-phase SP rule of ``deploy --learn`` in torch (``rules.onchip``): LIF network,
# online integer-free updates, the device's spike-count readout
ONCHIP_METHODS = ("sp-onchip",)
# how the training recordings are streamed and held out (TrainConfig.order): "shuffled" (a
# stratified, seeded validation split; a fresh random order every epoch) or "file" (file order
# every epoch, the last val_fraction of the recordings held out: the stream of ``deploy --learn``,
# which learns the first recordings in file order and validates on the last ones)
ORDERS = ("shuffled", "file")
# methods whose output layer is always a classifier (one unit per class)
CLASSIFIER_METHODS = BPTT_METHODS + ("shallow",)
# Names of earlier versions, mapped when a config file or checkpoint is read (with a note):
# "sp-two-compartment" fed each hidden dendrite a fixed random +-1 projection of the label
# (DRTP, not SP) unless its "tc_dend" was "forward" (the target pass through the layer's own
# weights: the true form, now "sp-dendritic"); "bp-heaviside" was BPTT with the true, zero
# spike gradient (equal to "shallow" by construction), i.e. bptt with surrogate "heaviside".
RENAMED_METHODS = {"sp-two-compartment": "drtp-two-compartment", "bp-heaviside": "bptt"}
# Adam learning rate of a method when none is given (TrainConfig.lr None), chosen on validation
# accuracy (docs/sp_depth.md section 9; embedded subset, seed 0, 5 epochs): the SP rules learn
# deep nets better at 1e-3 (sp-voltage 2312-400-400-400-10: 53 % at 2.5e-4, 74 % at 5e-4, 84 % at
# 1e-3, 83 % at 2e-3; 2312-512-512-10: 82 % at 5e-4, 84 % at 1e-3); bptt keeps 5e-4
# (2312-512-512-10: 89 % at 5e-4, 88 % at 1e-3); the other methods were not re-tuned.
DEFAULT_LR = 5e-4
METHOD_LR = {"sp-voltage": 1e-3, "sp-surrogate": 1e-3}


# Recording length binned into T for the on-chip sp rule from an untrained start (``deploy -
# --learn --learn-rule sp``; the torch ``sp-onchip`` method streams the same): the first 100 ms of
# each recording (its first saccade) instead of all 300 ms. Chosen on validation
# (docs/on_chip_learning.md, tuning round 3; untrained 2312-200-10, all plastic, 3 passes, seeds 7 / 8:
# 300 ms 72.0 / 70.0 %, 150 ms 80.0 / 77.5 %, 100 ms 81.5 / 77.5 %)
ONCHIP_WINDOW_MS = 100.0
DEFAULT_WINDOW_MS = 300.0


def default_window_ms(method: str) -> float:
    """Recording length ``method`` bins into T unless told (N-MNIST): ``ONCHIP_WINDOW_MS`` for the
    on-chip rule (as ``deploy - --learn`` streams it), else the whole 300 ms recording."""
    return ONCHIP_WINDOW_MS if method in ONCHIP_METHODS else DEFAULT_WINDOW_MS


def default_order(method: str) -> str:
    """How ``method`` streams the training recordings unless told: the on-chip rule as ``deploy
    --learn`` does (file order, tail held out), so its torch and device runs compare one to one."""
    return "file" if method in ONCHIP_METHODS else "shuffled"


def default_lr(method: str) -> float:
    """The Adam learning rate ``method`` trains with unless one is given."""
    return METHOD_LR.get(method, DEFAULT_LR)


@dataclass
class TrainConfig:
    method: str = "sp-surrogate"  # one of METHODS
    dataset: str = "nmnist"  # one of DATASETS
    T: int = 30  # time bins per recording (N-MNIST) or time steps per image (Fashion-MNIST)
    # N-MNIST: recording length binned into T bins (saccades ~300 ms); None: the method's default,
    # default_window_ms(method) (100 ms for sp-onchip, else 300), filled in on creation
    window_ms: float | None = None
    encoding: str = "rate"  # static images: "rate" (Bernoulli per step, fresh noise per epoch) or "latency"
    batch_size: int = 32
    epochs: int = 15
    # Adam learning rate (all methods except the two-compartment rules); None: the method's
    # default, default_lr(method), filled in on creation (config.json holds the value used)
    lr: float | None = None
    seed: int = 0
    threads: int | None = None  # torch threads, set by the spikeprop CLI (library callers set their own); None: torch default
    update_every: int = 10  # K: local loss + weight update every K steps (SP, shallow)
    # shallow: before the first epoch each fixed random hidden layer is scaled up until at least
    # this fraction of its (sample, neuron) pairs spike on 256 training samples (spikeprop.calibration;
    # Fashion-MNIST latency code, 784-800-10: 0.1 % spike at the default init). 0: off (the plain init)
    shallow_activity: float = 0.3
    # fraction of the training recordings held out (stratified, seeded) to choose best.pt on;
    # 0: no validation data, best.pt = the epoch with the best training accuracy. The test
    # split is never used for any choice.
    val_fraction: float = 0.1
    # "shuffled" or "file" (ORDERS); None: the method's default, default_order(method) ("file" for
    # sp-onchip: deploy --learn's stream; with val_fraction 0.2 on the embedded subset the same
    # 800 learned / 200 held-out recordings), filled in on creation
    order: str | None = None
    # --- Signal Propagation layer loss
    loss: str = "contrastive"  # "contrastive" (h.t over classes, cross-entropy) or "l2"
    similarity: str = "cosine"  # "cosine" or "dot" (contrastive only)
    # temperature of the contrastive logits. 0.05 together with sp_rate_weight 10 (was 0.1 and 30),
    # chosen on validation (docs/sp_depth.md section 11; 10 epochs, seeds 0-1, 2312-800-10 and
    # 2312-512-512-10, mean best val: sp-surrogate 88.75 -> 91.75 %, sp-voltage 88.75 -> 90.75 %)
    tau: float = 0.05
    slope: float = 4.0  # SP-surrogate: f(v) = sigmoid(slope * (v_pre - vth))
    # SP-voltage only: the loss sees max(v_pre, sp_v_floor) (0: the depolarisation; None: raw
    # v_pre). Raw voltages let hyperpolarised, never-spiking neurons dominate the cosine
    # (embedded N-MNIST, 2312-800-10, 15 epochs, seeds 0-2: raw 74.0 +- 6.0 %, floor 0 90.3 +- 1.5 %)
    sp_v_floor: float | None = 0.0
    # Homeostatic term in each SP layer's own loss (sp-voltage, sp-surrogate): sp_rate_weight *
    # sum_j min(r_j - r0, 0) v_j, r_j the neuron's rate in the window (no graph; losses.rate_loss).
    # Keeps deep layers spiking (docs/sp_depth.md; validation split, 2312-400-400-400-10, 5
    # epochs: sp-voltage 14 % without, 80 % with). 0: off (the behaviour before it). 10 (was 30)
    # with tau 0.05, chosen together on validation at lr 1e-3 (docs/sp_depth.md section 11)
    sp_rate_weight: float = 10.0
    sp_rate_target: float = 0.05  # r0, spikes per step
    sp_rate_mode: str = "up"  # "up": only raise rates below r0; "both": also lower rates above r0
    # which SP layers carry the rate term: "all" hidden SP layers, or "feeding": only those whose
    # spikes feed another hidden layer (a single hidden layer then has none). Chosen on validation
    # twice (docs/sp_depth.md sections 8 and 9): a tie both times (lr 1e-3: 92.33 % each), so "all"
    sp_rate_layers: str = "all"
    output: str = "classifier"  # last layer: "classifier" (local cross-entropy) or "sp"
    sp_trace: float = 0.0  # >0: gradient through a presynaptic trace (eligibility; dense, slower)
    target_density: float = 0.03  # fraction of input channels in each class's target pattern
    # --- two-compartment three-factor rule (equations: spikeprop.rules.two_compartment):
    # dW = lr * post_error^T @ pre_trace, post_error = gated sigmoid(dendrite) - sigmoid(soma).
    # Embedded N-MNIST, 2312-800-10, 15 epochs, seeds 0-2: these defaults 78.7 +- 3.5 %; the
    # previous ones (forward target, trace 0, slope 4, no gate, lr 0.05 everywhere) 61.3 +- 6.8 %
    tc_lr: float = 0.006  # output layer learning rate
    tc_hidden_lr: float | None = 0.002  # hidden layers' learning rate (None: tc_lr)
    tc_trace_decay: float = 0.9  # presynaptic trace decay per step (0.9 = 1 - dv_dend: exact for v_free)
    tc_slope: float = 2.0  # post error = sigmoid(slope*(v_dend-vth)) - sigmoid(slope*(v_free-vth))
    tc_gate: float = 1.0  # >0: error only where |v_free - vth| < tc_gate (boxcar, as in eRBP); 0: off
    tc_drive: float = 0.5  # output layer: one-hot label current into the dendrite per step
    # hidden dendrites' drive, drtp-two-compartment: tc_dend_drive * B onehot(y), B fixed random +-1;
    # sp-dendritic with tc_target_norm: tc_dend_drive * (z - tc_target_shift), z the target pass
    # current of the sample's class centred over the classes and scaled to unit RMS per layer
    tc_dend_drive: float = 0.5  # dendrite current per step (+-0.5 -> +-5 at steady state)
    tc_dend_p: float = 0.2  # drtp: fraction of +1 entries in B (classes a hidden neuron fires for)
    tc_target_norm: bool = True  # sp-dendritic: normalise the target pass current (False: raw W t_y)
    tc_target_shift: float = 0.0  # sp-dendritic: z above this drives a neuron to fire (0: ~half of them)
    # sp-dendritic: the dendrite/soma error with SP-surrogate ("surrogate": sigmoid(v_d) -
    # sigmoid(v_soma)) or SP-voltage semantics ("voltage": max(v_d, 0) - max(v_soma, 0))
    tc_error: str = "surrogate"
    # --- metrics
    near_dead_rate: float = 0.01  # spikes per step below which a neuron counts as near-dead
    saturated_rate: float = 0.9  # spikes per step above which a neuron counts as saturated
    n_classes: int = 10
    tree_branching: int = 3  # adaptive-subset prediction: children per tree node

    def __post_init__(self) -> None:
        if self.lr is None:
            self.lr = default_lr(self.method)
        if self.order is None:
            self.order = default_order(self.method)
        if self.window_ms is None:
            self.window_ms = default_window_ms(self.method)
        checks = [
            (self.method in METHODS, f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}"),
            (self.loss in ("contrastive", "l2"), f"loss must be 'contrastive' or 'l2', got {self.loss!r}"),
            (self.similarity in ("cosine", "dot"), f"similarity must be 'cosine' or 'dot', got {self.similarity!r}"),
            (self.output in ("classifier", "sp"), f"output must be 'classifier' or 'sp', got {self.output!r}"),
            (self.dataset in DATASETS, f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)}"),
            (self.encoding in ENCODINGS, f"unknown encoding {self.encoding!r}; choose one of {', '.join(ENCODINGS)}"),
            (self.T >= 1, f"T must be >= 1, got {self.T}"),
            (self.batch_size >= 1, f"batch size must be >= 1, got {self.batch_size}"),
            (self.epochs >= 0, f"epochs must be >= 0, got {self.epochs}"),
            (0.0 <= self.val_fraction < 1.0, f"val_fraction must be in [0, 1), got {self.val_fraction}"),
            (self.order in ORDERS, f"order must be one of {', '.join(ORDERS)}, got {self.order!r}"),
            (self.update_every >= 1, f"update_every must be >= 1, got {self.update_every}"),
            (0.0 <= self.shallow_activity < 1.0, f"shallow_activity must be in [0, 1), got {self.shallow_activity}"),
            (self.lr > 0 and self.tc_lr > 0, "learning rates must be positive"),
            (0.0 < self.target_density <= 1.0, f"target_density must be in (0, 1], got {self.target_density}"),
            (0.0 <= self.tc_trace_decay < 1.0, "tc_trace_decay must be in [0, 1)"),
            (self.tc_hidden_lr is None or self.tc_hidden_lr > 0, "tc_hidden_lr must be positive"),
            (self.tc_gate >= 0, f"tc_gate must be >= 0, got {self.tc_gate}"),
            (self.tc_error in ("surrogate", "voltage"), f"tc_error must be 'surrogate' or 'voltage', got {self.tc_error!r}"),
            (0.0 <= self.tc_dend_p <= 1.0, f"tc_dend_p must be in [0, 1], got {self.tc_dend_p}"),
            (0.0 <= self.sp_trace < 1.0, "sp_trace must be in [0, 1)"),
            (self.sp_rate_weight >= 0, f"sp_rate_weight must be >= 0, got {self.sp_rate_weight}"),
            (0.0 <= self.sp_rate_target <= 1.0, f"sp_rate_target must be in [0, 1], got {self.sp_rate_target}"),
            (self.sp_rate_layers in ("all", "feeding"),
             f"sp_rate_layers must be 'all' or 'feeding', got {self.sp_rate_layers!r}"),
            (self.sp_rate_mode in ("both", "up"), f"sp_rate_mode must be 'both' or 'up', got {self.sp_rate_mode!r}"),
            (self.tau > 0, f"tau must be positive, got {self.tau}"),
            (self.tree_branching >= 2, "tree_branching must be >= 2"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(msg)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        if not isinstance(d, dict):
            raise ConfigError(f"a training config must be a mapping, got {type(d).__name__}")
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown training config keys: {', '.join(unknown)}")
        return cls(**d)


def net_config_for(method: str, net: "NetConfig") -> "NetConfig":
    """The network a method trains: bptt-boxcar uses the windowed surrogate, the
    two-compartment rules need two-compartment neurons (everything else is unchanged)."""
    from spikeprop.model import NetConfig

    d = net.to_dict()
    if method == "bptt-boxcar":
        d["surrogate"] = "boxcar"
    if method in TWO_COMPARTMENT_METHODS:
        d["neuron"] = "two_compartment"
    return NetConfig.from_dict(d)


class RenamedMethodWarning(UserWarning):
    """A config or checkpoint used a method name of an earlier version (mapped; one-line note)."""


def upgrade_method(net: dict[str, Any], train: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Copies of (net, train) config dicts with an old method name mapped to today's
    (``RENAMED_METHODS``); warns ``RenamedMethodWarning`` once per mapping. Behaviour is kept:
    bp-heaviside -> bptt with surrogate "heaviside"; sp-two-compartment -> drtp-two-compartment,
    or sp-dendritic if it ran with ``tc_dend="forward"``."""
    import warnings

    net, train = dict(net), dict(train)
    old = train.get("method")
    dend = train.pop("tc_dend", None)  # a field of sp-two-compartment, now implied by the method
    if not isinstance(old, str) or old not in RENAMED_METHODS:  # a wrong type is reported by TrainConfig
        return net, train
    new = "sp-dendritic" if old == "sp-two-compartment" and dend == "forward" else RENAMED_METHODS[old]
    train["method"] = new
    if new == "sp-dendritic":
        train.setdefault("tc_target_norm", False)  # the old forward mode fed the raw current
    how = ""
    if old == "bp-heaviside":
        net["surrogate"] = "heaviside"
        how = " with surrogate 'heaviside' (the true, zero spike gradient; equal to shallow)"
    elif new == "drtp-two-compartment":
        how = " (its hidden dendrites get a fixed random projection of the label: DRTP, not SP)"
    warnings.warn(f"method {old!r} is now {new!r}{how}", RenamedMethodWarning, stacklevel=2)
    return net, train


def split_config(d: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Accept ``{"net": .., "train": ..}`` or one flat dict; return (net keys, train keys)."""
    from spikeprop.model import NetConfig

    if set(d) <= {"net", "train"}:
        from spikeprop.validate import check_section

        return upgrade_method(check_section("net", d.get("net", {})), check_section("train", d.get("train", {})))
    net_keys = set(NetConfig.__dataclass_fields__)
    train_keys = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(d) - net_keys - train_keys - {"tc_dend"})
    if unknown:
        raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
    return upgrade_method({k: v for k, v in d.items() if k in net_keys},
                          {k: v for k, v in d.items() if k in train_keys | {"tc_dend"}})


def read_config_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a JSON config file (see ``split_config``); one-line errors for bad files."""
    from spikeprop.model import NetConfig
    from spikeprop.validate import check_types

    p = Path(path)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpikePropError(f"config file {p} does not exist") from None
    except UnicodeDecodeError:
        raise SpikePropError(f"config file {p} is not UTF-8 text (expected a JSON file)") from None
    except OSError as exc:
        raise SpikePropError(f"config file {p}: cannot read it ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise SpikePropError(f"config file {p} is not valid JSON: {exc}") from None
    if not isinstance(d, dict):
        raise SpikePropError(f"config file {p} must hold a JSON object")
    try:
        net, train = split_config(d)
        check_types(NetConfig, net, "net")
        check_types(TrainConfig, train, "train")
    except ConfigError as exc:
        raise ConfigError(f"config file {p}: {exc}") from None
    return net, train
