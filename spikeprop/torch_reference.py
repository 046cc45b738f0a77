"""The trained torch model run step by step in float64, the reference a deployed network is
compared with (``spikeprop deploy`` and the on-chip learning report)."""
from __future__ import annotations

from typing import Any

import numpy as np


def torch_reference(model: Any, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-layer spikes (T, B, N) of the torch model in float64 (the float backends' arithmetic),
    and the output layer's voltage after reset (T, B, N_out), as a device's probe reports it."""
    import torch

    m = model.double().eval()
    xs = torch.from_numpy(x.astype(np.float64))
    states, per_layer, v_out = None, [[] for _ in m.fcs], []
    with torch.no_grad():
        for t in range(xs.shape[0]):
            spikes, _, states = m.step(xs[t], states)
            for l, s in enumerate(spikes):
                per_layer[l].append(s.numpy() != 0)
            v_out.append(states[-1].v.numpy().copy())
    return [np.stack(s) for s in per_layer], np.stack(v_out)


def torch_accuracy(model: Any, x: np.ndarray, y: np.ndarray, readout: str = "spikes+voltage") -> float:
    """Accuracy of the torch model on ``x`` (N, T, n_in) with a ``export.readout`` readout: by
    default ``spikes+voltage``, the one ``spikeprop deploy`` and ``evaluate``'s headline use
    (most spikes, ties by summed output voltage); ``spikes``: ties to the lowest class."""
    from export.readout import predict_classes

    ref, v = torch_reference(model, np.swapaxes(x, 0, 1))
    pred = predict_classes(ref[-1].sum(axis=0), v.sum(axis=0) if readout == "spikes+voltage" else None)
    return float((pred == y).mean())
