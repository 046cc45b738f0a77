"""Numpy fallback simulator: Lava's float and fixed-point arithmetic, without Lava.

``simulate(network, spikes)`` gives the same spikes (and states) as ``export.lava.build``
on the same input, under the time convention documented in ``export.result``. It is
vectorised over the batch and, for the synapses, over time (one matmul per layer), which
makes it two to three orders of magnitude faster than Lava's Python simulation.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np

from export.network import Network
from export.result import InputError, SimResult, as_spikes, recorded_layers, restore_layout

__all__ = ["simulate", "prepare", "Prepared", "SimResult", "InputError"]


class Prepared:
    """A network with its input-independent work done (weights clipped, transposed,
    overflow bounds): ``simulate(prepare(net), x)`` skips it, like a compiled Lava network."""

    def __init__(self, network: Network) -> None:
        self.network = network
        if network.precision == "fixed":
            from export.fallback import fixed as impl
        else:
            from export.fallback import float as impl  # noqa: A004 - module named after the precision
        self.impl = impl
        self.layers = [impl.prepare_layer(layer) for layer in network.layers]


def prepare(network: Network, precision: str | None = None) -> Prepared:
    """Prepare ``network`` (in ``precision``, converting if needed) for repeated simulation."""
    from export.quantize import to_precision

    return Prepared(to_precision(network, precision) if precision else network)


def simulate(
    network: Network | Prepared,
    spikes: Any,
    precision: str | None = None,
    *,
    layout: str = "TBN",
    align: bool = True,
    record: bool | Sequence[int] = False,
    dendrite: list[np.ndarray | None] | None = None,
    workers: int | None = None,
) -> SimResult:
    """Run ``network`` on input ``spikes`` ((T, B, N_in) time-major, (B, T, N_in) with
    ``layout="BTN"``, or (T, N_in)); any non-zero entry is a spike.

    ``precision`` defaults to the network's; asking for the other one converts the network
    first (``export.quantize.to_precision``). ``align`` picks the time convention (see
    ``export.result``). ``record`` keeps every layer's ``u``, ``v`` and ``v_dend`` per step.
    ``dendrite`` optionally gives, per layer, the dendritic input of two-compartment layers
    ((T, B, N) like the spikes, not delayed by any Dense; fixed: integers, added << 6).
    ``workers``: threads, each running a slice of the batch (default: up to 2 for batches of
    8 or more; numpy releases the GIL inside its loops). Results do not depend on it.
    """
    if isinstance(network, Prepared):
        prep = network if not precision or precision == network.network.precision else prepare(network.network, precision)
    else:
        prep = prepare(network, precision)
    net = prep.network
    x, layout, single = as_spikes(spikes, net, layout)
    dend = _dendrite_inputs(net, dendrite, x.shape[:2], layout, single)
    t0 = time.perf_counter()
    B = x.shape[1]
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if B >= 8 else 1
    workers = max(1, min(int(workers), B))
    if workers == 1:
        per_layer = _run(prep, x, dend, record, align)
    else:
        bounds = np.linspace(0, B, workers + 1).astype(int)
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(
                lambda ab: _run(prep, x[:, ab[0]:ab[1]],
                                [None if d is None else d[:, ab[0]:ab[1]] for d in dend], record, align),
                zip(bounds[:-1], bounds[1:])))
        per_layer = [{k: np.concatenate([p[l][k] for p in parts], axis=1) for k in parts[0][l]}
                     for l in range(len(net.layers))]
    layers = [{k: restore_layout(v, layout, single) for k, v in out.items()} for out in per_layer]
    elapsed = time.perf_counter() - t0
    return SimResult(
        spikes=layers[-1]["s"],
        layers=layers,
        precision=net.precision,
        backend="fallback",
        aligned=align,
        layout=layout,
        single=single,
        timing={"run_s": elapsed, "per_sample_s": elapsed / x.shape[1]},
    )


def _run(prep: Prepared, x: np.ndarray, dend: list, record: Any, align: bool) -> list[dict]:
    """All layers, in order, on one (T, B, N) batch."""
    h, out = x, []
    keep = recorded_layers(record, len(prep.layers))
    for j, (layer, xd) in enumerate(zip(prep.layers, dend)):
        rec = prep.impl.run_network_layer(layer, h, xd, j in keep, align)
        h = rec["s"]
        out.append(rec)
    return out


def _dendrite_inputs(
    net: Network, dendrite: Any, tb: tuple[int, int], layout: str, single: bool
) -> list[np.ndarray | None]:
    if dendrite is None:
        return [None] * len(net.layers)
    if len(dendrite) != len(net.layers):
        raise InputError(f"dendrite needs one entry per layer ({len(net.layers)}), got {len(dendrite)}")
    out = []
    for i, (layer, xd) in enumerate(zip(net.layers, dendrite)):
        if xd is None:
            out.append(None)
            continue
        if layer.neuron != "two_compartment":
            raise InputError(f"layer {i} is {layer.neuron}: only two_compartment layers take dendritic input")
        xd = np.asarray(xd)
        if single:
            xd = xd[:, None, :] if xd.ndim == 2 else xd
        elif layout == "BTN":
            xd = xd.transpose(1, 0, 2)
        if xd.shape != tb + (layer.n_out,):
            raise InputError(
                f"layer {i}: dendritic input must have shape {tb + (layer.n_out,)} (time-major), got {xd.shape}"
            )
        out.append(xd)
    return out
