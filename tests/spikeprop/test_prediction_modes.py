"""Each prediction mode solves a toy problem; the adaptive tree saves comparisons."""
import torch

from spikeprop.config import TrainConfig
from spikeprop.model import NetConfig
from spikeprop.prediction import ClassTree, accuracies, collect_outputs, confusion_matrix, predict_nearest
from toy_data import toy_dataset
from spikeprop.trainer import Trainer

torch.set_num_threads(1)
C = 6


def train(output: str, method: str = "sp-surrogate"):
    cfg = TrainConfig(method=method, T=10, batch_size=16, epochs=3, lr=5e-3, n_classes=C,
                      update_every=5, output=output, target_density=0.25)
    tr = Trainer(NetConfig(sizes=[48, 32, C if output == "classifier" else 12]), cfg, progress=False)
    tr.fit(toy_dataset(120, T=10, n_classes=C, seed=1))
    test = toy_dataset(60, T=10, n_classes=C, seed=2)
    return accuracies(collect_outputs(tr.net, tr.signal, cfg, test), cfg)


def test_nearest_and_adaptive_modes_solve_toy_task():
    acc = train("sp")
    assert acc["nearest"] >= 0.9, acc
    assert acc["adaptive"] >= 0.85, acc
    assert acc["adaptive_comparisons"] < C


def test_classifier_mode_solves_toy_task():
    acc = train("classifier")
    assert acc["classifier"] >= 0.9, acc


def test_voltage_variant_nearest_mode():
    acc = train("sp", "sp-voltage")
    assert acc["nearest"] >= 0.9, acc


def test_class_tree_finds_nearest_with_fewer_comparisons():
    emb = torch.eye(9) + 0.05
    emb[3:6] += torch.tensor([0.0] * 8 + [0.6])  # a cluster
    tree = ClassTree(emb, branching=3)
    pred, comps = tree.predict(emb + 0.01)
    assert torch.equal(pred, torch.arange(9))
    assert torch.equal(pred, predict_nearest(emb + 0.01, emb))
    assert comps.float().mean() < 9 and tree.depth() >= 2


def test_confusion_matrix_counts():
    cm = confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
