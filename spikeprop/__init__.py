"""Signal Propagation for spiking neural networks: forward-only, layer-local learning."""
__version__ = "0.1.0"
