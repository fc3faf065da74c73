"""Every shipped evidence schema (schemas/*.schema.json) follows the conventions of docs/evidence.md.

Evidence is untrusted, so a schema must bound what it accepts, and a factory reads it to know
what to provide, so every field explains itself in English and Chinese, with its unit and an example.
The result schema describes our own output and is tested in test_result_schema.py instead.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from checker.evidence.conventions import DRAFT_2020_12, convention_problems, nested_quantifier

SCHEMAS = sorted(p for p in (Path(__file__).parent.parent / "schemas").glob("*.schema.json")
                 if p.name != "result.schema.json")


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
