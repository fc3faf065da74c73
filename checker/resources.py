"""Where the shipped grammar, rulesets, schemas and templates live.

In a source checkout they are top-level folders beside the package; an
installed wheel carries them inside the package as `checker/data/<name>`.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"carbon-check is missing its '{name}' folder; reinstall the package")
