"""Lava Process interface of the two-compartment neuron (no dynamics here).

Per step (float; the fixed model is the same on Loihi's integer scales, see
``export.fallback.fixed.two_compartment_fixed_step``)::

    v_dend = v_dend * (1 - dv_dend) + a_dend        # passive dendrite (teaching input)
    u      = u * (1 - du) + a_in                    # somatic current
    v      = v * (1 - dv) + u + g * v_dend + bias   # soma; s_out = v > vth; v = 0 where spiked

Units of du, dv, dv_dend, g, vth, bias_mant/bias_exp follow ``export.network`` for the
selected precision (fixed: true decays on 4096, g a 12-bit fraction, vth << 6).
``reset_interval > 0`` zeroes u, v, v_dend when ``time_step % reset_interval == reset_offset``
(like Lava's ``LIFReset``), so one long run can hold several independent samples.
Only process.py and models.py live in this folder: the Lava compiler executes every file here.
"""
from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var


class TwoCompartment(AbstractProcess):
    def __init__(
        self,
        *,
        shape: tuple,
        du: float,
        dv: float,
        dv_dend: float,
        g: float,
        vth: float,
        bias_mant: float | np.ndarray = 0,
        bias_exp: int | np.ndarray = 0,
        reset_interval: int = 0,
        reset_offset: int = 0,
        name: str | None = None,
    ) -> None:
        super().__init__(shape=shape, du=du, dv=dv, dv_dend=dv_dend, g=g, vth=vth,
                         bias_mant=bias_mant, bias_exp=bias_exp, reset_interval=reset_interval,
                         reset_offset=reset_offset, name=name)
        self.a_in = InPort(shape=shape)
        self.a_dend = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.u = Var(shape=shape, init=0)
        self.v = Var(shape=shape, init=0)
        self.v_dend = Var(shape=shape, init=0)
        self.du = Var(shape=(1,), init=du)
        self.dv = Var(shape=(1,), init=dv)
        self.dv_dend = Var(shape=(1,), init=dv_dend)
        self.g = Var(shape=(1,), init=g)
        self.vth = Var(shape=(1,), init=vth)
        self.bias_mant = Var(shape=shape, init=bias_mant)
        self.bias_exp = Var(shape=shape, init=bias_exp)
