"""The deploy readout: most output spikes, ties broken by the summed voltage, then class order."""
import numpy as np
import pytest

from export.readout import predict_classes
from export.result import InputError, recorded_layers


def test_spike_count_wins_and_voltage_breaks_ties():
    counts = np.array([[0, 0, 0], [1, 2, 2], [3, 0, 0], [2, 2, 0]])
    v_sum = np.array([[1.0, 5.0, 2.0], [9.0, 1.0, 3.0], [0.0, 9.0, 9.0], [4.0, 4.0, 9.0]])
    assert predict_classes(counts).tolist() == [0, 1, 0, 0]  # argmax: lowest class on ties
    # row 0: all tied -> highest voltage; row 1: class 0 has the most voltage but fewer spikes;
    # row 2: a spike count beats any voltage; row 3: tied on both -> lowest class
    assert predict_classes(counts, v_sum).tolist() == [1, 2, 0, 0]


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match="readout: voltages"):
        predict_classes(np.zeros((2, 3)), np.zeros((2, 4)))


def test_recorded_layers():
    assert recorded_layers(True, 3) == {0, 1, 2} and recorded_layers(False, 3) == set()
    assert recorded_layers([-1], 3) == {2} and recorded_layers([0, -1], 2) == {0, 1}
    with pytest.raises(InputError, match="layer 3 does not exist"):
        recorded_layers([3], 3)
