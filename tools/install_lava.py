#!/usr/bin/env python3
"""Install lava-nc 0.10.0 into this interpreter's environment, patch it for Python 3.11, verify it.

    python tools/install_lava.py           install if missing, patch, verify (idempotent)
    python tools/install_lava.py --check   verify only; exit 1 with a one-line message on failure

Why a script and not a dependency: every lava-nc release declares Requires-Python <3.11, so
lava-nc is installed with ``pip install --no-deps --ignore-requires-python`` after its
dependencies (requirements-lava.txt). lava-nc 0.10.0 also declares mutable dataclass defaults
in ``lava/magma/compiler/var_model.py`` (``x: ByteEncoder = ByteEncoder()``, 8 lines), which
Python 3.11 rejects; each becomes ``x: ByteEncoder = field(default_factory=ByteEncoder)``.

The verification runs, in a subprocess, a float RingBuffer -> Dense -> LIF -> RingBuffer network
for 10 steps and compares the output spikes with values computed by hand (see EXPECTED_SPIKES).
On success a marker file is written into the virtual environment (``./run`` looks for it).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

LAVA_VERSION = "0.10.0"
LAVA_REQUIREMENT = f"lava-nc=={LAVA_VERSION}"
N_PATCHED_FIELDS = 8  # ByteEncoder dataclass fields in lava-nc 0.10.0's var_model.py
ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS_LAVA = ROOT / "requirements-lava.txt"
MARKER_NAME = ".spikeprop-lava-verified"
# Distributions lava-nc 0.10.0 needs at import time (its own metadata, checked because it is
# installed with --no-deps).
LAVA_DEPENDENCIES = ("numpy", "scipy", "networkx", "asteval", "scikit-learn")
VERIFY_TIMEOUT_S = 300

_UNPATCHED = re.compile(
    r"^(?P<head>[ \t]+\w+[ \t]*:[ \t]*ByteEncoder[ \t]*=[ \t]*)ByteEncoder\(\)(?P<tail>[ \t]*(?:#.*)?)$",
    re.MULTILINE,
)
_PATCHED = re.compile(
    r"^[ \t]+\w+[ \t]*:[ \t]*ByteEncoder[ \t]*=[ \t]*field\(default_factory=ByteEncoder\)",
    re.MULTILINE,
)
_DATACLASS_IMPORT = re.compile(r"^from dataclasses import (?P<names>[^\n()\\]+)$", re.MULTILINE)


class InstallError(Exception):
    """A step failed; the message is one line and says what to do."""


# --- the Python 3.11 patch ---------------------------------------------------------------------


def patch_source(text: str) -> tuple[str, int]:
    """Return ``(patched_text, number_of_fields_changed)``; already patched text is returned unchanged."""
    new, n = _UNPATCHED.subn(r"\g<head>field(default_factory=ByteEncoder)\g<tail>", text)
    if _PATCHED.search(new):
        m = _DATACLASS_IMPORT.search(new)
        if m is None:
            raise InstallError("no single-line 'from dataclasses import ...' line to add 'field' to")
        names = [name.strip() for name in m.group("names").split(",")]
        if "field" not in names:
            new = new[: m.end("names")].rstrip() + ", field" + new[m.end("names"):]
    return new, n


def count_fields(text: str) -> tuple[int, int]:
    """(unpatched, patched) ByteEncoder dataclass defaults in ``text``."""
    return len(_UNPATCHED.findall(text)), len(_PATCHED.findall(text))


def patch_file(path: Path, expected: int = N_PATCHED_FIELDS) -> int:
    """Patch ``path`` in place (atomically); return how many fields changed (0: already patched).

    Raises InstallError unless afterwards exactly ``expected`` fields use default_factory,
    none is left unpatched and ``field`` is imported.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new, n = patch_source(text)
    if new != text:
        tmp = path.with_name(path.name + ".spikeprop-tmp")
        tmp.write_text(new, encoding="utf-8")
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    final = path.read_text(encoding="utf-8")
    unpatched, patched = count_fields(final)
    m = _DATACLASS_IMPORT.search(final)
    imports_field = m is not None and "field" in [s.strip() for s in m.group("names").split(",")]
    if unpatched or patched != expected or not imports_field:
        raise InstallError(
            f"unexpected content in {path}: {patched} patched / {unpatched} unpatched ByteEncoder "
            f"fields (expected {expected}), field imported: {imports_field}; is lava-nc {LAVA_VERSION} installed?"
        )
    return n


def is_patched(path: Path) -> bool:
    unpatched, patched = count_fields(Path(path).read_text(encoding="utf-8"))
    return unpatched == 0 and patched > 0


def find_var_model() -> Path | None:
    """Locate lava/magma/compiler/var_model.py without importing lava.magma (that fails unpatched)."""
    spec = importlib.util.find_spec("lava")  # 'lava' is a namespace package: nothing is executed
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "magma" / "compiler" / "var_model.py"
        if candidate.is_file():
            return candidate
    return None


# --- install -----------------------------------------------------------------------------------


def installed_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "-q", *args]
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    if subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL).returncode != 0:
        raise InstallError(f"'{' '.join(cmd[1:])}' failed (see pip's output above)")


def ensure_dependencies() -> str | None:
    """Install lava-nc's dependencies from requirements-lava.txt if any is missing."""
    missing = [d for d in LAVA_DEPENDENCIES if installed_version(d) is None]
    if missing:
        if not REQUIREMENTS_LAVA.is_file():
            raise InstallError(f"missing {', '.join(missing)} and {REQUIREMENTS_LAVA} not found")
        _pip("-r", str(REQUIREMENTS_LAVA))
    numpy = installed_version("numpy") or ""
    if numpy.split(".")[0].isdigit() and int(numpy.split(".")[0]) >= 2:
        raise InstallError(f"lava-nc {LAVA_VERSION} needs numpy<2 but numpy {numpy} is installed; pip install numpy==1.26.4")
    return f"installed {', '.join(missing)}" if missing else None


def ensure_lava() -> str | None:
    have = installed_version("lava-nc")
    if have == LAVA_VERSION and find_var_model() is not None:
        return None
    _pip("--no-deps", "--ignore-requires-python", LAVA_REQUIREMENT)
    if installed_version("lava-nc") != LAVA_VERSION or find_var_model() is None:
        raise InstallError(f"pip reported success but lava-nc {LAVA_VERSION} is not importable from {sys.executable}")
    return f"installed {LAVA_REQUIREMENT}" + (f" (replacing {have})" if have else "")


# --- verification ------------------------------------------------------------------------------

# The network: one input neuron spiking at every step, Dense weights (1.2, 0.6, 0.45) onto three
# float LIF neurons with du=1 (u = input of this step), dv=0.5, vth=1, no bias, hard reset:
#   v <- 0.5*v + w;  spike and v <- 0 when v > 1.
#   w=1.2:  1.2 -> spike at every step
#   w=0.6:  0.6, 0.9, 1.05 -> spike, then the same again: every third step
#   w=0.45: 0.45, 0.675, 0.7875, ... -> 0.9, never spikes
# The source's spike of step t reaches the LIF at step t+1 (Dense adds one step of delay), so the
# first input arrives at step 2 (steps count from 1) and the sink (column t-1 = step t) reads:
N_STEPS = 10
WEIGHTS = [[1.2], [0.6], [0.45]]
EXPECTED_SPIKES = [
    [0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [0, 0, 0, 1, 0, 0, 1, 0, 0, 1],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
]


def run_tiny_network() -> list[list[int]]:
    """Run the network above in this process and return the sink's spikes as (3, N_STEPS) ints."""
    import numpy as np
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer as SinkBuffer
    from lava.proc.io.source import RingBuffer as SourceBuffer
    from lava.proc.lif.process import LIF

    n = len(WEIGHTS)
    source = SourceBuffer(data=np.ones((1, N_STEPS)))
    dense = Dense(weights=np.array(WEIGHTS, dtype=float))
    lif = LIF(shape=(n,), u=0.0, v=0.0, du=1.0, dv=0.5, bias_mant=0.0, vth=1.0)
    sink = SinkBuffer(shape=(n,), buffer=N_STEPS)
    source.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    lif.s_out.connect(sink.a_in)
    try:
        sink.run(condition=RunSteps(num_steps=N_STEPS), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
        data = sink.data.get()
    finally:
        sink.stop()
    return np.asarray(data).round().astype(int).tolist()


def _network_child() -> int:
    """Entry point of the verification subprocess: print one JSON line, exit 0 iff spikes match."""
    try:
        got = run_tiny_network()
    except Exception as exc:  # report the reason in one line to the parent
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}))
        return 1
    print(json.dumps({"ok": got == EXPECTED_SPIKES, "got": got}))
    return 0 if got == EXPECTED_SPIKES else 1


def verify() -> float:
    """Run the tiny network in a subprocess; return its wall time, raise InstallError on mismatch."""
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--network-child"],
            capture_output=True, text=True, timeout=VERIFY_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise InstallError(f"the tiny Lava network did not finish within {VERIFY_TIMEOUT_S} s") from None
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    result = json.loads(lines[-1]) if lines else None
    if result is None:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InstallError(f"the tiny Lava network crashed (exit {proc.returncode}): {tail}")
    if "error" in result:
        raise InstallError(f"the tiny Lava network failed: {result['error']}")
    if not result["ok"]:
        raise InstallError(f"the tiny Lava network gave spikes {result['got']}, expected {EXPECTED_SPIKES}")
    return time.monotonic() - t0


def write_marker(var_model: Path) -> None:
    """Record the verified install inside the virtual environment (never in a system prefix)."""
    if sys.prefix == sys.base_prefix:
        return
    info = {
        "lava-nc": installed_version("lava-nc"),
        "python": sys.version.split()[0],
        "var_model_sha256": hashlib.sha256(var_model.read_bytes()).hexdigest(),
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        (Path(sys.prefix) / MARKER_NAME).write_text(json.dumps(info) + "\n", encoding="utf-8")
    except OSError:
        pass


# --- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only verify; change nothing")
    parser.add_argument("--network-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.network_child:
        return _network_child()

    try:
        if sys.version_info < (3, 10):
            raise InstallError(f"Python {sys.version.split()[0]} is too old; lava-nc {LAVA_VERSION} needs >= 3.10")
        if args.check:
            have = installed_version("lava-nc")
            var_model = find_var_model()
            if have is None or var_model is None:
                raise InstallError("lava-nc is not installed; run `./run install` (or `python tools/install_lava.py`)")
            if sys.version_info >= (3, 11) and not is_patched(var_model):
                raise InstallError(f"lava-nc {have} is not patched for Python 3.11; run `python tools/install_lava.py`")
            seconds = verify()
            write_marker(var_model)
            print(f"lava-nc {have} OK: tiny float Dense->LIF network gave the expected spikes ({seconds:.1f} s)")
            return 0

        done = [msg for msg in (ensure_dependencies(), ensure_lava()) if msg]
        var_model = find_var_model()
        assert var_model is not None  # ensure_lava checked it
        n = patch_file(var_model)
        done.append(f"patched {n} dataclass fields for Python 3.11" if n else "already patched")
        seconds = verify()
        write_marker(var_model)
        print(f"lava-nc {LAVA_VERSION}: {'; '.join(done) if done[0] != 'already patched' else 'already installed and patched'}")
        print(f"lava-nc {LAVA_VERSION} verified: tiny float Dense->LIF network gave the expected spikes ({seconds:.1f} s)")
        return 0
    except InstallError as exc:
        print(f"lava check failed: {exc}" if args.check else f"install_lava: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
