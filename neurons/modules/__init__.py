"""Thin stateful torch wrappers around the step functions in ``neurons.functional``.

All share ``NeuronModule`` (``base.py``): checked one-step ``forward`` and ``sequence``.
"""
from neurons.modules.base import NeuronModule, run_sequence
from neurons.modules.cuba_lif import CubaLIF
from neurons.modules.lif import LIF
from neurons.modules.step_neuron import StepNeuron
from neurons.modules.two_compartment import TwoCompartment

__all__ = ["LIF", "CubaLIF", "TwoCompartment", "StepNeuron", "NeuronModule", "run_sequence"]
