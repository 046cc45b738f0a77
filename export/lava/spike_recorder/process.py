"""Lava Process that records its input spikes and writes them to a ``.npy`` file at the end.

Why: reading a sink's buffer back with ``Var.get()`` sends one value per message (about
30 us each: seconds for a 512 x 6000 record). This process keeps a boolean ``(steps, N)``
buffer inside its ProcessModel and saves it with ``np.save`` to ``path`` at time step
``steps``, before ``run()`` returns. Only process.py and models.py live in this folder.
"""
from __future__ import annotations

from lava.magma.core.process.ports.ports import InPort
from lava.magma.core.process.process import AbstractProcess


class SpikeRecorder(AbstractProcess):
    def __init__(self, *, shape: tuple, steps: int, path: str, name: str | None = None) -> None:
        super().__init__(shape=tuple(shape), steps=int(steps), path=str(path), name=name)
        self.a_in = InPort(shape=tuple(shape))
