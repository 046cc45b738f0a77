"""Dead-neuron study: the same network, data, seeds and budget for every learning rule,
under normal initialisation and under two stress settings (a high threshold, a negative
bias) that start most hidden neurons silent.

The per-layer metrics themselves (dead / near-dead / saturated fractions, rate and
voltage histograms) live in ``spikeprop.metrics``; the trainer records them every epoch.
Modules: ``spec`` (what to run, the ``--quick`` preset), ``study`` (runs it, returns results),
``results`` (the result type), ``tables`` / ``plots`` (made from results by the caller).
"""
from spikeprop.dead_neurons.results import RunResult, recovery_epoch
from spikeprop.dead_neurons.spec import DEFAULT_METHODS, QUICK, SETTINGS, StudySpec
from spikeprop.dead_neurons.study import run_one, run_study

__all__ = ["DEFAULT_METHODS", "QUICK", "SETTINGS", "RunResult", "StudySpec", "recovery_epoch",
           "run_one", "run_study"]
