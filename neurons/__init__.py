"""Spiking neuron models whose dynamics match Lava's LIF exactly.

``neurons.functional`` holds the pure step functions (the only statement of the
dynamics); ``neurons.LIF`` / ``CubaLIF`` / ``TwoCompartment`` wrap them for torch.
"""
from neurons.functional import (
    CubaLIFParams, CubaLIFState, LIFParams, LIFState,
    TwoCompartmentParams, TwoCompartmentState,
    cuba_lif_step, lif_step, two_compartment_step,
)
from neurons.modules import LIF, CubaLIF, TwoCompartment, run_sequence
from neurons.surrogate import SURROGATES, spike_fn

__all__ = [
    "LIF", "CubaLIF", "TwoCompartment", "run_sequence", "SURROGATES", "spike_fn",
    "LIFParams", "LIFState", "lif_step", "CubaLIFParams", "CubaLIFState", "cuba_lif_step",
    "TwoCompartmentParams", "TwoCompartmentState", "two_compartment_step",
]
