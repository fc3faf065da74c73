"""The conventions every evidence schema follows (docs/evidence.md), checked: by the test suite for the
shipped schemas, by `lint` for any ruleset's schema, and met by `schema --scaffold`.

Evidence is untrusted, so a schema must bound what it accepts, and a factory reads it to know what to
provide, so every field explains itself in English and Chinese, with its unit and an example.
"""
from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse

from jsonschema import Draft202012Validator

from ..evidence.load import format_checker
from ..language.units import UnitError, parse_unit

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
