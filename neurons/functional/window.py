"""Fused windows: K steps of ``lif_step`` / ``cuba_lif_step`` in one compiled loop.

Why: learning rules that run a layer's neurons without a graph (SP's forward passes,
evaluation) call the step function once per time step, and at N-MNIST sizes those
per-step tensor operations (~8 each, plus stacking the outputs) cost more than the
arithmetic: about half of an SP epoch. One numba loop over (row, step, neuron), rows
split over the threads, does the same arithmetic, each neuron's steps in the same order
and float32 rounding, with no intermediate tensors; on request it also lists the
columns that spiked, for the next layer's sparse product. It is the *same* dynamics as
the step functions, not a second model: a test (``tests/neurons/test_fused_window.py``)
checks spikes, voltages, state and the listed coordinates are bit-identical to the step
loop (and ``nonzero``) for random inputs and parameters. Hand-written because no library
fuses a hard-reset recurrence on CPU; numba (a well-kept JIT) compiles it once and
caches the machine code on disk.

Numbers in float32, as in ``torch``: ``v_pre = (v * f_v + x) + bias`` with
``f_v = float32(1 - dv)``, spike when ``v_pre > vth`` (Lava: strictly above), reset to 0.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

_KERNELS: dict[str, Any] = {}
# What the kernels call, bound by ``_compile`` once numba is imported (lazily: that takes ~0.5 s):
prange = range  # -> numba.prange
lif_row: Any = None  # -> _lif_row, compiled to be inlined into each kernel
cuba_lif_row: Any = None  # -> _cuba_lif_row, likewise
emit_row: Any = None  # -> _emit_row, likewise


def _lif_row(c, vr, so, vo, flag, f_v, vth, bias):  # pragma: no cover - compiled, inlined
    """One step of one row of neurons: ``v_pre = v * f_v + c + bias``, spike when
    ``v_pre > vth`` (Lava's strict test), hard reset to 0. Branch-free, so the compiler
    vectorises it (a branch per neuron made the kernel ~2x slower); ``flag``: the spikes
    as bytes, for ``_emit_row``."""
    for n in range(c.shape[0]):
        vp = vr[n] * f_v + c[n] + bias
        vo[n] = vp
        spike = vp > vth
        so[n] = np.float32(1.0) if spike else np.float32(0.0)
        flag[n] = np.uint8(1) if spike else np.uint8(0)
        vr[n] = np.float32(0.0) if spike else vp


def _cuba_lif_row(c, ur, vr, so, vo, flag, f_u, f_v, vth, bias):  # pragma: no cover - compiled, inlined
    """``_lif_row`` with a current state: ``u = u * f_u + c``, ``v_pre = v * f_v + u + bias``."""
    for n in range(c.shape[0]):
        uu = ur[n] * f_u + c[n]
        ur[n] = uu
        vp = vr[n] * f_v + uu + bias
        vo[n] = vp
        spike = vp > vth
        so[n] = np.float32(1.0) if spike else np.float32(0.0)
        flag[n] = np.uint8(1) if spike else np.uint8(0)
        vr[n] = np.float32(0.0) if spike else vp


def _emit_row(flag, words, out, pos):  # pragma: no cover - compiled, inlined
    """Append the columns whose ``flag`` is set to ``out`` from ``pos``; returns the next
    ``pos``. Eight flags are tested at once (``words``: the same bytes as uint64): with a
    few percent of neurons spiking most words are zero, and a per-neuron test cost as much
    as the step itself."""
    for w in range(words.shape[0]):
        if words[w] != 0:
            for n in range(w * 8, w * 8 + 8):
                if flag[n] != 0:
                    out[pos] = n
                    pos += 1
    return pos


def _lif_kernel(cur, v, f_v, vth, bias, s_out, v_out, active, counts):  # pragma: no cover - compiled
    K, R, N = cur.shape
    emit = active.shape[0] > 0
    for r in prange(R):  # rows are independent: split over the cores; each keeps its steps in order
        flag = np.zeros((N + 7) // 8 * 8, np.uint8)  # padding stays 0
        words = flag.view(np.uint64)
        pos = 0
        for k in range(K):
            lif_row(cur[k, r], v[r], s_out[k, r], v_out[k, r], flag, f_v, vth, bias)
            if emit:
                pos = emit_row(flag, words, active[r], pos)
                counts[k, r] = pos


def _cuba_lif_kernel(cur, u, v, f_u, f_v, vth, bias, s_out, v_out, active, counts):  # pragma: no cover - compiled
    K, R, N = cur.shape
    emit = active.shape[0] > 0
    for r in prange(R):
        flag = np.zeros((N + 7) // 8 * 8, np.uint8)
        words = flag.view(np.uint64)
        pos = 0
        for k in range(K):
            cuba_lif_row(cur[k, r], u[r], v[r], s_out[k, r], v_out[k, r], flag, f_u, f_v, vth, bias)
            if emit:
                pos = emit_row(flag, words, active[r], pos)
                counts[k, r] = pos


def _coords_kernel(active, counts):  # pragma: no cover - compiled
    """Row-major coordinates of the spikes the kernels above listed per row; ``counts[k, r]``
    is the running number of spikes of row r up to and including step k."""
    K, R = counts.shape
    start = np.empty(K * R + 1, np.int64)
    start[0] = 0
    for k in range(K):
        for r in range(R):
            i = k * R + r
            start[i + 1] = start[i] + counts[k, r] - (counts[k - 1, r] if k > 0 else 0)
    rows = np.empty(start[K * R], np.int64)
    cols = np.empty(start[K * R], np.int64)
    for r in prange(R):
        src = 0
        for k in range(K):
            i = k * R + r
            for j in range(start[i + 1] - start[i]):
                rows[start[i] + j] = i
                cols[start[i] + j] = active[r, src + j]
            src += start[i + 1] - start[i]
    return rows, cols


def _compile() -> dict[str, Any]:
    """Import numba and compile on first use: processes that never run a kernel pay nothing.
    The kernels are the plain functions above; numba caches their machine code on disk.
    Rows are split over as many threads as torch uses (``use_torch_threads``); even a K=1
    window of 138 x 800 neurons runs faster on two threads than on one (measured).
    One compiled variant per kernel: numba's disk cache does not tell a parallel and a
    serial compilation of the same function apart, so twins would load each other's code."""
    global prange, lif_row, cuba_lif_row, emit_row
    if not _KERNELS:
        import numba

        prange = numba.prange
        inline = numba.njit(inline="always")
        lif_row, cuba_lif_row, emit_row = inline(_lif_row), inline(_cuba_lif_row), inline(_emit_row)
        jit = numba.njit(cache=True, nogil=True, parallel=True)
        _KERNELS.update(lif=jit(_lif_kernel), cuba_lif=jit(_cuba_lif_kernel), coords=jit(_coords_kernel))
    use_torch_threads()
    return _KERNELS


_THREADS = threading.local()  # numba's thread count is per calling thread, so is what was last set


def use_torch_threads() -> None:
    """Numba's thread count follows ``torch.get_num_threads()`` (capped at numba's pool), so
    a process limited to one thread (e.g. one of several data-parallel workers on a
    machine) stays on one core in the kernels too. Set only when it changes: the call
    costs ~70 us, ~1 % of an SP epoch when made before every kernel."""
    import numba
    import torch

    n = max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS))
    if getattr(_THREADS, "n", None) != n:
        numba.set_num_threads(n)
        _THREADS.n = n


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


class _Branches:
    """float32 inputs, the joint (K, R_1 + R_2 + ..., N) outputs, each branch's row slice and,
    with ``coords``, the per-row lists the kernels fill with the columns that spiked."""

    def __init__(self, curs: list[np.ndarray], coords: bool) -> None:
        self.curs = [np.asarray(c, dtype=np.float32) for c in curs]
        K, _, N = self.curs[0].shape
        bounds = np.cumsum([0] + [c.shape[1] for c in self.curs])
        R = int(bounds[-1])
        self.s, self.vp = np.empty((K, R, N), np.float32), np.empty((K, R, N), np.float32)
        self.parts = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        # a row's list is only written as far as it spiked: untouched pages are never mapped
        self.active = np.empty((R, K * N) if coords else (0, 0), np.int32)
        self.counts = np.empty((K, R) if coords else (0, 0), np.int64)

    def block(self, rows: slice) -> tuple[np.ndarray, ...]:
        """The outputs of one branch's rows (views), in the kernels' argument order."""
        emit = self.active.shape[0] > 0
        return (self.s[:, rows], self.vp[:, rows], self.active[rows] if emit else self.active,
                self.counts[:, rows] if emit else self.counts)

    def coords(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows, cols) of the spikes of ``s`` viewed as (K * R, N), in row-major order."""
        if not self.active.shape[0]:
            return None
        return _compile()["coords"](self.active, self.counts)


def lif_window(curs: list[np.ndarray], v: Any, dv: Any, vth: Any, bias: Any, coords: bool = False):
    """``lif_step`` over K steps for one or more row blocks (branches) of the same layer.

    ``curs``: (K, R_i, N) inputs (any strides: an expanded view costs no copy); ``v``: the
    joint state (R_1 + R_2 + ..., N) or None. Returns ``(spikes, v_pre, v_after, active)`` as
    numpy float32, the branches' rows one after the other, as if their inputs had been
    concatenated; ``active``: with ``coords``, the (rows, cols) of every spike of ``spikes``
    seen as (K * R, N), row-major (what ``nonzero`` gives), listed while stepping, else None."""
    out = _Branches(curs, coords)
    v = _state(v, out.s.shape[1], out.s.shape[2])
    kernel, f_v = _compile()["lif"], decay_factor(dv)
    for cur, rows in zip(out.curs, out.parts):
        kernel(cur, v[rows], f_v, as_float32(vth), as_float32(bias), *out.block(rows))
    return out.s, out.vp, v, out.coords()


def cuba_lif_window(curs: list[np.ndarray], u: Any, v: Any, du: Any, dv: Any, vth: Any, bias: Any,
                    coords: bool = False):
    """``cuba_lif_step`` over K steps, branches and ``coords`` as in ``lif_window``:
    ``(spikes, v_pre, u_after, v_after, active)``."""
    out = _Branches(curs, coords)
    u, v = _state(u, out.s.shape[1], out.s.shape[2]), _state(v, out.s.shape[1], out.s.shape[2])
    kernel, f_u, f_v = _compile()["cuba_lif"], decay_factor(du), decay_factor(dv)
    for cur, rows in zip(out.curs, out.parts):
        kernel(cur, u[rows], v[rows], f_u, f_v, as_float32(vth), as_float32(bias), *out.block(rows))
    return out.s, out.vp, u, v, out.coords()
