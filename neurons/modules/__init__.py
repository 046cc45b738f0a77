"""Thin stateful torch wrappers around the step functions in ``neurons.functional``."""
from neurons.modules.base import run_sequence
from neurons.modules.cuba_lif import CubaLIF
from neurons.modules.lif import LIF
from neurons.modules.two_compartment import TwoCompartment

__all__ = ["LIF", "CubaLIF", "TwoCompartment", "run_sequence"]
