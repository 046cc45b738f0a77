"""The step functions must be importable without torch (numpy simulators, Lava models)."""
import subprocess
import sys


def test_functional_does_not_import_torch():
    code = "import sys, neurons.functional; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lazy_modules_still_available():
    import neurons

    assert neurons.LIF.__name__ == "LIF"
