"""Lava must stay usable after a progress bar fixed the multiprocessing start method."""
import subprocess
import sys

import pytest

CODE = """
import multiprocessing, tqdm
for _ in tqdm.tqdm(range(2), disable=False): pass   # creates an mp lock: start method fixed
assert multiprocessing.get_start_method(allow_none=True) is not None
from export.backend import resolve
print(resolve("auto"))
"""


def test_auto_backend_picks_lava_after_tqdm():
    pytest.importorskip("lava", reason="lava-nc is not installed (./run install adds it)")
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "lava", out.stderr
