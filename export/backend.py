"""The one place that chooses between Lava and the bit-exact numpy fallback.

``run(network, spikes, backend="auto")`` runs inference, ``learner(...)`` / ``learn(...)`` run
on-chip learning; ``auto`` uses Lava when lava-nc is installed and the fallback otherwise
(saying so in one line on stderr). Lava is imported lazily, only here (and in ``export.lava``),
so a caller never writes the lava-or-fallback choice itself.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from export.network import Network
from export.result import InputError, SimResult

BACKENDS = ("auto", "lava", "fallback")


def resolve(backend: str, quiet: bool = False) -> str:
    """``auto`` -> ``lava`` or ``fallback``; ``lava`` without lava-nc raises LavaNotInstalledError."""
    from export.lava import require_lava

    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "auto":
        try:
            require_lava()
        except Exception as exc:  # any import failure means: use the fallback, and say why
            if not quiet:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                print(f"notice: Lava unavailable ({reason}); running the bit-exact numpy "
                      "fallback instead", file=sys.stderr)
            return "fallback"
        return "lava"
    if backend == "lava":
        require_lava()
    return backend


def run(network: Network, spikes: Any, *, backend: str = "auto", precision: str | None = None,
        quiet: bool = False, **kwargs: Any) -> SimResult:
    """Run on the chosen backend; ``kwargs`` as for ``export.fallback.simulate`` (Lava also takes
    ``layer_spikes``; the fallback always returns every layer's spikes and ignores it)."""
    if resolve(backend, quiet) == "lava":
        from export.lava.build import run_lava

        return run_lava(network, spikes, precision, **kwargs)
    from export.fallback import simulate

    kwargs.pop("layer_spikes", None)
    return simulate(network, spikes, precision, **kwargs)


def learner(network: Any, spec: Any, backend: str = "fallback", precision: str = "fixed",
            n_classes: int | None = None, quiet: bool = False) -> Any:
    """A ``DeviceLearner`` for ``network`` (an ``export.network.Network`` or an already built
    ``LearningNetwork``) with the plastic layers of ``spec``, bound to the resolved backend."""
    from export.learning.adapters import to_learning_network
    from export.learning.device import DeviceLearner
    from export.learning.network import LearningNetwork

    lnet = network if isinstance(network, LearningNetwork) else to_learning_network(network, spec, n_classes)
    return DeviceLearner(lnet, spec, resolve(backend, quiet), precision)


def learn(net: Any, stream: Any, target: Any, *, backend: str, precision: str = "fixed",
          reset_interval: int = 0, float_net: Any = None, callback: Callable | None = None,
          callback_every: int = 0) -> Any:
    """Stream ``stream`` (steps, n_in) with ``target`` (steps, n_classes) through the learning
    network ``net`` on ``backend``; returns the run (``.weights``, ``.out_spikes``). Float
    precision learns ``float_net`` (an ``export.learning.float_ref.FloatLearningNetwork``).
    On Lava a weight of ``None`` in the result means: that layer is not plastic."""
    if resolve(backend, quiet=True) == "lava":
        if callback is not None:
            raise InputError("callbacks during learning need the fallback backend")
        from export.lava.learning import run_learning_lava

        init = float_net.weights if precision == "float" else None
        return run_learning_lava(net, stream, target, reset_interval=reset_interval, precision=precision,
                                 weights=init)
    if precision == "fixed":
        from export.learning.fallback import run_learning_fixed

        return run_learning_fixed(net, stream, target, callback=callback, callback_every=callback_every,
                                  reset_interval=reset_interval)
    return float_net.learn(stream, target, callback=callback, callback_every=callback_every,
                           reset_interval=reset_interval)
