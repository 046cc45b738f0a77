"""On-chip learning: plastic layer description, SP three-factor rule, bit-exact numpy fallback of Lava's learning engine.

Entry point from the export layer: ``export.backend.learner(network, LearningSpec(...), backend)``,
``to_fallback(network, learning=LearningSpec(...))`` here, or
``export.lava.build.to_lava(network, "fixed", learning=LearningSpec(...))`` on Lava.
Modules: ``spec`` (LearningSpec), ``adapters`` (Network <-> LearningNetwork), ``device``
(DeviceLearner), ``stream`` (samples -> input stream + targets), ``stats`` (weight changes,
accuracy), ``builders`` (networks from scratch), and the engine (``network``, ``neuron``, ``rule``,
``engine_fixed``, ``fallback``, ``float_ref``).
"""
from export.learning.adapters import to_export_network, to_learning_network
from export.learning.device import DeviceLearner, LearnRun, to_fallback
from export.learning.spec import LearningSpec
from export.learning.stats import accuracy, weight_change_stats
from export.learning.stream import stream, target_stream

__all__ = ["DeviceLearner", "LearningSpec", "LearnRun", "accuracy", "stream", "target_stream", "to_export_network",
           "to_fallback", "to_learning_network", "weight_change_stats"]
