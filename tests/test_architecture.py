"""Architecture rules, checked on the source with ``ast`` (so comments and strings never count).

1. One-way dependencies ``neurons <- export <- spikeprop <- {benchmarks, tools, examples, tests}``:
   ``neurons`` imports neither ``export`` nor ``spikeprop``; ``export`` never imports
   ``spikeprop``; none of the three imports ``benchmarks``, ``tests`` or a ``spikeprop.cli``
   module (``spikeprop/cli`` itself excepted). Every import counts: ``import x``,
   ``from x import y``, relative imports (resolved), imports inside functions or
   ``if TYPE_CHECKING:`` blocks, and ``importlib.import_module("x")`` with a literal name.
2. Short functions: at most 40 lines in ``spikeprop/cli/``, at most 60 lines elsewhere in the
   three packages unless a reason is written next to it: ``# long: <reason>`` on the line
   above the ``def`` (or above its decorators), or ``long: <reason>`` in the first line of its
   docstring. A function's length runs from ``def`` to the end of its body.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("neurons", "export", "spikeprop")
LOWER_LAYERS = {"neurons": ("export", "spikeprop"), "export": ("spikeprop",), "spikeprop": ()}
NEVER_IMPORTED = ("benchmarks", "tests", "spikeprop.cli")
CLI_DIR = ("spikeprop", "cli")
CLI_MAX_LINES, MAX_LINES = 40, 60
LONG_COMMENT = re.compile(r"#\s*long:\s*\S")
LONG_DOC = re.compile(r"(?:^|[\s(#])long:\s*\S")


@dataclass(frozen=True)
class Import:
    """One imported module name, where it appears and the statement that imports it."""

    file: str  # relative to the scanned root, with forward slashes
    line: int
    target: str  # absolute dotted module (or module.attribute) name
    statement: str


def python_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    return sorted(p for pkg in packages for p in (root / pkg).rglob("*.py"))


def module_name(root: Path, path: Path) -> tuple[str, str]:
    """``(module, package)`` dotted names of ``path``; the package is what ``from .`` means."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _resolve(package: str, level: int, module: str | None) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _targets(node: ast.AST, package: str) -> list[str]:
    """Absolute names one node imports (for ``from m import a``: ``m`` and ``m.a``, a may be a module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        mod = _resolve(package, node.level, node.module) if node.level else (node.module or "")
        return [mod, *(f"{mod}.{a.name}" for a in node.names if a.name != "*")]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
            return [node.args[0].value]
    return []


def collect_imports(root: Path, path: Path) -> list[Import]:
    """Every import in one file, at any depth (module level, functions, classes, conditionals)."""
    source = path.read_text(encoding="utf-8")
    _, package = module_name(root, path)
    rel = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        for target in _targets(node, package):
            found.append(Import(rel, node.lineno, target, ast.get_source_segment(source, node) or target))
    return found


def _is_within(target: str, module: str) -> bool:
    return target == module or target.startswith(module + ".")


def dependency_violations(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """One ``file:line: statement (rule)`` line per forbidden import, in file order."""
    bad = []
    for path in python_files(root, packages):
        rel_parts = path.relative_to(root).parts
        layer = rel_parts[0]
        # spikeprop/__main__.py is `python -m spikeprop` (what torchrun launches): an entry point like
        # the console script, so it may call the CLI; nothing imports it
        in_cli = tuple(rel_parts[:2]) == CLI_DIR or tuple(rel_parts) == ("spikeprop", "__main__.py")
        for imp in collect_imports(root, path):
            for forbidden in (*LOWER_LAYERS.get(layer, ()), *NEVER_IMPORTED):
                if forbidden == "spikeprop.cli" and in_cli:
                    continue
                if _is_within(imp.target, forbidden):
                    bad.append(f"{imp.file}:{imp.line}: {imp.statement}  ({layer} must not import {forbidden})")
                    break
    return sorted(set(bad), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


def _has_reason(lines: list[str], fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
    if first >= 2 and LONG_COMMENT.search(lines[first - 2]):
        return True
    doc = ast.get_docstring(fn, clean=False)
    return bool(doc) and bool(LONG_DOC.search(doc.strip().splitlines()[0]))


def long_functions(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Every function over its limit, as ``file:line: name is N lines (limit L)``."""
    offenders = []
    for path in python_files(root, packages):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        rel = path.relative_to(root)
        in_cli = tuple(rel.parts[:2]) == CLI_DIR
        for fn in ast.walk(ast.parse(source, filename=str(path))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            n = fn.end_lineno - fn.lineno + 1
            if in_cli and n > CLI_MAX_LINES:
                offenders.append(f"{rel.as_posix()}:{fn.lineno}: {fn.name} is {n} lines (CLI limit {CLI_MAX_LINES})")
            elif n > MAX_LINES and not _has_reason(lines, fn):
                offenders.append(
                    f"{rel.as_posix()}:{fn.lineno}: {fn.name} is {n} lines (limit {MAX_LINES}; "
                    "or write '# long: <reason>' above the def)")
    return offenders


def test_the_packages_are_found():
    """Guards the two checks below against silently scanning nothing."""
    files = python_files(ROOT)
    for pkg in PACKAGES:
        assert any(p.relative_to(ROOT).parts[0] == pkg for p in files), f"no .py files found in {pkg}/"
    assert any(imp.target.startswith("neurons") for p in files for imp in collect_imports(ROOT, p))


def test_dependencies_point_one_way():
    bad = dependency_violations(ROOT)
    assert not bad, "forbidden imports (rule: neurons <- export <- spikeprop <- the rest):\n" + "\n".join(bad)


def test_functions_are_short_or_say_why():
    bad = long_functions(ROOT)
    assert not bad, f"{len(bad)} functions too long:\n" + "\n".join(bad)


def _plant(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_checks_catch_planted_violations(tmp_path):
    """The checkers must be able to fail: plant bad imports and long functions in a fake tree."""
    _plant(tmp_path, "neurons/__init__.py", "from . import ok\n")
    _plant(tmp_path, "neurons/ok.py", "import torch\nfrom neurons.functional import lif_step\n")
    _plant(tmp_path, "neurons/sub/bad.py", "import os\n\ndef f():\n    from ...export import network\n")
    _plant(tmp_path, "export/lazy.py", "import importlib\nM = importlib.import_module('spikeprop.model')\n")
    _plant(tmp_path, "spikeprop/trainer.py", "from spikeprop import cli\nimport benchmarks.report as r\n")
    _plant(tmp_path, "spikeprop/cli/train.py", "from spikeprop.cli.common import x\nimport tests\n")
    assert dependency_violations(tmp_path) == [
        "export/lazy.py:2: importlib.import_module('spikeprop.model')  (export must not import spikeprop)",
        "neurons/sub/bad.py:4: from ...export import network  (neurons must not import export)",
        "spikeprop/cli/train.py:2: import tests  (spikeprop must not import tests)",
        "spikeprop/trainer.py:1: from spikeprop import cli  (spikeprop must not import spikeprop.cli)",
        "spikeprop/trainer.py:2: import benchmarks.report as r  (spikeprop must not import benchmarks)",
    ]
    body = "".join(f"    x{i} = {i}\n" for i in range(61))
    _plant(tmp_path, "export/long.py", f"def bad():\n{body}\n# long: one table, split it and it reads worse\n"
                                        f"def ok():\n{body}\ndef documented():\n    '''Fit it (long: a reason).'''\n{body}")
    _plant(tmp_path, "spikeprop/cli/run.py", "# long: not accepted in the CLI\ndef main():\n" + "    y = 0\n" * 41)
    assert long_functions(tmp_path, ("export", "spikeprop")) == [
        "export/long.py:1: bad is 62 lines (limit 60; or write '# long: <reason>' above the def)",
        "spikeprop/cli/run.py:2: main is 42 lines (CLI limit 40)",
    ]
