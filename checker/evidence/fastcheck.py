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
import functools
import re
from collections.abc import Callable
from decimal import Decimal, localcontext

from ..language.codegen import functions_of
from ..pointer import PointerError, get, parse_pointer
from . import uscc

Check = Callable[["Any"], bool]

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
    return functions_of(source, "<evidence schema check>", dict(_HELPERS))["build"](**constants)


def generate(schema: dict) -> tuple[str, dict[str, Any]] | None:
    """The source of the check (`build(c0, c1, …)` returning `check(v0)`) and its constants, or None."""
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
    "known_date": functools.lru_cache(maxsize=4096)(_valid_date), "is_uscc": uscc.is_valid, "multiple": _multiple,
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
    """Writes `def check(v0)` and one function per `$ref` target or branch, each returning True when the value
    is valid. A node's checks that need no loop are one condition (`if not (a and b and …): return False`),
    followed by the blocks for its properties and items. Only generated names (c<n> constants, v<n> values,
    f<n> functions), helper names and keywords are written."""

    def __init__(self, root: dict):
        self.root = root
        self.constants: dict[str, Any] = {}
        self.functions: list[list[str]] = []
        self.refs: dict[str, str] = {}
        self.names = 0

    def run(self) -> tuple[str, dict[str, Any]]:
        self.function(self.root, "check")
        # Written inside `build(c0, c1, …)`: the functions read the constants as closure cells, and nothing
        # refers back to them, so a check that is no longer used is freed at once, not by a later collection.
        body = ["    " + line for lines in self.functions for line in lines]
        return "\n".join([f"def build({', '.join(self.constants)}):", *body, "    return check"]) + "\n", \
            self.constants

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
        lines += self.node(schema, "v0", 1, frozenset())
        lines.append("    return True")
        return name

    def node(self, schema, value: str, depth: int, known: frozenset) -> list[str]:
        """Lines checking `value` against `schema` at `depth` levels of indentation; `known`: the types `value`
        is already known to have. The checks are pure, so their order changes no answer: `type` goes first
        (what it establishes spares the other keywords their own test of the type) and the conditions
        before the blocks (a property named in `required` is then read without asking whether it is there)."""
        if schema is True:
            return []
        if not isinstance(schema, dict) and schema is not False:
            raise Unsupported(schema)
        if schema is False or depth > _MAX_INDENT:
            return ["    " * depth + f"if not {'False' if schema is False else self.function(schema) + f'({value})'}:"
                    " return False"]
        conditions: list[str] = []
        blocks: list[str] = []
        if "type" in schema:
            condition, known = self.type(schema["type"], value, known)
            conditions.append(condition)
        for keyword, want in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-") or keyword == "type":
                continue
            write = getattr(self, "k_" + keyword.replace("$", "dollar_"), None)
            if write is None:
                raise Unsupported(keyword)
            guard = _GUARDED.get(keyword)
            guarded = guard is not None and guard not in known
            written = write(want, schema, value, depth + guarded, known | {guard} if guarded else known)
            if isinstance(written, str):
                conditions.append(f"(not {_TYPES[guard].format(value)} or {written})" if guarded else written)
            elif written and guarded:
                blocks += ["    " * depth + f"if {_TYPES[guard].format(value)}:", *written]
            elif written:
                blocks += written
        if conditions:
            blocks.insert(0, "    " * depth + f"if not ({' and '.join(conditions)}): return False")
        return blocks

    def type(self, want, value: str, known: frozenset) -> tuple[str, frozenset]:
        names = [want] if isinstance(want, str) else list(want)
        if not names or any(not isinstance(name, str) or name not in _TYPES for name in names):
            raise Unsupported(want)
        condition = "(" + " or ".join(_TYPES[name].format(value) for name in names) + ")"
        return condition, known | _KNOWN[names[0]] if len(names) == 1 else known

    # --- keywords: each returns a condition (an expression), lines of a block, or None when it constrains
    # nothing; a keyword of _GUARDED is written as if its value were of that type, and guarded by node()

    def k_properties(self, want, schema, value, depth, known):
        if not isinstance(want, dict):
            raise Unsupported(want)
        present = set(schema.get("required", []))   # k_required made sure these are there
        lines = []
        for name, sub in want.items():
            child = self.variable()
            there = name in present
            inner = self.node(sub, child, depth + (not there), frozenset())
            if inner:
                key = self.constant(name)
                if not there:
                    lines.append("    " * depth + f"if {key} in {value}:")
                lines += ["    " * (depth + (not there)) + f"{child} = {value}[{key}]", *inner]
        return lines

    def k_required(self, want, schema, value, depth, known):
        if not isinstance(want, list) or not all(type(name) is str for name in want):
            raise Unsupported(want)
        return f"{value}.keys() >= {self.constant(frozenset(want))}" if want else None

    def k_additionalProperties(self, want, schema, value, depth, known):
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        properties = schema.get("properties", {})
        known_names = self.constant(frozenset(properties if isinstance(properties, dict) else ()))
        if want is False:
            return f"{known_names}.issuperset({value})"
        key, child = self.variable(), self.variable()
        inner = self.node(want, child, depth + 2, frozenset())
        return ["    " * depth + f"for {key}, {child} in {value}.items():",
                "    " * (depth + 1) + f"if {key} not in {known_names}:", *inner] if inner else None

    def k_items(self, want, schema, value, depth, known):
        if "prefixItems" in schema:
            raise Unsupported("prefixItems")
        child = self.variable()
        inner = self.node(want, child, depth + 1, frozenset())
        return ["    " * depth + f"for {child} in {value}:", *inner] if inner else None

    def k_minItems(self, want, schema, value, depth, known):
        return f"len({value}) >= {self.constant(want)}"

    def k_maxItems(self, want, schema, value, depth, known):
        return f"len({value}) <= {self.constant(want)}"

    k_minLength, k_maxLength = k_minItems, k_maxItems

    def k_uniqueItems(self, want, schema, value, depth, known):
        return f"unique({value})" if want else None

    def k_pattern(self, want, schema, value, depth, known):
        try:
            search = re.compile(want).search
        except (TypeError, re.error):
            raise Unsupported(want) from None
        return f"{self.constant(search)}({value}) is not None"

    def k_format(self, want, schema, value, depth, known):
        # Both are true of values that are not text; a date is ten characters (jsonschema's own pattern).
        string = "" if "string" in known else f"not isinstance({value}, str) or "
        if want == "uscc":
            return f"({string}is_uscc({value}))"
        if want == "date":
            return f"({string}len({value}) == {self.constant(10)} and known_date({value}))"
        raise Unsupported(want)

    def k_enum(self, want, schema, value, depth, known):
        options = list(want)
        if options and all(type(option) is str for option in options):
            # A value equals a text only if it is a text (no JSON value of another type equals one).
            member = f"{value} in {self.constant(frozenset(options))}"
            return member if "string" in known else f"(isinstance({value}, str) and {member})"
        return f"equal_any({value}, {self.constant(options)})"

    def k_const(self, want, schema, value, depth, known):
        if type(want) is str:
            return f"{value} == {self.constant(want)}"
        return f"equal({value}, {self.constant(want)})"

    def k_minimum(self, want, schema, value, depth, known):
        return f"{value} >= {self.bound(want)}"

    def k_maximum(self, want, schema, value, depth, known):
        return f"{value} <= {self.bound(want)}"

    def k_exclusiveMinimum(self, want, schema, value, depth, known):
        return f"{value} > {self.bound(want)}"

    def k_exclusiveMaximum(self, want, schema, value, depth, known):
        return f"{value} < {self.bound(want)}"

    def bound(self, want) -> str:
        # Evidence numbers are Decimals: an integer bound is made one once, not at every comparison.
        return self.constant(Decimal(want) if type(want) is int else want)

    def k_multipleOf(self, want, schema, value, depth, known):
        return f"multiple({value}, {self.constant(want)})"

    def k_allOf(self, want, schema, value, depth, known):
        return [line for sub in self.branches(want) for line in self.node(sub, value, depth, known)]

    def k_anyOf(self, want, schema, value, depth, known):
        return "(" + " or ".join(f"{self.function(sub)}({value})" for sub in self.branches(want)) + ")"

    def k_oneOf(self, want, schema, value, depth, known):
        return "(" + " + ".join(f"{self.function(sub)}({value})" for sub in self.branches(want)) + \
            f") == {self.constant(1)}"

    def k_not(self, want, schema, value, depth, known):
        return f"not {self.function(want)}({value})"

    def k_dollar_ref(self, want, schema, value, depth, known):
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
        return f"{self.refs[want]}({value})"

    @staticmethod
    def branches(want) -> list:
        if not isinstance(want, list) or not want:
            raise Unsupported(want)
        return want
