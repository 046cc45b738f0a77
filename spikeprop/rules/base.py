"""What every learning rule returns for one batch, and the shared learner plumbing."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from spikeprop.config import TrainConfig
from spikeprop.distributed import all_reduce_grads
from spikeprop.errors import NonFiniteLossError
from spikeprop.model import SpikingNet
from spikeprop.rules.adam import FusedAdam
from spikeprop.rules.signal import TargetSignal
from spikeprop.rules.sparse import SparseSpikes, store_input_major_


@dataclass
class BatchResult:
    """Per-layer losses (mean per step) and what the progress bar / metrics need."""

    losses: list[float]
    output: torch.Tensor  # (B, n_out) output activity summed over time (for train accuracy)
    target_output: torch.Tensor | None  # (C, n_out) same for each class's target signal
    spike_counts: list[torch.Tensor] = field(default_factory=list)  # per layer (N,)
    n_steps: int = 0  # time steps x samples behind spike_counts
    rate_output: torch.Tensor | None = None  # (B, n_out) output spike counts


class Learner:
    """Trains a ``SpikingNet`` one batch at a time with one rule; thin state holder."""

    def __init__(self, net: SpikingNet, signal: TargetSignal, cfg: TrainConfig) -> None:
        self.net, self.signal, self.cfg = net, signal, cfg
        self.optimizer: FusedAdam | None = None
        for fc in net.fcs:  # spike inputs are sparse: products gather rows of W^T
            store_input_major_(fc.weight)

    def train_batch(self, x: SparseSpikes, y: torch.Tensor) -> BatchResult:  # pragma: no cover
        raise NotImplementedError

    def make_adam(self, params: list[torch.nn.Parameter]) -> FusedAdam:
        """Fused Adam (``rules.adam``: torch's kernel without torch.optim's compiler import). An input-major weight (``store_input_major_``) is handed to it as its
        transpose, a contiguous Parameter on the same storage: the fused kernel would
        otherwise copy the weight, its gradient and both moments to a contiguous layout and
        back at every update (measured ~10 % of an SP step). ``step`` passes the gradient."""
        self._twins: list[tuple[torch.nn.Parameter, torch.nn.Parameter]] = []
        opt_params = []
        for p in params:
            if p.dim() == 2 and not p.is_contiguous() and p.t().is_contiguous():
                twin = torch.nn.Parameter(p.data.t())  # a view: updates land in p itself
                self._twins.append((p, twin))
                opt_params.append(twin)
            else:
                opt_params.append(p)
        return FusedAdam(opt_params, lr=self.cfg.lr)

    def state_dict(self) -> dict:
        return {} if self.optimizer is None else self.optimizer.state_dict()

    def load_state_dict(self, d: dict) -> None:
        if self.optimizer is not None and d:
            self.optimizer.load_state_dict(d)

    def step(self, loss: torch.Tensor, where: str) -> None:
        """Guard against NaN/inf, then one optimizer update from ``loss`` (gradients averaged
        over the workers first when training data-parallel; a no-op otherwise)."""
        check_finite(loss, where)
        assert self.optimizer is not None
        loss.backward()
        for p, twin in getattr(self, "_twins", ()):
            twin.grad = None if p.grad is None else p.grad.t()
            p.grad = None
        all_reduce_grads(self.optimizer.params)  # no-op unless torchrun started several workers
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)


def check_finite(value: torch.Tensor, where: str) -> None:
    if not bool(torch.isfinite(value).all()):
        raise NonFiniteLossError(f"non-finite loss ({float(value.detach().float().sum())}) {where}")


def readout_activity(v_out: torch.Tensor, cfg: TrainConfig, vth: torch.Tensor | float) -> torch.Tensor:
    """Per-step output quantity that predictions sum over time.

    The voltage (a classifier's logits); for an SP output layer (``output="sp"``) the
    quantity its SP loss compares (``losses.activity``).
    """
    if cfg.output == "sp" and cfg.method in ("sp-surrogate", "sp-voltage"):
        from spikeprop.rules.losses import activity
        return activity(v_out, activity_kind(cfg.method), vth, cfg.slope, cfg.sp_v_floor)
    return v_out


def activity_kind(method: str) -> str:
    """Which ``losses.activity`` an SP method learns on."""
    return "surrogate" if method == "sp-surrogate" else "voltage"
