"""Every shipped evidence schema (schemas/*.schema.json) follows the conventions of docs/evidence.md.

Evidence is untrusted, so a schema must bound what it accepts, and a factory reads it to know
what to provide, so every field explains itself in English and Chinese, with its unit and an example.
The result schema describes our own output and is tested in test_result_schema.py instead.
"""
from __future__ import annotations

import json
import re
import re._constants as sre
import re._parser as sre_parse
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from checker.evidence.load import format_checker
from checker.language.units import UnitError, parse_unit

SCHEMAS = sorted(p for p in (Path(__file__).parent.parent / "schemas").glob("*.schema.json")
                 if p.name != "result.schema.json")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
CJK = re.compile("[\u4e00-\u9fff]")


def nested_quantifier(pattern: str) -> bool:
    """True when a repeated group holds a repeat of variable length, as in `^(a+)+$`.

    Such patterns backtrack exponentially on a near-miss; fixed-length inner repeats
    (`(\\d{3}-)*`) cannot be matched in more than one way and are allowed.
    """
    def walk(items, repeated: bool) -> bool:
        for op, av in items:
            if op in REPEATS:
                low, high, body = av
                if repeated and low != high:
                    return True
                if walk(body, repeated or high > 1):
                    return True
                continue
            for part in av if isinstance(av, (tuple, list)) else (av,):
                parts = part if isinstance(part, list) else [part]
                if any(isinstance(p, sre_parse.SubPattern) and walk(p, repeated) for p in parts):
                    return True
        return False
    return walk(sre_parse.parse(pattern), False)


def schema_nodes(node, pointer=""):
    """(pointer, node, is_field) for every subschema; fields are properties and array items."""
    yield pointer, node, False
    stack = [(pointer, node)]
    while stack:
        where, current = stack.pop()
        children = []
        for name, child in current.get("properties", {}).items():
            children.append((f"{where}/properties/{name}", child, True))
        if isinstance(current.get("items"), dict):
            children.append((f"{where}/items", current["items"], True))
        for keyword in ("$defs", "patternProperties"):
            for name, child in current.get(keyword, {}).items():
                children.append((f"{where}/{keyword}/{name}", child, True))
        for keyword in ("oneOf", "anyOf", "allOf", "prefixItems"):
            for i, child in enumerate(current.get(keyword, [])):
                children.append((f"{where}/{keyword}/{i}", child, False))
        if isinstance(current.get("additionalProperties"), dict):
            children.append((f"{where}/additionalProperties", current["additionalProperties"], True))
        for child_pointer, child, is_field in children:
            if isinstance(child, dict):
                yield child_pointer, child, is_field
                stack.append((child_pointer, child))


def types_of(node) -> set[str]:
    kinds = node.get("type", [])
    return {kinds} if isinstance(kinds, str) else set(kinds)


def convention_problems(schema: dict) -> list[str]:
    problems = []
    if schema.get("$schema") != DRAFT_2020_12:
        problems.append(f"$schema must be {DRAFT_2020_12}")
    for pointer, node, is_field in schema_nodes(schema):
        where = pointer or "/"
        kinds = types_of(node)
        if (is_field or not pointer) and set(node) != {"$ref"}:
            if not isinstance(node.get("description"), str) or not node["description"].strip():
                problems.append(f"{where}: no description")
            if not isinstance(node.get("x-description-zh"), str) or not CJK.search(node["x-description-zh"]):
                problems.append(f"{where}: no x-description-zh in Chinese")
            leaf = not kinds & {"object", "array"} and "properties" not in node
            if is_field and leaf and "$ref" not in node:   # a reference's target is checked under $defs
                examples = node.get("examples")
                if not isinstance(examples, list) or not examples:
                    problems.append(f"{where}: no examples")
                else:
                    validator = Draft202012Validator(node, format_checker=format_checker())
                    problems += [f"{where}: example {example!r} is not valid: {error.message}"
                                 for example in examples for error in validator.iter_errors(example)]
        if "number" in kinds and "x-unit" not in node:
            problems.append(f"{where}: a number needs x-unit (\"1\" when it has no unit)")
        if "x-unit" in node:
            if not kinds & {"number", "integer"}:
                problems.append(f"{where}: x-unit on a field that is not a number")
            try:
                parse_unit(node["x-unit"])
            except (UnitError, TypeError) as error:
                problems.append(f"{where}: x-unit {node['x-unit']!r}: {error}")
        if "string" in kinds and "maxLength" not in node and "enum" not in node and "const" not in node:
            problems.append(f"{where}: a string needs maxLength")
        if "array" in kinds and "maxItems" not in node:
            problems.append(f"{where}: an array needs maxItems")
        if ("object" in kinds or "properties" in node) and "additionalProperties" not in node:
            problems.append(f"{where}: an object must say what else it accepts (additionalProperties)")
        if pointer.endswith("/properties/credit_code") and node.get("format") != "uscc":
            problems.append(f"{where}: a credit code is checked with \"format\": \"uscc\" (GB 32100)")
        for pattern in [node.get("pattern"), *node.get("patternProperties", {})]:
            if isinstance(pattern, str) and nested_quantifier(pattern):
                problems.append(f"{where}: pattern {pattern!r} nests quantifiers (catastrophic backtracking)")
    return problems


def test_there_are_schemas_to_check():
    assert SCHEMAS, "no evidence schema shipped"


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_schema_is_valid_draft_2020_12(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_schema_follows_the_conventions(path):
    assert convention_problems(json.loads(path.read_text(encoding="utf-8"))) == []


# The checks themselves must be able to fail.

@pytest.mark.parametrize("pattern, nested", [
    ("^(a+)+$", True),
    ("^(a*)*$", True),
    ("^(?:x|b+)*$", True),
    ("^(([a-z])+.)+[A-Z]([a-z])+$", True),
    ("^(a{1,3}){2,}$", True),
    ("^[0-9A-Z]{18}$", False),
    ("^\\d{4}-\\d{2}-\\d{2}$", False),
    ("^(\\d{3}-)*\\d+$", False),
    ("^(?:CCER|VCS)-[0-9]+$", False),
])
def test_nested_quantifier_detection(pattern, nested):
    assert nested_quantifier(pattern) is nested


GOOD_FIELD = {"type": "number", "description": "Mass.", "x-description-zh": "质量。", "x-unit": "t",
              "examples": [1]}


def schema_with(field: dict) -> dict:
    return {"$schema": DRAFT_2020_12, "type": "object", "description": "Evidence.", "x-description-zh": "证据。",
            "additionalProperties": False, "properties": {"f": field}}


@pytest.mark.parametrize("change, problem", [
    ({}, None),
    ({"description": None}, "/properties/f: no description"),
    ({"x-description-zh": "mass"}, "/properties/f: no x-description-zh in Chinese"),
    ({"examples": None}, "/properties/f: no examples"),
    ({"examples": [-1], "minimum": 0}, "/properties/f: example -1 is not valid: -1 is less than the minimum of 0"),
    ({"x-unit": None}, "/properties/f: a number needs x-unit (\"1\" when it has no unit)"),
    ({"x-unit": "furlong"}, "/properties/f: x-unit 'furlong': unknown unit 'furlong'"),
    ({"type": "integer", "x-unit": None}, None),
    ({"x-unit": "1"}, None),
    ({"type": "string", "x-unit": None, "examples": ["a"]}, "/properties/f: a string needs maxLength"),
    ({"type": "string", "x-unit": None, "examples": ["a"], "enum": ["a"]}, None),
    ({"type": "string", "x-unit": None, "examples": ["a"], "maxLength": 5, "pattern": "^(a+)+$"},
     "/properties/f: pattern '^(a+)+$' nests quantifiers (catastrophic backtracking)"),
    ({"type": "array", "x-unit": None, "examples": None, "items": {"$ref": "#/$defs/x"}},
     "/properties/f: an array needs maxItems"),
    ({"type": "object", "x-unit": None, "examples": None, "properties": {}},
     "/properties/f: an object must say what else it accepts (additionalProperties)"),
])
def test_convention_problems_are_found(change, problem):
    field = {k: v for k, v in {**GOOD_FIELD, **change}.items() if v is not None}
    assert convention_problems(schema_with(field)) == ([problem] if problem else [])
