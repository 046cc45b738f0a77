"""tools/install_lava.py (Python 3.11 patch, verification) and export.lava.require_lava()."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import export.lava
from export.lava import LavaNotInstalledError, lava_available, require_lava

ROOT = Path(__file__).resolve().parents[2]
INSTALL_LAVA = ROOT / "tools" / "install_lava.py"


def _load_install_lava():
    spec = importlib.util.spec_from_file_location("spikeprop_tools_install_lava", INSTALL_LAVA)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


install_lava = _load_install_lava()

# A miniature of lava-nc 0.10.0's lava/magma/compiler/var_model.py, unpatched.
FAKE_VAR_MODEL = textwrap.dedent(
    """\
    from __future__ import annotations

    import typing as ty
    from dataclasses import dataclass, InitVar


    @dataclass
    class ByteEncoder:
        base: int = 0
        len: int = 0
        ptr: int = 0


    @dataclass
    class AxonEncoder:
        \"\"\" Encoding for axon field \"\"\"
        hi: ByteEncoder = ByteEncoder()
        lo: ByteEncoder = ByteEncoder()
    """
)


def test_patch_is_idempotent(tmp_path):
    path = tmp_path / "var_model.py"
    path.write_text(FAKE_VAR_MODEL)

    assert install_lava.patch_file(path, expected=2) == 2
    once = path.read_text()
    assert install_lava.patch_file(path, expected=2) == 0
    twice = path.read_text()

    assert twice == once
    assert "ByteEncoder()" not in once
    assert once.count("field(default_factory=ByteEncoder)") == 2
    assert "from dataclasses import dataclass, InitVar, field\n" in once
    assert once.count(", field") == 1 and once.count("= field(") == 2  # nothing added twice
    assert install_lava.is_patched(path)


def _exec_as_module(source: str, name: str, tmp_path: Path, monkeypatch):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses looks the module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Python < 3.11 accepts mutable dataclass defaults")
def test_patch_makes_the_dataclasses_valid_on_python_311(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="default_factory"):
        _exec_as_module(FAKE_VAR_MODEL, "fake_var_model_unpatched", tmp_path, monkeypatch)
    patched, n = install_lava.patch_source(FAKE_VAR_MODEL)
    module = _exec_as_module(patched, "fake_var_model_patched", tmp_path, monkeypatch)
    a, b = module.AxonEncoder(), module.AxonEncoder()
    assert n == 2 and a.hi is not b.hi  # one ByteEncoder per instance, as default_factory gives


def test_patch_rejects_an_unexpected_file(tmp_path):
    path = tmp_path / "var_model.py"
    path.write_text(FAKE_VAR_MODEL)
    with pytest.raises(install_lava.InstallError, match="expected 8"):
        install_lava.patch_file(path)  # the real file has 8 fields, this one 2


@pytest.fixture
def lava_unimportable(monkeypatch):
    """Make every `import lava...` fail as if lava-nc were not installed."""
    for name in list(sys.modules):
        if name == "lava" or name.startswith("lava."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "lava", None)
    lava_available.cache_clear()
    yield
    lava_available.cache_clear()


def test_require_lava_raises_one_line_error_when_lava_is_missing(lava_unimportable):
    with pytest.raises(LavaNotInstalledError) as info:
        require_lava()
    message = str(info.value)
    assert isinstance(info.value, ImportError)
    assert "\n" not in message
    assert message == (
        "lava-nc is not installed in this environment; "
        "run `./run install` (or `python tools/install_lava.py`) to add it"
    )
    assert lava_available() is False


def test_export_lava_does_not_import_lava():
    code = "import sys, export.lava; print(any(m == 'lava' or m.startswith('lava.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
    assert export.lava.__all__ == ["LavaNotInstalledError", "lava_available", "require_lava"]


def _lava_installed() -> bool:
    try:
        importlib.metadata.version("lava-nc")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.lava
def test_tiny_lava_network_matches_hand_computed_spikes():
    if not _lava_installed():
        if os.environ.get("CI"):
            pytest.fail("lava-nc is not installed, but CI must run the Lava tests (./run install adds it)")
        pytest.skip("lava-nc is not installed (./run install adds it)")
    require_lava()
    assert lava_available()
    proc = subprocess.run(
        [sys.executable, str(INSTALL_LAVA), "--check"],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert "expected spikes" in proc.stdout
