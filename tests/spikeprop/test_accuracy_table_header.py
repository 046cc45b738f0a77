"""benchmarks/accuracy_table.py: the table's header names the neuron model its runs used."""
from benchmarks.accuracy_table import markdown, neuron_name


def test_header_names_the_neuron_model_of_the_extra_options():
    assert neuron_name("") == "LIF"
    assert neuron_name("--lr 1e-3") == "LIF"
    assert neuron_name("--neuron cuba_lif").startswith("CubaLIF")
    meta = {"epochs": 10, "extra": "--neuron cuba_lif", "missing": []}
    cell = {"seeds": {"0": {"selected": 0.9, "final": 0.8, "val_acc": 0.93},
                      "1": {"selected": 0.9, "final": 0.8, "val_acc": 0.95}}, "s_per_epoch": 10.0,
            "selected": {"mean": 0.9, "std": 0.0, "n": 1}, "final": {"mean": 0.8, "std": 0.0, "n": 1}}
    md = markdown({"2312-512-512-10": {"bptt": cell}}, meta)
    assert md.startswith("Embedded N-MNIST subset, CubaLIF") and "| bptt | 90.0 +- 0.0 (n=1) | 94.0 | 80.0" in md
    assert "--seed SEED --neuron cuba_lif`" in md
