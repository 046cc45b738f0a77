"""On-chip learning: plastic layer description, SP three-factor rule, bit-exact numpy fallback of Lava's learning engine.

Entry point from the export layer: ``to_fallback(network, learning=LearningSpec(...))`` here, or
``export.lava.build.to_lava(network, "fixed", learning=LearningSpec(...))`` on Lava.
"""
from export.learning.spec import (DeviceLearner, LearningSpec, LearnRun, to_export_network, to_fallback,
                                  to_learning_network)

__all__ = ["DeviceLearner", "LearningSpec", "LearnRun", "to_export_network", "to_fallback", "to_learning_network"]
