"""ProcessModels of ``SpikeRecorder`` (float and fixed: only the port type differs)."""
from __future__ import annotations

import os

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from export.lava.spike_recorder.process import SpikeRecorder


class _Recorder(PyLoihiProcessModel):
    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._steps = int(proc_params["steps"])
        self._buf = np.zeros((self._steps,) + tuple(proc_params["shape"]), dtype=bool)

    def run_spk(self) -> None:
        data = self.a_in.recv()
        t = self.time_step - 1
        if t < self._steps:
            self._buf[t] = data != 0
        if self.time_step == self._steps:
            path = self.proc_params["path"]
            tmp = f"{path}.tmp.npy"
            np.save(tmp, self._buf)
            os.replace(tmp, path)


@implements(proc=SpikeRecorder, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySpikeRecorderFloat(_Recorder):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)


@implements(proc=SpikeRecorder, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySpikeRecorderFixed(_Recorder):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32)
