"""``FusedAdam``: torch's fused CPU Adam kernel without ``torch.optim.Optimizer``.

Why not ``torch.optim.Adam(fused=True)``: in torch 2.13 constructing any ``torch.optim``
optimizer imports ``torch._dynamo`` (its methods are wrapped in ``_disable_dynamo``, which
imports the compiler stack on first call): 1.8 s of every ``spikeprop train`` start-up on
2 cores, for a compiler this project never uses. This class calls the very same kernel
(``torch._fused_adam_``) the way ``torch.optim.adam._fused_adam`` does, so updates are
bit-identical, and reads/writes the same ``state_dict`` layout, so checkpoints written with
``torch.optim.Adam`` resume unchanged (tests/spikeprop/test_fused_adam.py checks both).
"""
from __future__ import annotations

from typing import Any

import torch

BETAS = (0.9, 0.999)
EPS = 1e-8


class FusedAdam:
    """Adam (no weight decay, no amsgrad) over one group of float32 CPU parameters."""

    def __init__(self, params: list[torch.nn.Parameter], lr: float) -> None:
        self.params = list(params)
        self.lr = float(lr)
        self.state: dict[int, dict[str, torch.Tensor]] = {}  # parameter index -> moments, step

    def _state(self, i: int) -> dict[str, torch.Tensor]:
        if i not in self.state:
            p = self.params[i]
            self.state[i] = {"step": torch.zeros((), dtype=torch.float32),
                             "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                             "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        return self.state[i]

    @torch.no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        states = [self._state(i) for i in live]
        steps = [s["step"] for s in states]
        torch._foreach_add_(steps, 1)
        torch._fused_adam_([self.params[i] for i in live], [self.params[i].grad for i in live],
                           [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states], [], steps,
                           amsgrad=False, lr=self.lr, beta1=BETAS[0], beta2=BETAS[1], weight_decay=0.0,
                           eps=EPS, maximize=False, grad_scale=None, found_inf=None)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    def state_dict(self) -> dict[str, Any]:
        """The layout of ``torch.optim.Adam(fused=True).state_dict()``."""
        group = {"lr": self.lr, "betas": BETAS, "eps": EPS, "weight_decay": 0, "amsgrad": False,
                 "maximize": False, "foreach": None, "capturable": False, "differentiable": False,
                 "fused": True, "decoupled_weight_decay": False, "params": list(range(len(self.params)))}
        return {"state": {i: dict(s) for i, s in sorted(self.state.items())}, "param_groups": [group]}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        groups = d.get("param_groups") or [{}]
        if len(groups) != 1 or len(groups[0].get("params", [])) != len(self.params):
            raise ValueError("optimizer state is for a different set of parameters")
        self.lr = float(groups[0].get("lr", self.lr))
        self.state = {}
        for i, s in d.get("state", {}).items():
            p = self.params[int(i)]
            self.state[int(i)] = {"step": s["step"].detach().to(torch.float32).clone(),
                                  "exp_avg": s["exp_avg"].detach().to(p.dtype).clone(),
                                  "exp_avg_sq": s["exp_avg_sq"].detach().to(p.dtype).clone()}
