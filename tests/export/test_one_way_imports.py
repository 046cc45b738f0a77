"""The house rules as a test: ``export`` never imports ``spikeprop``, and outside ``export/lava``
only ``export/backend.py`` imports ``export.lava`` (the one lava-or-fallback switch)."""
from __future__ import annotations

import ast
from pathlib import Path

import export

EXPORT = Path(export.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_export_never_imports_spikeprop():
    offenders = {str(p.relative_to(EXPORT)): sorted(m for m in _imports(p) if m.split(".")[0] == "spikeprop")
                 for p in EXPORT.rglob("*.py")}
    assert {p: m for p, m in offenders.items() if m} == {}


def test_only_backend_chooses_lava():
    users = sorted(str(p.relative_to(EXPORT)) for p in EXPORT.rglob("*.py")
                   if "lava" not in p.relative_to(EXPORT).parts[:1]
                   and any(m == "export.lava" or m.startswith("export.lava.") for m in _imports(p)))
    assert users == ["backend.py"]
