"""Dead-neuron study: the same network, data, seeds and budget for every learning rule,
under normal initialisation and under two stress settings (a high threshold, a negative
bias) that start most hidden neurons silent. ``run_study(spec, out)`` writes ``results.csv``, ``results.md`` and PNG plots.

The per-layer metrics themselves (dead / near-dead / saturated fractions, rate and
voltage histograms) live in ``spikeprop.metrics``; the trainer records them every epoch.
"""
from spikeprop.dead_neurons.study import (DEFAULT_METHODS, SETTINGS, RunResult, StudySpec, quick_spec,
                                          recovery_epoch, run_one, run_study)

__all__ = ["DEFAULT_METHODS", "SETTINGS", "RunResult", "StudySpec", "quick_spec", "recovery_epoch",
           "run_one", "run_study"]
