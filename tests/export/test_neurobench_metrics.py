"""NeuroBench metrics on a network small enough to count by hand."""
from __future__ import annotations

import numpy as np
import pytest

from export.errors import InputError
from export.network import Layer, Network
from export.neurobench import neurobench_metrics


def tiny():
    # layer 0: 2 inputs -> 2 lif (one zero weight); layer 1: 2 -> 1 cuba_lif
    return Network([Layer(np.array([[1.0, 0.0], [0.5, 2.0]]), "lif", dict(dv=0.5, vth=1.0, bias=0.0)),
                    Layer(np.array([[1.0, -1.0]]), "cuba_lif", dict(du=0.5, dv=0.5, vth=1.0, bias=0.0))], 2)


def test_hand_counted():
    net = tiny()
    x = np.array([[1, 0], [1, 1], [0, 0]], dtype=bool)[:, None, :]  # (T=3, B=1, 2)
    s0 = np.array([[1, 0], [0, 1], [0, 0]], dtype=bool)[:, None, :]
    s1 = np.array([[0], [1], [0]], dtype=bool)[:, None, :]
    m = neurobench_metrics(net, x, [s0, s1], predictions=[0, 1, 1], labels=[0, 1, 0])
    # weights 6 + params (3 + 4) + state (2 v + 1 u + 1 v) = 17 values, float32
    assert m["Footprint"] == 17 * 4
    assert m["ConnectionSparsity"] == pytest.approx(1 / 6)
    assert m["ActivationSparsity"]["per_layer"] == pytest.approx([1 - 2 / 6, 1 - 1 / 3])
    assert m["ActivationSparsity"]["overall"] == pytest.approx(1 - 3 / 9)
    # layer 0: input 0 fans out to 2 non-zero weights, input 1 to 1: spikes 0,0,1 -> 2+2+1 = 5
    # layer 1: fan-out 1 each, s0 has 2 spikes -> 2; Dense: 3 steps x (4 + 2)
    ops = m["SynapticOperations"]
    assert ops == {"Effective_MACs": 0.0, "Effective_ACs": 7.0, "Dense": 18.0}
    assert m["ClassificationAccuracy"] == pytest.approx(2 / 3)


def test_per_sample_average_and_errors():
    net = tiny()
    x = np.ones((2, 4, 2), dtype=bool)
    s = [np.zeros((2, 4, 2), bool), np.zeros((2, 4, 1), bool)]
    assert neurobench_metrics(net, x, s)["SynapticOperations"]["Effective_ACs"] == 2 * 3
    with pytest.raises(InputError, match="all 2 layers"):
        neurobench_metrics(net, x, s[:1])
