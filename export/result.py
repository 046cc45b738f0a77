"""Input checking and the result type shared by the fallback simulator and the Lava runner.

Time convention (identical for both backends, so results compare element by element):

``align=False`` ("Lava time"): a fresh run of ``T`` steps, exactly what Lava's sink and
    monitors record. Every Dense delivers its input one step later, so layer ``l``
    (0-based) first sees input spikes of step ``t`` at step ``t + l + 1`` and the output
    lags the input by ``network.delay`` (= number of layers) steps. The last ``delay`` input
    steps never reach the output.
``align=True`` ("model time"): each layer's clock starts when its first input arrives, so
    step ``t`` of every layer belongs to input step ``t``, as in the torch model; nothing is
    lost. On Lava, B samples run back to back in ``B * T + delay`` steps and layer ``l``
    resets its state every ``T`` steps at its own offset (``LIFReset``); the fallback simply
    drops the delays. With zero bias the aligned output equals the Lava-time output shifted
    back by ``delay`` steps (with a bias, Lava time also lets deeper layers integrate the
    bias during the steps before their first input arrives).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from export.network import Network


from export.errors import InputError  # noqa: E402  (re-exported)


def recorded_layers(record: bool | Sequence[int], n_layers: int) -> set[int]:
    """Which layers keep their state per step: all (True), none (False) or the listed ones
    (negative indices count from the output: ``record=[-1]`` records the output layer only,
    which is all a voltage readout needs, without monitoring wide hidden layers)."""
    if isinstance(record, bool):
        return set(range(n_layers)) if record else set()
    out = set()
    for j in record:
        if not -n_layers <= int(j) < n_layers:
            raise InputError(f"record: layer {j} does not exist in a {n_layers}-layer network")
        out.add(int(j) % n_layers)
    return out


@dataclass
class SimResult:
    """Output spikes (bool) and, if recorded, every layer's spikes and state per step.

    ``spikes`` has the input's layout ((T, B, N), (B, T, N) or (T, N)). ``layers[l]`` maps
    ``"s"``, and with ``record=True`` ``"u"``, ``"v"`` (after reset, as Lava stores it) and
    ``"v_dend"`` (two-compartment), to arrays of the same layout.
    """

    spikes: np.ndarray
    layers: list[dict[str, np.ndarray]]
    precision: str
    backend: str
    aligned: bool
    layout: str = "TBN"
    single: bool = False
    timing: dict[str, float] = field(default_factory=dict)

    @property
    def time_axis(self) -> int:
        return 1 if (self.layout == "BTN" and not self.single) else 0

    def counts(self, layer: int = -1) -> np.ndarray:
        """Spike count per sample and neuron, (B, N) ((N,) for a single sample)."""
        s = self.spikes if layer == -1 else self.layers[layer]["s"]
        return s.sum(axis=self.time_axis)


def as_spikes(x: Any, network: Network, layout: str = "TBN") -> tuple[np.ndarray, str, bool]:
    """Return spikes as (T, B, N_in) plus the layout to restore and whether it was 2-D."""
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if layout not in ("TBN", "BTN"):
        raise InputError(f"layout must be 'TBN' (time-major) or 'BTN' (batch-major), got {layout!r}")
    if x.ndim not in (2, 3):
        raise InputError(
            f"input spikes must be (T, N) for one sample or (T, B, N) / (B, T, N) for a batch, "
            f"got shape {x.shape}"
        )
    if x.shape[-1] != network.n_inputs:
        raise InputError(
            f"input has width {x.shape[-1]} (last axis) but the network reads "
            f"{network.n_inputs} inputs"
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise InputError(f"input spikes must be numeric or boolean, got dtype {x.dtype}")
    single = x.ndim == 2
    if single:
        x = x[:, None, :]
    elif layout == "BTN":
        x = x.transpose(1, 0, 2)
    if x.shape[0] == 0:
        raise InputError("input has no time steps")
    return (x if x.dtype == bool else x != 0), layout, single


def restore_layout(arr: np.ndarray, layout: str, single: bool) -> np.ndarray:
    """Undo ``as_spikes``: (T, B, N) back to the caller's layout."""
    if single:
        return arr[:, 0]
    return arr.transpose(1, 0, 2) if layout == "BTN" else arr
