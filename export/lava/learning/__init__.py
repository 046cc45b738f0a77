"""Lava builders for learning networks (plastic ``LearningDense`` + ``SPNeuron``); Lava imported lazily."""
from export.lava.learning.build import run_learning_lava

__all__ = ["run_learning_lava"]
