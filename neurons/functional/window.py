"""Fused windows: K steps of ``lif_step`` / ``cuba_lif_step`` in one compiled loop.

Why: learning rules that run a layer's neurons without a graph (SP's forward passes,
evaluation) call the step function once per time step, and at N-MNIST sizes those
per-step tensor operations (~8 each, plus stacking the outputs) cost more than the
arithmetic: about half of an SP epoch. One numba loop over (step, row, neuron) does
the same arithmetic, in the same order and float32 rounding, with no intermediate
tensors. It is the *same* dynamics as the step functions, not a second model: a test
(``tests/neurons/test_window.py``) checks spikes, voltages and state are bit-identical
to the step loop for random inputs and parameters. Hand-written because no library
fuses a hard-reset recurrence on CPU; numba (a well-kept JIT) compiles it once and
caches the machine code on disk.

Numbers in float32, as in ``torch``: ``v_pre = (v * f_v + x) + bias`` with
``f_v = float32(1 - dv)``, spike when ``v_pre > vth`` (Lava: strictly above), reset to 0.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_KERNELS: dict[str, Any] = {}


def _lif_kernel(cur, v, f_v, vth, bias, s_out, v_out):  # pragma: no cover - compiled
    K, R, N = cur.shape
    for k in range(K):
        for r in range(R):
            for n in range(N):
                vp = v[r, n] * f_v + cur[k, r, n] + bias
                v_out[k, r, n] = vp
                if vp > vth:
                    s_out[k, r, n] = 1.0
                    v[r, n] = 0.0
                else:
                    s_out[k, r, n] = 0.0
                    v[r, n] = vp


def _cuba_lif_kernel(cur, u, v, f_u, f_v, vth, bias, s_out, v_out):  # pragma: no cover - compiled
    K, R, N = cur.shape
    for k in range(K):
        for r in range(R):
            for n in range(N):
                uu = u[r, n] * f_u + cur[k, r, n]
                u[r, n] = uu
                vp = v[r, n] * f_v + uu + bias
                v_out[k, r, n] = vp
                if vp > vth:
                    s_out[k, r, n] = 1.0
                    v[r, n] = 0.0
                else:
                    s_out[k, r, n] = 0.0
                    v[r, n] = vp


def _compile() -> dict[str, Any]:
    """Import numba and compile on first use: processes that never run a kernel pay nothing.
    The kernels are the plain functions above; numba caches their machine code on disk."""
    if not _KERNELS:
        import numba

        jit = numba.njit(cache=True, nogil=True)
        _KERNELS.update(lif=jit(_lif_kernel), cuba_lif=jit(_cuba_lif_kernel))
    return _KERNELS


def as_float32(value: Any) -> np.float32:
    """A step constant (python float, 0-dim tensor of any float dtype) as the float32 the
    torch step multiplies with: torch casts a 0-dim operand to the tensor's dtype."""
    return np.float32(float(value))


def decay_factor(d: Any) -> np.float32:
    """``1 - d`` evaluated as the step function evaluates it (in ``d``'s own type), then float32."""
    return as_float32(1 - d)


def _state(state_v: Any, rows: int, n: int) -> np.ndarray:
    """A private float32 copy of a state field (zeros for a new sequence); the kernel updates it."""
    if state_v is None:
        return np.zeros((rows, n), dtype=np.float32)
    arr = state_v.detach().numpy() if hasattr(state_v, "detach") else np.asarray(state_v)
    return np.array(arr, dtype=np.float32, copy=True)


def _branches(curs: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, list[slice]]:
    """float32 inputs, the joint (K, R_1 + R_2 + ..., N) outputs and each branch's row slice."""
    curs = [np.asarray(c, dtype=np.float32) for c in curs]
    K, _, N = curs[0].shape
    rows = np.cumsum([0] + [c.shape[1] for c in curs])
    out_shape = (K, int(rows[-1]), N)
    return (curs, np.empty(out_shape, np.float32), np.empty(out_shape, np.float32),
            [slice(int(a), int(b)) for a, b in zip(rows[:-1], rows[1:])])


def lif_window(curs: list[np.ndarray], v: Any, dv: Any, vth: Any, bias: Any):
    """``lif_step`` over K steps for one or more row blocks (branches) of the same layer.

    ``curs``: (K, R_i, N) inputs (any strides: an expanded view costs no copy); ``v``: the
    joint state (R_1 + R_2 + ..., N) or None. Returns ``(spikes, v_pre, v_after)`` as numpy
    float32, the branches' rows one after the other, as if their inputs had been concatenated."""
    curs, s, vp, parts = _branches(curs)
    v = _state(v, s.shape[1], s.shape[2])
    kernel, f_v = _compile()["lif"], decay_factor(dv)
    for cur, rows in zip(curs, parts):
        kernel(cur, v[rows], f_v, as_float32(vth), as_float32(bias), s[:, rows], vp[:, rows])
    return s, vp, v


def cuba_lif_window(curs: list[np.ndarray], u: Any, v: Any, du: Any, dv: Any, vth: Any, bias: Any):
    """``cuba_lif_step`` over K steps, branches as in ``lif_window``: ``(spikes, v_pre, u_after, v_after)``."""
    curs, s, vp, parts = _branches(curs)
    u, v = _state(u, s.shape[1], s.shape[2]), _state(v, s.shape[1], s.shape[2])
    kernel, f_u, f_v = _compile()["cuba_lif"], decay_factor(du), decay_factor(dv)
    for cur, rows in zip(curs, parts):
        kernel(cur, u[rows], v[rows], f_u, f_v, as_float32(vth), as_float32(bias), s[:, rows], vp[:, rows])
    return s, vp, u, v
