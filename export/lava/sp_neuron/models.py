"""ProcessModels of ``SPNeuron``: fixed point (bit-accurate, ``sp_neuron_fixed_step``) and floating
point (``sp_neuron_float_step``, for Lava's float learning engine). Each calls the same pure step
as the numpy fallback of its precision, so Lava and the fallback run one statement of the neuron."""
from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from export.lava.sp_neuron.process import SPNeuron
from export.learning.neuron import (SPNeuronParams, SPNeuronState, phase_reset, sp_neuron_fixed_step,
                                    sp_neuron_float_step)

_NAMES = ("du", "dv", "vth", "dd", "fb", "e_shift", "gate_lo", "gate_hi", "two_phase", "target_steps",
          "learn_skip", "act_lo", "act_hi", "self_target")


def _params(model: PyLoihiProcessModel):
    """The neuron's parameters and its step within the sample (``None`` without a clock); applies
    the per-sample resets (``phase_reset``, the same function the fallback calls) first."""
    pp = model.proc_params
    p = SPNeuronParams(**{n: pp[n] for n in _NAMES})
    interval = pp.get("reset_interval", 0)
    k = (model.time_step - pp.get("reset_offset", 0)) % interval if interval else None
    st = phase_reset((model.u, model.v, model.d, model.f), k, p)
    model.u[:], model.v[:], model.d[:], model.f[:] = st
    return p, k


@implements(proc=SPNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PySPNeuronFixed(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    a_dend: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    u: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    v: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    d: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)
    f: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=24)

    def run_spk(self) -> None:
        p, k = _params(self)
        a_in = self.a_in.recv()
        a_dend = self.a_dend.recv()
        s, y2, y3, st = sp_neuron_fixed_step(a_in, a_dend, SPNeuronState(self.u, self.v, self.d, self.f), p, k)
        self.u[:], self.v[:], self.d[:], self.f[:] = st.u, st.v, st.d, st.f
        self.s_out.send(s)
        self.s_out_bap.send(s)
        self.s_out_y1.send(np.zeros(s.shape, dtype=np.int32))
        self.s_out_y2.send(y2.astype(np.int32))
        self.s_out_y3.send(y3.astype(np.int32))


@implements(proc=SPNeuron, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySPNeuronFloat(PyLoihiProcessModel):
    """Same equations as the fixed model without rounding or saturation; y2/y3 are the real-valued
    error halves, which Lava's float ``LearningDense`` uses as they are (no 7-bit traces)."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_dend: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    v: np.ndarray = LavaPyType(np.ndarray, float)
    d: np.ndarray = LavaPyType(np.ndarray, float)
    f: np.ndarray = LavaPyType(np.ndarray, float)

    def run_spk(self) -> None:
        p, k = _params(self)
        a_in = self.a_in.recv()
        a_dend = self.a_dend.recv()
        s, y2, y3, (u, v, d, f) = sp_neuron_float_step(a_in, a_dend, (self.u, self.v, self.d, self.f), p, k)
        self.u[:], self.v[:], self.d[:], self.f[:] = u, v, d, f
        self.s_out.send(s.astype(float))
        self.s_out_bap.send(s)
        self.s_out_y1.send(np.zeros(s.shape))
        self.s_out_y2.send(y2)
        self.s_out_y3.send(y3)
