"""Spike encoders for static uint8 images, applied per batch on the fly.

Only the uint8 images are kept in memory; one batch's (T, B, N) spikes exist at a time.

Reproducibility: rate coding draws each sample's noise from its own generator, seeded by
``sample_seed(seed, epoch, key)`` where ``key`` is the sample's index in the data set (not
its position in the batch). The spikes of a sample therefore depend only on (seed, epoch,
sample), whatever batch or worker shard it lands in: data-parallel workers, a resumed run
and a re-shuffled epoch all see the same spikes for the same image.
"""
from __future__ import annotations

import torch

_MASK64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    """One SplitMix64 step (Steele, Lea, Flood 2014): a well-mixed 64-bit hash of ``x``."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def sample_seed(seed: int, epoch: int, key: int) -> int:
    """The generator seed of sample ``key`` in ``epoch``: a hash of the three (63 bits)."""
    h = _splitmix64(int(seed) & _MASK64)
    h = _splitmix64(h ^ (int(epoch) & _MASK64))
    h = _splitmix64(h ^ (int(key) & _MASK64))
    return h >> 1  # torch.Generator.manual_seed takes a non-negative int64


def _flat_intensity(images: torch.Tensor) -> torch.Tensor:
    """(B, ...) uint8 -> (B, N) float32 in [0, 1] (x = pixel / 255)."""
    images = torch.as_tensor(images)
    if images.dtype != torch.uint8:
        raise ValueError(f"images must be uint8 (0..255), got {images.dtype}")
    return images.reshape(images.shape[0], -1).float() / 255.0


def rate_encode(images: torch.Tensor, T: int, seed: int = 0, epoch: int = 0,
                keys: torch.Tensor | None = None) -> torch.Tensor:
    """Bernoulli rate code: (T, B, N) bool, spike at each step with probability pixel / 255.

    ``keys`` (B,) are the samples' indices in their data set (default: 0..B-1); sample b's
    noise comes from a generator seeded with ``sample_seed(seed, epoch, keys[b])``.
    A pixel of 255 spikes at every step, a pixel of 0 never.
    """
    p = _flat_intensity(images)
    B, N = p.shape
    keys = torch.arange(B) if keys is None else torch.as_tensor(keys).reshape(-1)
    if keys.numel() != B:
        raise ValueError(f"got {keys.numel()} keys for {B} images")
    u = torch.empty(B, int(T), N)
    g = torch.Generator()
    for b, key in enumerate(keys.tolist()):
        g.manual_seed(sample_seed(seed, epoch, key))
        torch.rand(int(T), N, generator=g, out=u[b])
    return (u < p[:, None, :]).transpose(0, 1).contiguous()


LATENCY_THRESHOLD = 0.1  # pixels at or below 10 % of full scale (background) stay silent


def latency_steps(images: torch.Tensor, T: int, threshold: float = LATENCY_THRESHOLD) -> torch.Tensor:
    """(B, N) int64 spike step of each pixel, -1 for silent ones.

    With x = pixel / 255: a pixel with x > ``threshold`` spikes once, at
    t = round((1 - x) * (T - 1)); x = 1 fires at step 0, dimmer pixels later, down to
    step round((1 - threshold) * (T - 1)). Deterministic: no seed.
    """
    x = _flat_intensity(images)
    steps = torch.round((1.0 - x) * (int(T) - 1)).long()
    return torch.where(x > threshold, steps, torch.full_like(steps, -1))


def latency_encode(images: torch.Tensor, T: int, threshold: float = LATENCY_THRESHOLD) -> torch.Tensor:
    """Time-to-first-spike code: (T, B, N) bool, one spike per bright pixel (see ``latency_steps``)."""
    steps = latency_steps(images, T, threshold)
    b, c = (steps >= 0).nonzero(as_tuple=True)
    out = torch.zeros(int(T), steps.shape[0], steps.shape[1], dtype=torch.bool)
    out[steps[b, c], b, c] = True
    return out


ENCODINGS = ("rate", "latency")
