"""A yes/no check of evidence against its schema, built once per schema as a tree of closures.

Most evidence is valid, and for valid evidence jsonschema's general machinery costs more than scoring it.
This module answers only "is it valid?" for the keywords the evidence schemas use; when the answer is no,
`load.validate_evidence` asks jsonschema for every problem with its pointer, so messages come from one
place. A schema using any other keyword gets no fast check (`compile_check` returns None) and jsonschema
does all the work. The semantics mirror jsonschema's Draft 2020-12 validator with the project's Decimal
rules (an integral Decimal is an integer; schema numbers are Decimals); tests/test_fastcheck.py holds the
two to the same answer on every shipped schema and mutated evidence.

Nothing here executes text from a schema: patterns go to `re`, everything else is data compared in Python.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

from ..pointer import PointerError, get, parse_pointer
from . import uscc

Check = Callable[[Any], bool]

# Keywords that only describe: they never make evidence invalid.
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$schema", "$id", "$comment",
                          "deprecated", "readOnly", "writeOnly", "$defs", "definitions"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")   # jsonschema's own pattern for format "date"


class Unsupported(Exception):
    """The schema uses something this module does not implement: jsonschema checks it alone."""


def compile_check(schema: dict) -> Check | None:
    """A function telling whether evidence is valid against `schema` (numbers already Decimal), or None."""
    try:
        return _Compiler(schema).compile(schema)
    except Unsupported:
        return None


def _is_number(value) -> bool:
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


def _is_integer(value) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return isinstance(value, int) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _unbool(value):
    # JSON Schema keeps true apart from 1 and false from 0, as jsonschema does.
    return ("bool", value) if isinstance(value, bool) else value


def _equal(one, two) -> bool:
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return _unbool(one) == _unbool(two)


def _valid_date(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _multiple(value, divisor: Decimal) -> bool:
    try:
        with localcontext(prec=1000):
            return Decimal(str(value)) % Decimal(str(divisor)) == 0
    except ArithmeticError:
        return False


class _Compiler:
    def __init__(self, root: dict):
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise Unsupported(schema)
        checks: list[Check] = []
        for keyword, want in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            make = getattr(self, "k_" + keyword.replace("$", "dollar_"), None)
            if make is None:
                raise Unsupported(keyword)
            check = make(want, schema)
            if check is not None:
                checks.append(check)
        if not checks:
            return lambda value: True
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    # --- keywords; each returns a check, or None when it constrains nothing on its own

    def k_type(self, want, schema) -> Check:
        names = [want] if isinstance(want, str) else list(want)
        if any(name not in _TYPES for name in names):
            raise Unsupported(want)
        tests = [_TYPES[name] for name in names]
        if len(tests) == 1:
            return tests[0]
        return lambda value: any(test(value) for test in tests)

    def k_properties(self, want: dict, schema) -> Check:
        children = [(name, self.compile(sub)) for name, sub in want.items()]

        def properties(value):
            if not isinstance(value, dict):
                return True
            return all(check(value[name]) for name, check in children if name in value)
        return properties

    def k_required(self, want: list, schema) -> Check:
        names = list(want)
        return lambda value: not isinstance(value, dict) or all(name in value for name in names)

    def k_additionalProperties(self, want, schema) -> Check:
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        known = frozenset(schema.get("properties", {}))
        if want is False:
            return lambda value: not isinstance(value, dict) or known.issuperset(value)
        check = self.compile(want)
        return lambda value: not isinstance(value, dict) or all(check(v) for k, v in value.items() if k not in known)

    def k_items(self, want, schema) -> Check:
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        check = self.compile(want)
        return lambda value: not isinstance(value, list) or all(check(item) for item in value)

    def k_minItems(self, want, schema) -> Check:
        return lambda value: not isinstance(value, list) or len(value) >= want

    def k_maxItems(self, want, schema) -> Check:
        return lambda value: not isinstance(value, list) or len(value) <= want

    def k_uniqueItems(self, want, schema) -> Check | None:
        if not want:
            return None

        def unique(value):
            if not isinstance(value, list):
                return True
            return not any(_equal(a, b) for i, a in enumerate(value) for b in value[i + 1:])
        return unique

    def k_minLength(self, want, schema) -> Check:
        return lambda value: not isinstance(value, str) or len(value) >= want

    def k_maxLength(self, want, schema) -> Check:
        return lambda value: not isinstance(value, str) or len(value) <= want

    def k_pattern(self, want: str, schema) -> Check:
        search = re.compile(want).search
        return lambda value: not isinstance(value, str) or search(value) is not None

    def k_format(self, want, schema) -> Check:
        if want == "uscc":
            return uscc.is_valid
        if want != "date":
            raise Unsupported(want)
        return _valid_date

    def k_enum(self, want: list, schema) -> Check:
        options = list(want)
        return lambda value: any(_equal(value, option) for option in options)

    def k_const(self, want, schema) -> Check:
        return lambda value: _equal(value, want)

    def k_minimum(self, want, schema) -> Check:
        return lambda value: not _is_number(value) or value >= want

    def k_maximum(self, want, schema) -> Check:
        return lambda value: not _is_number(value) or value <= want

    def k_exclusiveMinimum(self, want, schema) -> Check:
        return lambda value: not _is_number(value) or value > want

    def k_exclusiveMaximum(self, want, schema) -> Check:
        return lambda value: not _is_number(value) or value < want

    def k_multipleOf(self, want, schema) -> Check:
        return lambda value: not _is_number(value) or _multiple(value, want)

    def k_allOf(self, want: list, schema) -> Check:
        checks = [self.compile(sub) for sub in want]
        return lambda value: all(check(value) for check in checks)

    def k_anyOf(self, want: list, schema) -> Check:
        checks = [self.compile(sub) for sub in want]
        return lambda value: any(check(value) for check in checks)

    def k_oneOf(self, want: list, schema) -> Check:
        checks = [self.compile(sub) for sub in want]
        return lambda value: sum(1 for check in checks if check(value)) == 1

    def k_not(self, want, schema) -> Check:
        check = self.compile(want)
        return lambda value: not check(value)

    def k_dollar_ref(self, want: str, schema) -> Check:
        # Local references only ("#/$defs/name"); they may be recursive, so they are resolved on first use.
        if not isinstance(want, str) or not want.startswith("#/"):
            raise Unsupported(want)
        try:
            target = get(self.root, parse_pointer(want[1:]))
        except PointerError:
            raise Unsupported(want) from None
        if want not in self.refs:
            self.refs[want] = lambda value: True   # a placeholder while a recursive definition compiles
            self.refs[want] = self.compile(target)
        refs = self.refs
        return lambda value: refs[want](value)
