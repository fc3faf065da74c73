"""What the whole suite shares."""
from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest

from checker import RulesetError, load_ruleset
from checker.evaluation.result import dumps
from checker.tools.cases import ruleset_text

pytest_plugins = ["pytester"]  # to run pytest on a folder of its own (the ruleset-cases plugin's tests)


def pytest_configure(config):
    # rulesets/*.cases.yaml are collected by the package's own pytest plugin: without it they would be
    # skipped silently.
    if not config.pluginmanager.has_plugin("carbon-check"):
        raise pytest.UsageError("install the package (pip install -e '.[test]') so that its pytest plugin "
                                "runs the rulesets' cases")


# ------------------------------------------------------------------ rulesets from text

def load_rules(rules: str, schema: dict | None = None, files: dict[str, str] | None = None):
    """Load ruleset text with its evidence schema (and any library `files`) from a scratch folder."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "evidence.schema.json").write_text(dumps(schema or {"type": "object"}), encoding="utf-8")
        for name, text in (files or {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / "conformance.rules").write_text(ruleset_text(rules), encoding="utf-8")
        return load_ruleset(folder / "conformance.rules")


def load_errors(rules: str, schema: dict | None = None) -> list[str]:
    """The first line of each diagnostic a ruleset raises, without its place: `error[code]: message`."""
    with pytest.raises(RulesetError) as raised:
        load_rules(rules, schema)
    return [f"{d.severity}[{d.code}]: {d.message}" for d in raised.value.diagnostics]


def value_of(result, name: str):
    """A let's value in the result's JSON form, or {"missing": pointers} / {"error": reason}."""
    item = next(v for v in result.to_dict()["values"] if v["id"] == name)
    if item["status"] == "missing":
        return {"missing": item["missing"]}
    if item["status"] == "error":
        return {"error": item["failure"]}
    return item["value"]


# ------------------------------------------------------------------ evidence changed one leaf at a time

def leaves(node, path=()):
    """(path, value) of every leaf of a JSON document, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from leaves(value, (*path, position))
    else:
        yield path, node


def replaced(document, path, value):
    """A copy of `document` with the value at `path` replaced by `value`, or removed when `value` is KeyError."""
    if not path:
        return value
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed
