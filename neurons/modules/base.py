"""One base for the torch neuron modules: parameters, initial state, checked one-step forward, time loop.

A subclass names its step function (``neurons.functional``), its state type and its
parameters; everything else (input checks, zero initial state, surrogate choice,
``forward`` and ``sequence``) lives here once.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar

import torch
from torch import nn

from neurons.surrogate import DEFAULT_SURROGATE, spike_fn, spike_for_step


def check_input(name: str, x: torch.Tensor, state_like: torch.Tensor | None = None) -> None:
    """Raise one clear error for a non-tensor, non-float, or shape-mismatched input."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: input must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name}: input must be floating point, got {x.dtype} (use x.float())")
    if state_like is not None:
        check_state_shape(name, tuple(x.shape), state_like)


def check_state_shape(name: str, shape: tuple[int, ...], state_like: torch.Tensor) -> None:
    """One clear error when a state does not fit an input of ``shape``."""
    if tuple(state_like.shape) != tuple(shape):
        raise ValueError(
            f"{name}: input has shape {tuple(shape)} but the state has shape "
            f"{tuple(state_like.shape)}; pass state=None to start a new sequence"
        )


def check_decay(name: str, value: float) -> float:
    """``value`` as a float, or one error if it is not a decay in [0, 1]."""
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def run_sequence(
    step: Callable[..., tuple[torch.Tensor, torch.Tensor, Any]],
    x_seq: torch.Tensor,
    state: Any = None,
) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """Apply a one-step module over dim 0 (time). Returns spikes and v_pre, both (T, ...)."""
    if x_seq.dim() < 2:
        raise ValueError(f"expected a time-major sequence (T, ...), got shape {tuple(x_seq.shape)}")
    spikes, volts = [], []
    for x in x_seq:
        s, v_pre, state = step(x, state)
        spikes.append(s)
        volts.append(v_pre)
    return torch.stack(spikes), torch.stack(volts), state


class NeuronModule(nn.Module):
    """Torch neuron with explicit state: ``forward(x, state=None) -> (s, v_pre, new_state)``.

    Subclasses set ``kind`` (named in error messages), ``state_type`` (a NamedTuple of
    tensors shaped like the input, with a ``v`` field), ``step_fn`` (the pure step from
    ``neurons.functional``, called as ``step_fn(x, *extra, state, params, spike_fn)``) and
    the ``params`` property. A neuron with extra per-step inputs (the two-compartment
    dendrite) lists them in ``extra_inputs`` and passes them to ``_step``/``_sequence``.
    """

    kind: ClassVar[str] = "neuron"
    state_type: ClassVar[Any]
    step_fn: ClassVar[Callable[..., tuple[torch.Tensor, torch.Tensor, Any]]]
    extra_inputs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, surrogate: str = DEFAULT_SURROGATE) -> None:
        super().__init__()
        self.surrogate = surrogate
        self.spike_grad = spike_fn(surrogate)

    def register_constant(self, name: str, value: float, decay: bool = False) -> None:
        """A scalar float64 buffer ``name`` (float64 so export reads the exact value; decays checked)."""
        value = check_decay(f"{self.kind}: {name}", value) if decay else float(value)
        self.register_buffer(name, torch.tensor(value, dtype=torch.float64))

    @property
    def params(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define params")

    def initial_state(self, x: torch.Tensor) -> Any:
        """All-zero state shaped like ``x`` (a fresh tensor per field)."""
        return self.state_type(*(torch.zeros_like(x) for _ in self.state_type._fields))

    def forward(self, x: torch.Tensor, state: Any = None):
        """One time step; ``state=None`` starts a new sequence. Returns ``(s, v_pre, new_state)``."""
        return self._step(x, state)

    def sequence(self, x_seq: torch.Tensor, state: Any = None):
        """Run over time (dim 0). Returns ``(spikes, v_pre, final_state)``; spikes and v_pre are (T, ...)."""
        return self._sequence(x_seq, state)

    def window(self, cur: torch.Tensor | list[torch.Tensor], state: Any = None, coords: bool = False):
        """K steps without a graph: ``(spikes, v_pre, state)``, all (K, R, N) / (R, N).

        ``cur`` is one (K, R, N) input or a list of row blocks (K, R_i, N) of the same layer
        (SP's data and target branches): the result is as if they had been concatenated
        along the rows, with one joint state, but without copying them together. Same values
        as ``sequence``; neurons with a fused kernel (``neurons.functional.window``) override
        ``_fused_window``, used for float32 CPU input (the common case).

        ``coords=True`` adds a fourth element: the (rows, cols) int64 tensors of the spikes
        of ``spikes.view(K * R, N)`` in row-major order, as ``nonzero`` would give them but
        listed by the kernel while stepping (a sparse product of the next layer needs them;
        a scan of the spikes afterwards costs more than the step), or None without a kernel."""
        curs = [cur] if isinstance(cur, torch.Tensor) else list(cur)
        if all(c.dtype == torch.float32 and c.device.type == "cpu" and c.dim() == 3 for c in curs):
            if state is not None:
                check_state_shape(self.kind, (sum(c.shape[1] for c in curs), *curs[0].shape[2:]), state.v)
            fused = self._fused_window([c.detach().numpy() for c in curs], state, coords)
            if fused is not None:
                s, v_pre, new_state, active = fused
                if not coords:
                    return s, v_pre, new_state
                return s, v_pre, new_state, tuple(torch.from_numpy(a) for a in active)
        out = self._window_loop(curs, state)
        return (*out, None) if coords else out

    def _window_loop(self, curs: list[torch.Tensor], state: Any):
        """``window`` by the step function, one branch after the other."""
        no_extra = (None,) * len(self.extra_inputs)  # e.g. a dendrite without input
        with torch.no_grad():
            if len(curs) == 1:
                return self._sequence(curs[0], state, no_extra)
            sizes = [c.shape[1] for c in curs]
            parts = [None] * len(curs) if state is None else zip(*(f.split(sizes) for f in state))
            runs = [self._sequence(c, None if p is None else self.state_type(*p), no_extra)
                    for c, p in zip(curs, parts)]
            return (torch.cat([r[0] for r in runs], 1), torch.cat([r[1] for r in runs], 1),
                    self.state_type(*(torch.cat(f) for f in zip(*(r[2] for r in runs)))))

    def _fused_window(self, curs: list[Any], state: Any, coords: bool) -> Any:
        """``(spikes, v_pre, state, active)`` from a compiled kernel, or None (no kernel)."""
        return None  # no fused kernel: the step loop

    def _step(self, x: torch.Tensor, state: Any, extra: tuple[torch.Tensor | None, ...] = ()):
        """Check ``x`` and each extra input (None means zeros), then call ``step_fn`` once."""
        check_input(self.kind, x, None if state is None else state.v)
        extra = tuple(
            torch.zeros_like(x) if e is None else _checked(f"{self.kind} ({name})", e, x)
            for name, e in zip(self.extra_inputs, extra)
        )
        if state is None:
            state = self.initial_state(x)
        return self.step_fn(x, *extra, state, self.params, spike_for_step(self.spike_grad))

    def _sequence(self, x_seq: torch.Tensor, state: Any, extra_seqs: tuple[torch.Tensor | None, ...] = ()):
        """``_step`` over time; each extra sequence is (T, ...) like ``x_seq`` or None."""
        steps = [None if e is None else iter(e) for e in extra_seqs]
        return run_sequence(
            lambda x, s: self._step(x, s, tuple(None if it is None else next(it) for it in steps)),
            x_seq, state,
        )


def _checked(name: str, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    check_input(name, x, like)
    return x
