"""Every example in ``examples/`` runs in quick mode (``SPIKEPROP_QUICK=1``) in its own process,
exits 0 without a traceback, prints what it claims to show and writes its plot."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# example -> (lines its output must contain, the plot it writes)
EXAMPLES = {
    "train_sp.py": (["sp-voltage ", "sp-surrogate ", "sp-dendritic ", "best epoch"], "firing_rates.png"),
    "deploy_lava.py": (["quantisation", "fallback: spikes per layer"], "output_raster.png"),
    "learn_on_chip.py": (["learning on fallback", "after   200 samples: test accuracy"], "accuracy.png"),
    "dead_neurons.py": (["sp-voltage    dead per layer: start", "sp-surrogate  dead per layer"], "dead_fraction.png"),
    "custom_neuron.py": (["trained adaptive_lif", "layer 1: fallback spikes == torch spikes: True",
                          "layer 2: fallback spikes == torch spikes: True"], "hidden_voltage.png"),
    "nir_roundtrip.py": (["fallback float == snntorch: True"], "output_raster.png"),
}
NEEDS = {"nir_roundtrip.py": ("nir", "nirtorch", "snntorch")}


def test_every_example_is_listed():
    on_disk = {p.name for p in (ROOT / "examples").glob("*.py")} - {"demo.py"}  # demo drives the CLI
    assert on_disk == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_in_quick_mode(name, tmp_path):
    missing = [m for m in NEEDS.get(name, ()) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    env = dict(os.environ, SPIKEPROP_QUICK="1", MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name), "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines, plot = EXAMPLES[name]
    for line in lines:
        assert line in proc.stdout, f"{name}: {line!r} not in its output:\n{proc.stdout}"
    if name == "deploy_lava.py" and "lava    :" in proc.stdout:  # Lava installed: it must agree
        assert "identical, layer by layer: [True, True]" in proc.stdout, proc.stdout
    if name == "nir_roundtrip.py" and "Lava fixed ==" in proc.stdout:
        assert "Lava fixed == fallback fixed: True" in proc.stdout, proc.stdout
    assert (out / plot).stat().st_size > 1000
