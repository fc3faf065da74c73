"""A starting evidence file built from a ruleset's evidence schema, for an applicant to fill in.

Every field the schema describes is present, holding the schema's own example
(`examples[0]`, else `default`, `const` or the first `enum` value), and every
list holds one example entry. The file is therefore valid as written and shows
each field's place and shape; the applicant replaces the examples with its own
figures and deletes the optional fields it does not report.
"""
from __future__ import annotations

from decimal import Decimal

from ..evidence.load import DEFAULT_MAX_DEPTH
from ..language.schema import resolve
from ..errors import CarbonCheckError


class StarterError(CarbonCheckError, ValueError):
    """The schema cannot yield a starting file (e.g. it nests without end)."""


def starting_evidence(schema: dict) -> dict:
    value = _example(schema, schema, depth=0)
    if not isinstance(value, dict):
        raise StarterError("the evidence schema does not describe a JSON object")
    return value


def _example(node, root: dict, depth: int):
    if depth > DEFAULT_MAX_DEPTH:   # a recursive $ref would otherwise never end
        raise StarterError(f"the evidence schema nests deeper than {DEFAULT_MAX_DEPTH} levels")
    node = resolve(node, root)
    if "const" in node:
        return _exact(node["const"])
    if node.get("examples"):
        return _exact(node["examples"][0])
    if "default" in node:
        return _exact(node["default"])
    if node.get("enum"):
        return _exact(node["enum"][0])
    for alternatives in ("oneOf", "anyOf", "allOf"):
        if node.get(alternatives):
            return _example(node[alternatives][0], root, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in node:
        return {name: _example(field, root, depth + 1) for name, field in node.get("properties", {}).items()}
    if kind == "array":
        item = _example(node.get("items", {}), root, depth + 1)
        return [item] * max(1, node.get("minItems", 1))
    # A field without an example breaks the schema conventions; give the plainest value of its type.
    return {"string": "", "number": Decimal(0), "integer": Decimal(0), "boolean": False}.get(kind)


def _exact(value):
    """Schema values as evidence values: numbers become Decimals (schemas are read without parse_float)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value
