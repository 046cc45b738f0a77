"""Lava Process interface of ``SPNeuron`` (equations: ``export.learning.neuron``).

Soma input ``a_in``, dendrite (target) input ``a_dend``; ``s_out`` spikes; ``s_out_bap`` and
``s_out_y1..3`` feed a plastic ``LearningDense`` with a Loihi3FLearningRule (y2/y3 = error halves).
``reset_interval`` > 0 zeroes u, v, d at the start of every time step with
``time_step % reset_interval == reset_offset`` (one sample = one interval, as Lava's ``LIFReset``);
it is also the clock of the two-phase SP neuron (``two_phase``: target pass, then input pass).
Only process.py and models.py live here: the Lava compiler executes every file in this folder.
"""
from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class SPNeuron(AbstractProcess):
    def __init__(self, *, shape: tuple, du: int = 4096, dv: int = 410, vth: int = 64,
                 dd: int = 410, fb: int = 0, e_shift: int = 0, gate_lo: int | None = None,
                 gate_hi: int | None = None, reset_interval: int = 0, reset_offset: int = 0,
                 two_phase: bool = False, target_steps: int = 0, learn_skip: int = 0, act_lo: int = 0,
                 act_hi: int = 0, self_target: bool = True, name: str | None = None) -> None:
        super().__init__(shape=shape, du=du, dv=dv, vth=vth, dd=dd, fb=fb, e_shift=e_shift,
                         gate_lo=gate_lo, gate_hi=gate_hi, reset_interval=reset_interval,
                         reset_offset=reset_offset, two_phase=two_phase, target_steps=target_steps,
                         learn_skip=learn_skip, act_lo=act_lo, act_hi=act_hi, self_target=self_target,
                         name=name)
        self.a_in = InPort(shape=shape)
        self.a_dend = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.s_out_bap = OutPort(shape=shape)
        self.s_out_y1 = OutPort(shape=shape)
        self.s_out_y2 = OutPort(shape=shape)
        self.s_out_y3 = OutPort(shape=shape)
        self.u = Var(shape=shape, init=np.zeros(shape, dtype=np.int64))
        self.v = Var(shape=shape, init=np.zeros(shape, dtype=np.int64))
        self.d = Var(shape=shape, init=np.zeros(shape, dtype=np.int64))
        self.f = Var(shape=shape, init=np.zeros(shape, dtype=np.int64))  # free voltage (two-phase SP)
