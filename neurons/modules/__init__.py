"""Thin stateful torch wrappers around the step functions in ``neurons.functional``.

All three share ``NeuronModule`` (``base.py``): checked one-step ``forward`` and ``sequence``.
"""
from neurons.modules.base import NeuronModule, run_sequence
from neurons.modules.cuba_lif import CubaLIF
from neurons.modules.lif import LIF
from neurons.modules.two_compartment import TwoCompartment

__all__ = ["LIF", "CubaLIF", "TwoCompartment", "NeuronModule", "run_sequence"]
