"""Labelled samples -> the continuous input stream and target spikes a learning network sees."""
from __future__ import annotations

import numpy as np


def target_stream(labels: np.ndarray, T: int, n_classes: int = 10, period: int = 1) -> np.ndarray:
    """One-hot target spikes ``(N*T, n_classes)``: the label's channel spikes every ``period`` steps."""
    t = np.zeros((len(labels), T, n_classes), dtype=bool)
    t[np.arange(len(labels))[:, None], np.arange(0, T, period)[None, :], np.asarray(labels)[:, None]] = True
    return t.reshape(-1, n_classes)


def stream(x: np.ndarray, labels: np.ndarray, n_classes: int, period: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(N, T, n_in) samples + labels -> one continuous input stream (N*T, n_in) and its target."""
    x = np.asarray(x) != 0
    return x.reshape(-1, x.shape[-1]), target_stream(np.asarray(labels), x.shape[1], n_classes, period)


def class_patterns(n_classes: int, n_in: int, density: float = 0.03, seed: int = 0) -> np.ndarray:
    """(n_classes, n_in) bool: a fixed random set of ``round(density * n_in)`` input channels per
    class, the SP target signal when no trained network supplies one (numpy twin of the torch
    trainer's ``TargetSignal``; not the same draws)."""
    rng = np.random.default_rng(seed)
    k = max(1, int(round(density * n_in)))
    out = np.zeros((n_classes, n_in), dtype=bool)
    for c in range(n_classes):
        out[c, rng.permutation(n_in)[:k]] = True
    return out


def sp_stream(x: np.ndarray, labels: np.ndarray, patterns: np.ndarray, target_steps: int,
              period: int = 1, label_delay: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The two-phase SP stream: per sample ``target_steps`` steps of its class's target pattern on
    the input, then its ``T`` steps of data; the label channel (for the output layer's dendrite)
    spikes every ``period`` steps of the target phase only, ``label_delay`` steps late (the number
    of layers before the output: the label then reaches the output dendrite in step with the
    target pattern's wave through the layers). Returns ``(N*(Tt+T), n_in)`` and
    ``(N*(Tt+T), n_classes)``; each sample is ``Tt + T`` steps (the neurons' clock)."""
    x = np.asarray(x) != 0
    labels = np.asarray(labels)
    N, T, n_in = x.shape
    C = patterns.shape[0]
    phase = np.broadcast_to(np.asarray(patterns, dtype=bool)[labels][:, None, :], (N, target_steps, n_in))
    xs = np.concatenate([phase, x], axis=1).reshape(-1, n_in)
    tg = np.zeros((N, target_steps + T, C), dtype=bool)
    tg[:, :target_steps] = target_stream(labels, target_steps, C, period).reshape(N, target_steps, C)
    tg = tg.reshape(-1, C)
    if label_delay:
        tg = np.concatenate([np.zeros((label_delay, C), dtype=bool), tg[:-label_delay]])
    return xs, tg
