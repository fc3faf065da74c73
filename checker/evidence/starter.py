"""A starting evidence file built from a ruleset's evidence schema, for an applicant to fill in.

Every field the schema describes is present and holds null, and every list holds one entry of nulls: the
file shows each field's place and shape, and does not validate until every value is the applicant's own.
Examples are hints, never data (a starter that validated as written would score an invented factory): they
are in `carbon-check schema` and beside each field of the workbook `init --format xlsx` writes. Only a
`const` (the `ruleset` field) is filled in, as it has one possible value.
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
    return None   # to be filled in


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
