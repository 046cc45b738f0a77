"""Dead-neuron metrics, per layer, cheap enough to run every epoch.

A neuron is *dead* if it never spikes over the whole evaluation set (no spike, so
surrogate-free backprop gives it no signal), *near-dead* below ``near_dead_rate``
spikes per step, *saturated* above ``saturated_rate``. ``LayerStats`` accumulates spike
counts and a histogram of ``v_pre - vth`` step by step without storing activity.
"""
from __future__ import annotations

import torch

V_BINS = 24
V_RANGE = (-4.0, 2.0)  # v_pre - vth, in the same units as the threshold
RATE_BINS = 10


def firing_rates(spike_counts: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Per-neuron spikes per step, from counts summed over steps x samples."""
    return spike_counts.float() / max(1, int(n_steps))


def dead_fraction(rates: torch.Tensor) -> float:
    return float((rates <= 0).float().mean()) if rates.numel() else 0.0


def near_dead_fraction(rates: torch.Tensor, threshold: float = 0.01) -> float:
    """Fraction below ``threshold`` spikes per step (dead neurons included)."""
    return float((rates < threshold).float().mean()) if rates.numel() else 0.0


def saturated_fraction(rates: torch.Tensor, threshold: float = 0.9) -> float:
    return float((rates > threshold).float().mean()) if rates.numel() else 0.0


def spikes_summary(spike_counts: torch.Tensor, n_steps: int, near_dead_rate: float = 0.01,
                   saturated_rate: float = 0.9) -> dict:
    """Rate, dead / near-dead / saturated fractions and the rate histogram of one layer."""
    r = firing_rates(spike_counts, n_steps)
    hist = torch.histc(r.clamp(0, 1), bins=RATE_BINS, min=0.0, max=1.0)
    return {
        "rate": float(r.mean()) if r.numel() else 0.0,
        "dead": dead_fraction(r),
        "near_dead": near_dead_fraction(r, near_dead_rate),
        "saturated": saturated_fraction(r, saturated_rate),
        "rate_hist": [int(v) for v in hist.tolist()],
    }


class LayerStats:
    """Running spike counts and voltage-vs-threshold histogram of one layer."""

    def __init__(self, n_neurons: int, vth: float = 1.0) -> None:
        self.counts = torch.zeros(n_neurons)
        self.v_hist = torch.zeros(V_BINS)
        self.n_steps = 0  # samples x steps
        self.vth = float(vth)

    def update(self, spikes: torch.Tensor, v_pre: torch.Tensor | None = None) -> None:
        """Add (..., N) spikes (and the matching voltages before threshold)."""
        flat = spikes.reshape(-1, spikes.shape[-1])
        self.counts += flat.sum(0)
        self.n_steps += flat.shape[0]
        if v_pre is not None:
            lo, hi = V_RANGE
            self.v_hist += torch.histc((v_pre.detach() - self.vth).clamp(lo, hi), bins=V_BINS, min=lo, max=hi)

    def summary(self, near_dead_rate: float = 0.01, saturated_rate: float = 0.9) -> dict:
        out = spikes_summary(self.counts, self.n_steps, near_dead_rate, saturated_rate)
        total = float(self.v_hist.sum()) or 1.0
        out["v_hist"] = [round(float(v) / total, 5) for v in self.v_hist]
        return out


def v_hist_edges() -> list[float]:
    lo, hi = V_RANGE
    return torch.linspace(lo, hi, V_BINS + 1).tolist()
