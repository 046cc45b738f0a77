"""Running one layer over a window of steps, layer by layer.

The network is feed-forward, so a window of K steps can be computed one layer at a
time: the layer's synaptic currents for all K steps in one product (sparse for the
input layer), then its neuron dynamics step by step (``neurons`` step functions, the
only statement of the dynamics), then the next layer. Within a window the weights are
fixed, so this equals stepping the whole network K times.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from spikeprop.rules.sparse import SparseRows, sparse_linear


def layer_current(fc: nn.Linear, x: torch.Tensor | SparseRows, steps: int) -> torch.Tensor:
    """``W x`` for a window: x is (K, R, N_in) spikes or SparseRows of K*R rows -> (K, R, N)."""
    if isinstance(x, SparseRows):
        return sparse_linear(x, fc.weight).view(steps, x.n_rows // steps, -1)
    return x @ fc.weight.t()


def run_layer(neuron: nn.Module, cur: torch.Tensor, state: Any = None,
              x_dend: torch.Tensor | None = None, record_dend: bool = False):
    """Step ``neuron`` over the K steps of ``cur`` (K, R, N).

    Returns ``(spikes, v_pre, state)`` (both (K, R, N)), plus the dendrite voltages when
    ``record_dend`` (two-compartment neurons only).
    """
    if x_dend is None and not record_dend and not (torch.is_grad_enabled() and cur.requires_grad):
        return neuron.window(cur, state)  # no graph wanted: the fused K-step kernel when there is one
    spikes, volts, dends = [], [], []
    # unbind, not cur[k]: indexing would make backward add a full-size zero tensor per step
    for k, x in enumerate(cur.unbind(0)):
        if x_dend is None:
            s, v, state = neuron(x, state=state)
        else:
            s, v, state = neuron(x, x_dend[k], state=state)
        spikes.append(s)
        volts.append(v)
        if record_dend:
            dends.append(state.v_dend)
    out = (torch.stack(spikes), torch.stack(volts), state)
    return out + (torch.stack(dends),) if record_dend else out


def _row_blocks(v_pre: torch.Tensor, curs: tuple[torch.Tensor, ...]):
    """``v_pre`` split into the row blocks of ``curs`` (views); ``v_pre`` itself for one block."""
    rows = [c.shape[-2] for c in curs]
    return tuple(v_pre.split(rows, dim=-2)) if len(rows) > 1 else v_pre


class _InputGradient(torch.autograd.Function):
    """Forward: the row blocks of ``v_pre`` (views, no copy); backward: each block's
    gradient passed to its current unchanged."""

    @staticmethod
    def forward(ctx, v_pre: torch.Tensor, *curs: torch.Tensor):  # type: ignore[override]
        blocks = _row_blocks(v_pre, curs)
        return blocks if len(curs) > 1 else v_pre.view_as(v_pre)  # an output must not be an input

    @staticmethod
    def backward(ctx, *grads: torch.Tensor):  # type: ignore[override]
        return (None, *grads)


def with_input_gradient(v_pre: torch.Tensor, *curs: torch.Tensor):
    """``v_pre`` (computed without grad) whose gradient w.r.t. this step's input current is 1.

    For every neuron kind, with the state from earlier steps detached, dv_pre/dx = 1
    (``v_pre = decay(state) + x + ...``), so the per-step local gradient reaches W through
    the current only: no backpropagation through time, no graph kept across steps.
    Several ``curs`` are row blocks of ``v_pre`` (..., R_1 + R_2 + ..., N), e.g. SP's data
    and target branches: the result is then a tuple of those blocks, each one's gradient
    going to its own current. A custom function rather than ``v_pre + (cur - cur.detach())``:
    same values and gradient, without full-size temporaries, copies or zero-filled
    gradients per layer and window.
    """
    if not any(c.requires_grad for c in curs):
        return _row_blocks(v_pre, curs)
    return _InputGradient.apply(v_pre, *curs)
