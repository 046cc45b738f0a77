"""The on-chip SP rule as data: one description gives Lava's rule string and the fallback's products.

The rule is error-modulated, pre-synaptic-trace-gated plasticity (eRBP-style)::

    dw_ij = 2^lr_exp * x1_j * (y2_i - y3_i)

``x1`` is the pre-synaptic spike trace, ``y2``/``y3`` the positive/negative halves of the
post-synaptic neuron's local SP error (dendrite vs soma), sent by ``SPNeuron`` as Loihi's third
factor. Loihi traces are 7-bit unsigned, hence the split into two non-negative channels, and
learning rates must be powers of two (``m*2^e`` literals), hence ``lr_exp``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

Y_TAU_3F = 65535  # Lava's Loihi3FLearningRule fixes every y tau to uint16 max (y traces are inputs)


class Product(NamedTuple):
    """One term ``sign * 2^(s_exp-7) * dependency * factors`` as Lava's ProductSeries stores it."""

    mantissa: int  # Lava's s_mantissa (here +1 or -1)
    s_exp: int  # Lava's s_exp = exponent + 7, in [0, 15]
    dependency: str  # "u" (every epoch), "x0" (pre spike) or "y0" (post spike)
    factors: tuple[str, ...]  # trace names: "x1", "x2", "y1", "y2", "y3"


@dataclass(frozen=True)
class ThreeFactorRule:
    """Learning rate ``2^lr_exp``; pre-trace impulse/decay; one seed for Lava's stochastic rounding."""

    lr_exp: int = -4
    x1_impulse: int = 16
    x1_tau: int = 4
    rng_seed: int = 7
    t_epoch: int = 1

    def __post_init__(self) -> None:
        if not -7 <= self.lr_exp <= 8:
            raise ValueError(f"lr_exp must lie in [-7, 8] (Loihi's scaling exponent), got {self.lr_exp}")
        if not 0 <= self.x1_impulse <= 127 or int(self.x1_impulse) != self.x1_impulse:
            raise ValueError(f"x1_impulse must be an integer in [0, 127], got {self.x1_impulse}")
        if self.x1_tau <= 0:
            raise ValueError(f"x1_tau must be positive, got {self.x1_tau}")
        if self.t_epoch != 1:
            raise ValueError("only t_epoch=1 is supported (one learning phase per time step)")

    @property
    def dw(self) -> str:
        """Lava rule string (``u0``: apply every epoch)."""
        e = self.lr_exp
        return f"2^{e}*u0*x1*y2 - 2^{e}*u0*x1*y3"

    @property
    def products(self) -> tuple[Product, ...]:
        """What Lava's parser makes of :attr:`dw` (checked against Lava in a test)."""
        s = self.lr_exp + 7
        return (Product(1, s, "u", ("x1", "y2")), Product(-1, s, "u", ("x1", "y3")))

    def lava_kwargs(self) -> dict:
        """Keyword arguments of ``Loihi3FLearningRule``."""
        return dict(dw=self.dw, x1_impulse=self.x1_impulse, x1_tau=self.x1_tau,
                    t_epoch=self.t_epoch, rng_seed=self.rng_seed)

    def lava_float_kwargs(self, weight_exp: int = 0) -> dict:
        """``Loihi3FLearningRule`` arguments for Lava's float engine, giving the same rule as fixed point.

        The fixed engine shifts the product right by 3 (``2^lr_exp`` means ``2^(lr_exp-3)`` weight
        units); the float engine has no such shift and rejects exponents below -7, so the ``2^-3``
        moves into the x1 impulse (the trace is linear in it; powers of two are exact in float).
        The float Dense has no weight exponent, so it holds ``w * 2^weight_exp`` and the update is
        scaled by ``2^weight_exp`` as well."""
        return dict(self.lava_kwargs(), x1_impulse=self.x1_impulse * 2.0 ** (weight_exp - 3))
