"""Pure step functions: the only statement of each neuron's dynamics.

Every function here works on torch tensors *and* numpy arrays (it only uses operators
both share) so that training (torch, surrogate spike function), the float fallback
simulator and the float Lava ProcessModels all run the very same arithmetic, in
Lava's order: decay, add input, add bias, threshold, hard reset.
"""
from neurons.functional.spike import heaviside
from neurons.functional.lif import LIFParams, LIFState, lif_step
from neurons.functional.cuba_lif import CubaLIFParams, CubaLIFState, cuba_lif_step
from neurons.functional.two_compartment import (
    TwoCompartmentParams,
    TwoCompartmentState,
    two_compartment_step,
)

__all__ = [
    "heaviside",
    "LIFParams", "LIFState", "lif_step",
    "CubaLIFParams", "CubaLIFState", "cuba_lif_step",
    "TwoCompartmentParams", "TwoCompartmentState", "two_compartment_step",
]
