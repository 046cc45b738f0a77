"""Checks of user-given values before any work starts: command-line option types (for argparse)
and the types of config-file values, each failing with one line that names the option or key
and the accepted range.

Why typed: ``"T": 10.5`` used to crash deep inside torch, ``"epochs": 1.5`` silently ran two
epochs, ``"lr": "fast"`` failed without naming the key, and ``--T 0`` fell back to a default.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import fields
from typing import Any, Callable

from spikeprop.errors import ConfigError


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _float(text: str) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return v


def int_at_least(lo: int) -> Callable[[str], int]:
    """argparse ``type=``: an integer >= ``lo`` (a count: never rounded, never 0 -> default)."""
    def parse(text: str) -> int:
        v = _int(text)
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be an integer >= {lo}, got {text}")
        return v
    parse.__name__ = f"integer >= {lo}"
    return parse


positive_int = int_at_least(1)


def positive_float(text: str) -> float:
    """argparse ``type=``: a finite number > 0."""
    v = _float(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return v


def unit_interval(text: str) -> float:
    """argparse ``type=``: a number in [0, 1)."""
    v = _float(text)
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text}")
    return v


# ---- config files -----------------------------------------------------------------------
def _kind_ok(kind: str, value: Any) -> bool:
    if value is None:
        return "None" in kind
    if isinstance(value, bool):
        return kind.startswith("bool")
    base = kind.replace(" | None", "").strip()
    if base == "int":
        return isinstance(value, int)
    if base == "float":
        return isinstance(value, (int, float)) and math.isfinite(value)
    if base == "str":
        return isinstance(value, str)
    if base.startswith("list[int]"):
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return True  # other annotations: the dataclass checks them


_KIND_TEXT = {"int": "an integer", "float": "a number", "str": "a string", "list[int]": "a list of integers",
              "bool": "true or false"}


def check_types(cls: type, d: dict[str, Any], section: str) -> None:
    """Every value in ``d`` has the type its dataclass field of ``cls`` declares (an int where a
    count is meant: 1.5 is refused, not rounded). ``ConfigError`` names ``section.key``."""
    for f in fields(cls):
        if f.name not in d:
            continue
        kind = str(f.type)
        if not _kind_ok(kind, d[f.name]):
            base = kind.replace(" | None", "").strip()
            want = _KIND_TEXT.get(base, base) + (" or null" if "None" in kind else "")
            raise ConfigError(f"config key {section}.{f.name} must be {want}, got {d[f.name]!r}")


def check_section(name: str, value: Any) -> dict[str, Any]:
    """A config file's ``net`` / ``train`` section must be a JSON object (``"train": []`` is refused)."""
    if not isinstance(value, dict):
        raise ConfigError(f"config key {name} must be a JSON object {{...}}, got {json_type(value)}")
    return dict(value)


def json_type(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)
