"""ProcessModels of ``TwoCompartment``: float (calls ``neurons.functional``) and fixed point
(calls ``export.fallback.fixed``), so Lava and the fallback share one statement of the dynamics.

Absolute imports only: the Lava compiler loads this file by path (relative imports fail silently).
"""
from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from export.lava.two_compartment.process import TwoCompartment


class _ResetMixin:
    """Zero the state at ``time_step % reset_interval == reset_offset`` (as ``LIFReset``)."""

    def _maybe_reset(self) -> None:
        interval = self.proc_params.get("reset_interval", 0)
        if interval and self.time_step % interval == self.proc_params.get("reset_offset", 0) % interval:
            self.u[:] = 0
            self.v[:] = 0
            self.v_dend[:] = 0


@implements(proc=TwoCompartment, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyTwoCompartmentFloat(_ResetMixin, PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_dend: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)
    v_dend: np.ndarray = LavaPyType(np.ndarray, float)
    du: float = LavaPyType(float, float)
    dv: float = LavaPyType(float, float)
    dv_dend: float = LavaPyType(float, float)
    g: float = LavaPyType(float, float)
    vth: float = LavaPyType(float, float)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, float)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self) -> None:
        from neurons.functional import (
            TwoCompartmentParams,
            TwoCompartmentState,
            heaviside,
            two_compartment_step,
        )

        a = self.a_in.recv()
        x_dend = self.a_dend.recv()
        self._maybe_reset()
        p = TwoCompartmentParams(du=float(self.du), dv=float(self.dv), dv_dend=float(self.dv_dend),
                                 g=float(self.g), vth=float(self.vth), bias=self.bias_mant)
        state = TwoCompartmentState(u=self.u.copy(), v=self.v.copy(), v_dend=self.v_dend.copy())
        s, _, new = two_compartment_step(a, x_dend, state, p, heaviside)
        self.u[:], self.v[:], self.v_dend[:] = new.u, new.v, new.v_dend
        self.s_out.send(s)


@implements(proc=TwoCompartment, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyTwoCompartmentFixed(_ResetMixin, PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)
    a_dend: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    v_dend: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    du: int = LavaPyType(int, np.uint16, precision=13)
    dv: int = LavaPyType(int, np.uint16, precision=13)
    dv_dend: int = LavaPyType(int, np.uint16, precision=13)
    g: int = LavaPyType(int, np.int16, precision=16)
    vth: int = LavaPyType(int, np.int32, precision=17)
    bias_mant: np.ndarray = LavaPyType(np.ndarray, np.int16, precision=13)
    bias_exp: np.ndarray = LavaPyType(np.ndarray, np.int16, precision=3)

    def run_spk(self) -> None:
        from export.fallback.fixed import (
            DECAY_UNITY,
            VTH_SHIFT,
            FixedParams,
            FixedState,
            two_compartment_fixed_step,
        )

        a = np.asarray(self.a_in.recv(), dtype=np.float64)  # integers, exact in float64
        x_dend = np.asarray(self.a_dend.recv(), dtype=np.float64)
        self._maybe_reset()
        mant = np.asarray(self.bias_mant, dtype=np.int64)
        exp = np.asarray(self.bias_exp, dtype=np.int64)
        bias = np.where(exp >= 0, mant << np.maximum(exp, 0), mant >> np.maximum(-exp, 0))
        p = FixedParams(keep_u=DECAY_UNITY - int(self.du), keep_v=DECAY_UNITY - int(self.dv),
                        keep_dend=DECAY_UNITY - int(self.dv_dend), g=int(self.g),
                        bias=bias.astype(np.float64),
                        vth=int(self.vth) << VTH_SHIFT, wrap32=True, wrap24=True)
        state = FixedState(u=self.u.astype(np.float64), v=self.v.astype(np.float64),
                           v_dend=self.v_dend.astype(np.float64))
        s, new = two_compartment_fixed_step(a, x_dend, state, p)
        self.u[:], self.v[:], self.v_dend[:] = new.u, new.v, new.v_dend
        self.s_out.send(s)
