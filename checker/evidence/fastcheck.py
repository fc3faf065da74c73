"""A yes/no check of evidence against its schema, generated once per schema as straight-line Python.

Most evidence is valid, and for valid evidence jsonschema's general machinery costs more than scoring it.
This module answers only "is it valid?" for the keywords the evidence schemas use; when the answer is no,
`load.validate_evidence` asks jsonschema for every problem with its pointer, so messages come from one
place. A schema using any other keyword gets no fast check (`compile_check` returns None) and jsonschema
does all the work. The semantics mirror jsonschema's Draft 2020-12 validator with the project's Decimal
rules (an integral Decimal is an integer; schema numbers are Decimals); tests/test_fastcheck.py holds the
two to the same answer on every shipped schema and mutated evidence.

The check is Python source written from the schema's *structure* only: which keywords a node has and how
its nodes nest. Every value the schema holds (property names, enums, constants, patterns, bounds, lengths)
is handed to the code as a constant named `c<n>`; no text from a schema is ever written into the source,
so a schema cannot change what the code does, only the data it compares with. The source is run with
nothing but the helpers below in reach (no builtins beyond the few it names). Patterns go to `re`.
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
_MAX_INDENT = 16   # deeper nodes become functions of their own (Python limits how deep blocks nest)


class Unsupported(Exception):
    """The schema uses something this module does not implement: jsonschema checks it alone."""


def compile_check(schema: dict) -> Check | None:
    """A function telling whether evidence is valid against `schema` (numbers already Decimal), or None."""
    generated = generate(schema)
    if generated is None:
        return None
    source, constants = generated
    scope = {**_HELPERS, **constants}
    exec(compile(source, "<evidence schema check>", "exec"), scope)   # noqa: S102 - no schema text in source
    return scope["check"]


def generate(schema: dict) -> tuple[str, dict[str, Any]] | None:
    """The source of the check (a function `check(v0)`) and the constants it reads, or None if unsupported."""
    try:
        return _Generator(schema).run()
    except Unsupported:
        return None


# ---------------------------------------------------------------- what the generated code may call

def _is_integer(value) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return isinstance(value, int) and not isinstance(value, bool)


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


def _equal_any(value, options) -> bool:
    return any(_equal(value, option) for option in options)


def _unique(value: list) -> bool:
    return not any(_equal(a, b) for i, a in enumerate(value) for b in value[i + 1:])


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


_MISSING = object()
_HELPERS: dict[str, Any] = {
    "__builtins__": {}, "isinstance": isinstance, "len": len, "type": type,
    "dict": dict, "list": list, "str": str, "bool": bool, "Decimal": Decimal, "NUMBER": (Decimal, int),
    "MISSING": _MISSING, "is_integer": _is_integer, "equal": _equal, "equal_any": _equal_any, "unique": _unique,
    "valid_date": _valid_date, "is_uscc": uscc.is_valid, "multiple": _multiple,
}

# The test of each JSON type, as an expression of the value `{0}` (a generated variable name).
_TYPES = {
    "object": "isinstance({0}, dict)",
    "array": "isinstance({0}, list)",
    "string": "isinstance({0}, str)",
    "number": "(type({0}) is Decimal or isinstance({0}, NUMBER) and not isinstance({0}, bool))",
    "integer": "is_integer({0})",
    "boolean": "isinstance({0}, bool)",
    "null": "{0} is None",
}
# What an earlier `type` tells about the value; "number" is also true of integers.
_KNOWN = {"object": {"object"}, "array": {"array"}, "string": {"string"}, "number": {"number"},
          "integer": {"number", "integer"}, "boolean": {"boolean"}, "null": {"null"}}
# The keywords a guard of each type applies to: they constrain nothing for values of other types.
_GUARDED = {
    "properties": "object", "required": "object", "additionalProperties": "object",
    "items": "array", "minItems": "array", "maxItems": "array", "uniqueItems": "array",
    "minLength": "string", "maxLength": "string", "pattern": "string",
    "minimum": "number", "maximum": "number", "exclusiveMinimum": "number", "exclusiveMaximum": "number",
    "multipleOf": "number",
}


# ---------------------------------------------------------------- the generator

class _Generator:
    """Writes `def check(v0)` and one function per `$ref` target or branch; each returns False at the first
    keyword the value fails, True at the end. Only generated names, helper names and keywords are written."""

    def __init__(self, root: dict):
        self.root = root
        self.constants: dict[str, Any] = {}
        self.functions: list[list[str]] = []
        self.refs: dict[str, str] = {}
        self.names = 0

    def run(self) -> tuple[str, dict[str, Any]]:
        self.function(self.root, "check")
        return "\n".join(line for lines in self.functions for line in lines) + "\n", self.constants

    def constant(self, value) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def variable(self) -> str:
        self.names += 1
        return f"v{self.names}"

    def function(self, schema, name: str | None = None) -> str:
        """A function checking one schema node; its name."""
        name = name or f"f{len(self.functions)}"
        lines = [f"def {name}(v0):"]
        self.functions.append(lines)   # placed before its body is written, so that recursion finds it
        self.node(schema, "v0", lines, 1, frozenset())
        lines.append("    return True")
        return name

    def node(self, schema, value: str, out: list[str], depth: int, known: frozenset) -> None:
        """Lines checking `value` against `schema`, at `depth` levels of indentation; `known`: the types
        `value` is already known to have."""
        if schema is True:
            return
        if schema is False:
            out.append("    " * depth + "return False")
            return
        if not isinstance(schema, dict):
            raise Unsupported(schema)
        if depth > _MAX_INDENT:
            out.append("    " * depth + f"if not {self.function(schema)}({value}): return False")
            return
        for keyword, want in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            write = getattr(self, "k_" + keyword.replace("$", "dollar_"), None)
            if write is None:
                raise Unsupported(keyword)
            guard = _GUARDED.get(keyword)
            if guard is None or guard in known:
                known = write(want, schema, value, out, depth, known) or known
                continue
            inner: list[str] = []
            write(want, schema, value, inner, depth + 1, known | {guard})
            if inner:
                out.append("    " * depth + f"if {_TYPES[guard].format(value)}:")
                out.extend(inner)

    def fail_if(self, condition: str, out: list[str], depth: int) -> None:
        out.append("    " * depth + f"if {condition}: return False")

    # --- keywords; each writes lines failing on what it forbids; `type` returns what it makes known

    def k_type(self, want, schema, value, out, depth, known):
        names = [want] if isinstance(want, str) else list(want)
        if any(not isinstance(name, str) or name not in _TYPES for name in names):
            raise Unsupported(want)
        self.fail_if("not (" + " or ".join(_TYPES[name].format(value) for name in names) + ")", out, depth)
        return known | _KNOWN[names[0]] if len(names) == 1 else None

    def k_properties(self, want, schema, value, out, depth, known):
        if not isinstance(want, dict):
            raise Unsupported(want)
        for name, sub in want.items():
            inner: list[str] = []
            child = self.variable()
            self.node(sub, child, inner, depth + 1, frozenset())
            if inner:
                out.append("    " * depth + f"{child} = {value}.get({self.constant(name)}, MISSING)")
                out.append("    " * depth + f"if {child} is not MISSING:")
                out.extend(inner)

    def k_required(self, want, schema, value, out, depth, known):
        try:
            names = frozenset(want)
        except TypeError:
            raise Unsupported(want) from None
        if names:
            self.fail_if(f"not {value}.keys() >= {self.constant(names)}", out, depth)

    def k_additionalProperties(self, want, schema, value, out, depth, known):
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        properties = schema.get("properties", {})
        known_names = self.constant(frozenset(properties if isinstance(properties, dict) else ()))
        if want is False:
            self.fail_if(f"not {known_names}.issuperset({value})", out, depth)
            return
        inner: list[str] = []
        key, child = self.variable(), self.variable()
        self.node(want, child, inner, depth + 2, frozenset())
        if inner:
            out.append("    " * depth + f"for {key}, {child} in {value}.items():")
            out.append("    " * (depth + 1) + f"if {key} not in {known_names}:")
            out.extend(inner)

    def k_items(self, want, schema, value, out, depth, known):
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        inner: list[str] = []
        child = self.variable()
        self.node(want, child, inner, depth + 1, frozenset())
        if inner:
            out.append("    " * depth + f"for {child} in {value}:")
            out.extend(inner)

    def k_minItems(self, want, schema, value, out, depth, known):
        self.fail_if(f"not len({value}) >= {self.constant(want)}", out, depth)

    def k_maxItems(self, want, schema, value, out, depth, known):
        self.fail_if(f"not len({value}) <= {self.constant(want)}", out, depth)

    def k_uniqueItems(self, want, schema, value, out, depth, known):
        if want:
            self.fail_if(f"not unique({value})", out, depth)

    k_minLength, k_maxLength = k_minItems, k_maxItems

    def k_pattern(self, want, schema, value, out, depth, known):
        try:
            search = re.compile(want).search
        except (TypeError, re.error):
            raise Unsupported(want) from None
        self.fail_if(f"{self.constant(search)}({value}) is None", out, depth)

    def k_format(self, want, schema, value, out, depth, known):
        if want == "uscc":
            self.fail_if(f"not is_uscc({value})", out, depth)
        elif want == "date":
            self.fail_if(f"not valid_date({value})", out, depth)
        else:
            raise Unsupported(want)

    def k_enum(self, want, schema, value, out, depth, known):
        options = list(want)
        if options and all(type(option) is str for option in options):
            # A value equals a text only if it is a text (no JSON value of another type equals one).
            member = f"{value} in {self.constant(frozenset(options))}"
            self.fail_if(f"not {member}" if "string" in known else f"not (isinstance({value}, str) and {member})",
                         out, depth)
        else:
            self.fail_if(f"not equal_any({value}, {self.constant(options)})", out, depth)

    def k_const(self, want, schema, value, out, depth, known):
        if type(want) is str:
            self.fail_if(f"not {value} == {self.constant(want)}", out, depth)
        else:
            self.fail_if(f"not equal({value}, {self.constant(want)})", out, depth)

    def k_minimum(self, want, schema, value, out, depth, known):
        self.fail_if(f"not {value} >= {self.constant(want)}", out, depth)

    def k_maximum(self, want, schema, value, out, depth, known):
        self.fail_if(f"not {value} <= {self.constant(want)}", out, depth)

    def k_exclusiveMinimum(self, want, schema, value, out, depth, known):
        self.fail_if(f"not {value} > {self.constant(want)}", out, depth)

    def k_exclusiveMaximum(self, want, schema, value, out, depth, known):
        self.fail_if(f"not {value} < {self.constant(want)}", out, depth)

    def k_multipleOf(self, want, schema, value, out, depth, known):
        self.fail_if(f"not multiple({value}, {self.constant(want)})", out, depth)

    def k_allOf(self, want, schema, value, out, depth, known):
        for sub in self.branches(want):
            self.node(sub, value, out, depth, known)

    def k_anyOf(self, want, schema, value, out, depth, known):
        calls = [f"{self.function(sub)}({value})" for sub in self.branches(want)]
        self.fail_if("not (" + " or ".join(calls) + ")", out, depth)

    def k_oneOf(self, want, schema, value, out, depth, known):
        calls = [f"{self.function(sub)}({value})" for sub in self.branches(want)]
        self.fail_if("(" + " + ".join(calls) + ") != 1", out, depth)

    def k_not(self, want, schema, value, out, depth, known):
        self.fail_if(f"{self.function(want)}({value})", out, depth)

    def k_dollar_ref(self, want, schema, value, out, depth, known):
        # Local references only ("#/$defs/name"); each target becomes one function, so recursion is a call.
        if not isinstance(want, str) or not want.startswith("#/"):
            raise Unsupported(want)
        if want not in self.refs:
            try:
                target = get(self.root, parse_pointer(want[1:]))
            except PointerError:
                raise Unsupported(want) from None
            self.refs[want] = name = f"f{len(self.functions)}"
            self.function(target, name)
        self.fail_if(f"not {self.refs[want]}({value})", out, depth)

    @staticmethod
    def branches(want) -> list:
        if not isinstance(want, list) or not want:
            raise Unsupported(want)
        return want
