"""Trained torch model -> ``Network``, via a type -> function table.

Each neuron module type maps to a function returning the float neuron parameters in
Lava's units (``dv = 1 - beta`` for ``neurons.LIF``). Values are read in float64, so a
model run with ``.double()`` and the float backends compute identical numbers. Reading a
checkpoint file is the application's job (``spikeprop.artifacts``); this module takes a model.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from export.errors import NetworkError
from export.network import Layer, Network


def _scalar(x: Any) -> float:
    return float(x.detach().double().item()) if hasattr(x, "detach") else float(x)


def _bias(x: Any) -> float | np.ndarray:
    arr = x.detach().double().cpu().numpy() if hasattr(x, "detach") else np.asarray(x, dtype=np.float64)
    return float(arr) if arr.size == 1 else arr.reshape(-1)


def _lif(m: Any) -> tuple[str, dict[str, Any]]:
    return "lif", {"dv": 1.0 - _scalar(m.beta), "vth": _scalar(m.threshold), "bias": _bias(m.bias)}


def _cuba_lif(m: Any) -> tuple[str, dict[str, Any]]:
    return "cuba_lif", {
        "du": _scalar(m.du), "dv": _scalar(m.dv), "vth": _scalar(m.threshold), "bias": _bias(m.bias),
    }


def _two_compartment(m: Any) -> tuple[str, dict[str, Any]]:
    return "two_compartment", {
        "du": _scalar(m.du), "dv": _scalar(m.dv), "dv_dend": _scalar(m.dv_dend), "g": _scalar(m.g),
        "vth": _scalar(m.threshold), "bias": _bias(m.bias),
    }


def _step_neuron(m: Any) -> tuple[str, dict[str, Any]]:
    """A registered kind (``neurons.StepNeuron``): its params, by the params type's field names."""
    return m.kind, {f: _bias(getattr(m, f)) for f in m.params_type._fields}


def converters() -> dict[type, Callable[[Any], tuple[str, dict[str, Any]]]]:
    """Neuron module type -> converter (built lazily: importing torch is slow)."""
    from neurons import LIF, CubaLIF, StepNeuron, TwoCompartment

    return {LIF: _lif, CubaLIF: _cuba_lif, TwoCompartment: _two_compartment, StepNeuron: _step_neuron}


def neuron_params(module: Any) -> tuple[str, dict[str, Any]]:
    """``(kind, float params)`` of one neuron module; unknown types get one clear error."""
    table = converters()
    for cls in type(module).__mro__:
        if cls in table:
            return table[cls](module)
    known = ", ".join(sorted(c.__name__ for c in table))
    raise NetworkError(f"cannot export neuron module {type(module).__name__}; supported: {known}")


def from_torch(model: Any) -> Network:
    """A SpikingNet-like model (``fcs``: bias-free Linear layers, ``neurons``: one module each) -> Network."""
    fcs = getattr(model, "fcs", None)
    neurons = getattr(model, "neurons", None)
    if fcs is None or neurons is None or len(fcs) != len(neurons) or len(fcs) == 0:
        raise NetworkError(
            f"cannot export {type(model).__name__}: expected a SpikingNet-like model with matching "
            "`fcs` (dense synapses) and `neurons` lists"
        )
    layers = []
    for i, (fc, neuron) in enumerate(zip(fcs, neurons)):
        if getattr(fc, "bias", None) is not None:
            raise NetworkError(f"layer {i}: synapses with a bias cannot be exported (Loihi puts bias in the neuron)")
        kind, params = neuron_params(neuron)
        w = fc.weight.detach().double().cpu().numpy()
        layers.append(Layer(weights=w, neuron=kind, params=params, name=f"layer {i}"))
    meta: dict[str, Any] = {"source": type(model).__name__}
    cfg = getattr(model, "cfg", None)
    if cfg is not None and hasattr(cfg, "to_dict"):
        meta["net_config"] = cfg.to_dict()
    return Network(layers, n_inputs=layers[0].n_in, meta=meta)
