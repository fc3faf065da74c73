"""Strict loading and schema validation of untrusted evidence files.

Evidence comes from factories, so every way a file can be wrong must end as a
`Problem` (English + Chinese, JSON pointer, line/column when known) inside an
`EvidenceError`, never as a traceback.

Documented limits:
  * DEFAULT_MAX_BYTES  -- files larger than this are refused before being read.
  * DEFAULT_MAX_DEPTH  -- arrays/objects nested deeper than this are refused
    before json.loads (stdlib json and jsonschema recurse).
  * MAX_DIGITS / MAX_EXPONENT -- a number may have at most 40 significant
    digits and abs(adjusted decimal exponent) <= 100 (so 1e400 is refused).

Every JSON number becomes a `decimal.Decimal` (never a float).  For schema
type checks a Decimal with zero fractional part (e.g. 1.0) counts as an
"integer", as JSON Schema 2020-12 defines it; floats in the schema are
compared as Decimal(repr(float)) so that `minimum: 0.1` accepts 0.1.

Pointers are RFC 6901; a duplicate-key problem points at the object holding
the key and names the key in its message.
"""
from __future__ import annotations

import codecs
import itertools
import functools
import json
import re
from collections import Counter, OrderedDict
from decimal import (Clamped, Context, Decimal, Inexact, InvalidOperation, Overflow, Rounded, Subnormal, Underflow,
                     localcontext)

from . import uscc
from .fastcheck import compile_check

from ..inputs import DEFAULT_MAX_BYTES, InputError, read_file
from ..catalogue import fill, messages
from ..pointer import format_pointer
from ..errors import CarbonCheckError
from ..records import Frozen, replace

DEFAULT_MAX_DEPTH = 64
MAX_DIGITS = 40
MAX_SHOWN = 100        # problems an error message lists; it counts the rest
MAX_COUNTED = 10_000   # validation stops after this many schema errors and says "at least"
MAX_EXPONENT = 100
_MAX_NUMBER_CHARS = 1000   # longer number literals are never turned into Decimals
_SHOW_CHARS = 60


class Problem(Frozen):
    pointer: str
    message_en: str
    message_zh: str
    line: int | None
    column: int | None
    cell: str | None   # in a spreadsheet: the cell, `能源!C7`
    __match_args__ = ("pointer", "message_en", "message_zh", "line", "column", "cell")

    def __init__(self, pointer, message_en, message_zh, line=None, column=None, cell=None):
        self.__dict__.update(pointer=pointer, message_en=message_en, message_zh=message_zh, line=line, column=column,
                             cell=cell)

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en


class EvidenceError(CarbonCheckError):
    """Raised with every problem found; .source is the file name; .problems a list[Problem].

    `complete` is False when validation stopped counting at MAX_COUNTED problems: a file of 164,000 bad items
    is told in a second, not in a minute and gigabytes. `render` shows the first MAX_SHOWN problems and says
    how many more there are.
    """

    def __init__(self, source: str, problems: list[Problem], *, complete: bool = True):
        self.source = source
        self.problems = list(problems)
        self.complete = complete
        super().__init__(source)

    def __str__(self) -> str:
        return self.render()

    def render(self, lang: str = "en", limit: int | None = None) -> str:
        """The problems, one a line, at most `limit` of them (MAX_SHOWN by default), then how many more."""
        limit = MAX_SHOWN if limit is None else limit
        lines = []
        for p in self.problems[:limit]:
            where = self.source
            if p.line is not None:
                where += f":{p.line}" + (f":{p.column}" if p.column is not None else "")
            if p.cell is not None:
                where += f": {_printable(p.cell)}"
            lines.append(f"{where}: {_printable(p.pointer) or '(document)'}: {p.message(lang)}")
        rest = len(self.problems) - len(lines)
        words = messages(lang)["evidence"]
        if not self.complete:
            lines.append(fill(words["more_uncounted"], count=len(self.problems)))
        elif rest > 0:
            lines.append(fill(words["more_one" if rest == 1 else "more"], count=rest))
        return "\n".join(lines)

    def summary(self, lang: str = "en") -> str:
        """How many problems were found: "12 problems found", or "at least 10000 …" when counting stopped."""
        count = len(self.problems)
        name = "found_at_least" if not self.complete else "found_one" if count == 1 else "found"
        return fill(messages(lang)["evidence"][name], count=count)


# ---------------------------------------------------------------- helpers

_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# A string token (possibly unterminated) or a bracket: strings are matched
# whole so brackets and constants inside them are skipped.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_CONSTANT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|(NaN|-?Infinity)', re.DOTALL)



def _printable(text: str) -> str:
    # Pointers hold untrusted keys: keep control characters from forging output lines.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    # Same convention as json.JSONDecodeError: 1-based, characters, '\n' only.
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def _show(value) -> str:
    """Untrusted values are only ever shown repr-quoted and truncated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value[:_SHOW_CHARS]) + ("…" if len(value) > _SHOW_CHARS else "")
    if isinstance(value, (Decimal, int, float)):
        d = value if isinstance(value, Decimal) else Decimal(repr(value))
        text = format(d, "f") if d.is_finite() else str(d)
        return text if len(text) <= _SHOW_CHARS else text[:_SHOW_CHARS] + "…"
    return "an object" if isinstance(value, dict) else "an array" if isinstance(value, list) else "?"


def _problem(pointer: str, name: str, /, *at, **values) -> Problem:
    """A problem in the words of the catalogue's `evidence` group; a value may differ by language ({lang: text})."""
    en, zh = (fill(messages(lang)["evidence"][name],
                   **{k: v[lang] if isinstance(v, dict) else v for k, v in values.items()}) for lang in ("en", "zh"))
    return Problem(pointer, en, zh, *at)


def _words(name: str, /, **values) -> dict[str, str]:
    return {lang: fill(messages(lang)["evidence"][name], **values) for lang in ("en", "zh")}


def _found(value) -> dict[str, str]:
    if isinstance(value, dict):
        return _words("found_object")
    if isinstance(value, list):
        return _words("found_array")
    if isinstance(value, str):
        return _words("found_string", value=_show(value))
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return _words("found_number", value=_show(value))
    return {"en": _show(value), "zh": _show(value)}


# ---------------------------------------------------------------- loading

class _BadNumber:
    """Stands in for NaN/Infinity or an absurdly long literal so the post-pass can report its pointer."""

    def __init__(self, text: str):
        self.text = text


class _DupDict(dict):
    """An object with duplicate keys; keeps every pair so nothing escapes the post-pass."""
    pairs: list


def _pairs_hook(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        obj = _DupDict(obj)
        obj.pairs = pairs
    return obj


def _number(text: str):
    if len(text) > _MAX_NUMBER_CHARS:
        return _BadNumber(text)
    try:
        return Decimal(text)
    except InvalidOperation:   # an exponent beyond what Decimal holds: 1e9999999999999999999
        return _BadNumber(text)


def _too_deep(text: str, max_depth: int) -> Problem | None:
    if text.count("[") + text.count("{") <= max_depth:
        return None
    depth = 0
    for m in _STRUCTURE.finditer(text):
        c = text[m.start()]
        if c in "[{":
            depth += 1
            if depth > max_depth:
                return _problem("", "too_deep", *_line_col(text, m.start()), max=max_depth)
        elif c in "]}":
            depth -= 1
    return None


def _check_tree(root, strings: bool = True) -> list[Problem]:
    problems = []

    def add(path, name, /, **values):
        problems.append(_problem(format_pointer(path), name, **values))

    stack = [((), root)]
    while stack:   # iterative and in document order; paths become pointers only when needed
        path, node = stack.pop()
        if isinstance(node, dict):
            pairs = node.pairs if isinstance(node, _DupDict) else list(node.items())
            if isinstance(node, _DupDict):
                for key, n in Counter(k for k, _ in pairs).items():
                    if n > 1:
                        add(path, "duplicate_key", key=repr(key), count=n)
            for key, _ in pairs:
                if strings and _SURROGATE.search(key):
                    add(path + (key,), "surrogate_key", key=repr(key))
            stack.extend(reversed([(path + (k,), v) for k, v in pairs]))
        elif isinstance(node, list):
            stack.extend(reversed([(path + (i,), v) for i, v in enumerate(node)]))
        elif isinstance(node, str):
            if strings and _SURROGATE.search(node):
                add(path, "surrogate_string", value=_show(node))
        elif isinstance(node, _BadNumber) and node.text in ("NaN", "Infinity", "-Infinity"):
            add(path, "not_finite", value=node.text)
        elif isinstance(node, _BadNumber) and len(node.text) <= _MAX_NUMBER_CHARS:
            add(path, "exponent", max=MAX_EXPONENT, value=_show(node.text))
        elif isinstance(node, _BadNumber):
            add(path, "digits_long", max=MAX_DIGITS, length=len(node.text))
        elif isinstance(node, Decimal):
            digits, exponent = len(node.as_tuple().digits), node.adjusted()
            if digits > MAX_DIGITS:
                add(path, "digits", max=MAX_DIGITS, digits=digits)
            elif abs(exponent) > MAX_EXPONENT:
                add(path, "exponent_found", max=MAX_EXPONENT, value=exponent)
    return problems


class _Refused(Exception):
    """Raised inside the quick parse: the document needs the full parse to say what is wrong with it."""


def _quick_object(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):   # a duplicate key
        raise _Refused
    return obj


def _refuse(text: str):
    raise _Refused   # NaN, Infinity, -Infinity


# Numbers of the quick read are made by this context, in C, without a Python call each: it refuses (its traps
# raise) a number with more than MAX_DIGITS digits (Rounded), one whose adjusted exponent is above MAX_EXPONENT
# (Overflow), a zero whose exponent is beyond ±MAX_EXPONENT (Clamped: Etiny is -MAX_EXPONENT), and a non-zero
# number whose adjusted exponent is below Emin (Subnormal). Emin is above -MAX_EXPONENT, so that last refusal
# also takes some numbers within the limits (1e-70): the full parse reads those, as it reads what it reports.
# Whatever it accepts is the very Decimal the full parse makes (tests/test_evidence.py holds both to that).
_LIMITS = Context(prec=MAX_DIGITS, Emax=MAX_EXPONENT, Emin=MAX_DIGITS - 1 - MAX_EXPONENT,
                  traps=[Rounded, Inexact, Overflow, Underflow, Subnormal, Clamped, InvalidOperation])

# The same decoder as the full parse, but one that stops at the first thing the full parse would report, so
# that a clean document (nearly all of them) is read without a second pass over its tree.
_QUICK = json.JSONDecoder(parse_float=_LIMITS.create_decimal, parse_int=_LIMITS.create_decimal,
                          parse_constant=_refuse, object_pairs_hook=_quick_object)


def _quick_parse(text: str) -> dict | None:
    """The document when it is an object without any problem `_check_tree` reports; None when it may have one.

    Every value is what the full parse gives (the same decoder, numbers made exactly, by `_LIMITS`); anything
    unusual (a \\uD800 escape, a duplicate key, NaN, a number beyond the limits or near them, a syntax error, not
    an object) is left to the full parse, which says what is wrong and where.
    """
    if "\\" in text and _SURROGATE_ESCAPE.search(text):   # most documents have no escape at all: one fast look
        return None
    try:
        obj = _QUICK.decode(text)
    except (_Refused, ValueError, ArithmeticError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def parse_evidence(data: bytes, source: str = "<evidence>", *,
                   max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> dict:
    def fail(*problems):
        raise EvidenceError(source, list(problems)) from None   # the decoder's own traceback is noise

    if len(data) > max_bytes:
        fail(_problem("", "too_big", max=max_bytes, size=len(data)))
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    body = data[skip:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        start = body.rfind(b"\n", 0, e.start) + 1
        column = len(body[start:e.start].decode("utf-8", "replace")) + 1
        offset, byte = e.start + skip, body[e.start]
        fail(_problem("", "not_utf8", body.count(b"\n", 0, e.start) + 1, column, byte=f"{byte:02x}", offset=offset))
    if not text.strip(" \t\r\n"):
        fail(_problem("", "empty"))
    deep = _too_deep(text, max_depth)
    if deep:
        fail(deep)
    obj = _quick_parse(text)
    if obj is None:
        obj = _full_parse(text, source)
    return obj


def _full_parse(text: str, source: str) -> dict:
    """The document, or an EvidenceError with every problem the strict reading finds, each with its pointer."""
    def fail(*problems):
        raise EvidenceError(source, list(problems)) from None   # the decoder's own traceback is noise

    try:
        obj = json.loads(text, parse_float=_number, parse_int=_number,
                         parse_constant=_BadNumber, object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as e:
        error = {lang: messages(lang)["json_syntax"].get(e.msg, e.msg) for lang in ("en", "zh")}
        fail(_problem("", "syntax", e.lineno, e.colno, error=error))
    except RecursionError:   # only reachable if a caller raises max_depth very high
        fail(_problem("", "too_deep_to_parse"))

    problems = []
    if not isinstance(obj, dict):
        problems.append(_problem("", "not_object", found=_found(obj)))
    # Strict UTF-8 decoding refused raw surrogates, so only a \\uD8xx-\\uDFxx escape can create one.
    problems += _check_tree(obj, strings=_SURROGATE_ESCAPE.search(text) is not None)
    # NaN/Infinity only appear outside strings as values, so the k-th one in the
    # text is the k-th one the document-order post-pass found.
    nonfinite = [i for i, p in enumerate(problems) if p.message_en.startswith("expected a finite number")]
    positions = [m.start(1) for m in _CONSTANT.finditer(text) if m.group(1)] if nonfinite else []
    if len(positions) == len(nonfinite):
        for i, pos in zip(nonfinite, positions):
            line, column = _line_col(text, pos)
            problems[i] = replace(problems[i], line=line, column=column)
    if problems:
        fail(*problems)
    return obj


def load_evidence(path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[dict, bytes]:
    data = read_evidence_file(path, max_bytes=max_bytes)
    return parse_evidence(data, str(path), max_bytes=max_bytes, max_depth=max_depth), data


# Spreadsheets that may hold macros or are not XLSX: refused by name.
REFUSED_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xls", ".xlam")


def is_workbook(data: bytes, name: str = "") -> bool:
    """An XLSX (a zip) rather than JSON, by content, or a spreadsheet by its name.

    Here rather than in evidence.workbook, so that reading JSON evidence does not import the workbook reader."""
    return data[:4] == b"PK\x03\x04" or str(name).lower().endswith((".xlsx",) + REFUSED_SUFFIXES)


def read_evidence_file(path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of an evidence file (JSON or a workbook): a regular file of at most `max_bytes`."""
    source = str(path)
    try:
        return read_file(path, max_bytes=max_bytes, what="evidence")
    except InputError as error:
        raise EvidenceError(source, [Problem("", error.en, error.zh)]) from None


# ---------------------------------------------------------------- validation

@functools.lru_cache(maxsize=1)
def _validator_class():
    """jsonschema's Draft 2020-12 validator with exact decimal integers and multipleOf.

    Imported on first use: valid evidence passes the fast check and never needs it.
    """
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def is_integer(checker, instance) -> bool:
        if isinstance(instance, Decimal):
            return instance.is_finite() and instance == instance.to_integral_value()
        return Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")

    def multiple_of(validator, divisor, instance, schema):
        # Exact decimal arithmetic; the stock keyword mixes floats with Decimals.
        if not validator.is_type(instance, "number"):
            return
        try:
            with localcontext(prec=1000):
                ok = Decimal(str(instance)) % Decimal(str(divisor)) == 0
        except ArithmeticError:   # quotient beyond any sane precision, or a zero divisor
            ok = False
        if not ok:
            yield ValidationError(f"{_show(instance)} is not a multiple of {_show(divisor)}")

    return validators.extend(
        Draft202012Validator, validators={"multipleOf": multiple_of},
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer))


@functools.lru_cache(maxsize=1)
def format_checker():
    """The formats of Draft 2020-12, plus "uscc": a unified social credit code (GB 32100)."""
    from jsonschema import Draft202012Validator, FormatChecker
    checker = FormatChecker(formats=())
    checker.checkers.update(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("uscc")(uscc.is_valid)
    return checker


_TYPE_NAMES = {"string": "a_string", "number": "a_number", "integer": "an_integer", "object": "an_object",
               "array": "an_array", "boolean": "a_boolean", "null": "a_null"}


def _decimalize(node):
    # Schema floats compared with evidence Decimals would compare binary values (0.1 != Decimal("0.1")).
    if isinstance(node, float):
        return Decimal(repr(node))
    if isinstance(node, dict):
        return {k: _decimalize(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimalize(v) for v in node]
    return node


def _problems_for(e) -> list[Problem]:   # e: a jsonschema ValidationError
    ptr, kw, want, got = format_pointer(e.absolute_path), e.validator, e.validator_value, e.instance
    if kw in ("anyOf", "oneOf") and e.context:
        from jsonschema.exceptions import best_match
        best = best_match([e])   # descends into e.context; returns e itself when no branch stands out
        if best is not e:
            return _problems_for(best)
        if all(c.validator in ("const", "enum") for c in e.context):
            options = ", ".join(_show(v) for c in e.context
                                for v in (c.validator_value if c.validator == "enum" else [c.validator_value]))
            return [_problem(ptr, "one_of", options=options, value=_show(got))]
        return [_problem(ptr, "alternatives", keyword=kw, found=_found(got))]
    if kw == "required" and isinstance(got, dict):
        return [_problem(ptr + format_pointer((name,)), "required") for name in want if name not in got]
    if kw == "additionalProperties" and want is False and isinstance(got, dict):
        known = e.schema.get("properties", {})
        extras = [k for k in got if k not in known
                  and not any(re.search(p, k) for p in e.schema.get("patternProperties", {}))]
        allowed = ", ".join(repr(k) for k in known) or _words("none")
        return [_problem(ptr + format_pointer((k,)), "only_properties", allowed=allowed, key=repr(k)) for k in extras]
    shown = _show(got)
    if kw == "type":
        names = [want] if isinstance(want, str) else list(want)
        types = {lang: messages(lang)["evidence"]["type_or"].join(messages(lang)["evidence"][_TYPE_NAMES[n]]
                                                                  for n in names) for lang in ("en", "zh")}
        return [_problem(ptr, "type", types=types, found=_found(got))]
    if kw in ("enum", "const"):
        options = ", ".join(_show(v) for v in (want if kw == "enum" else [want]))
        return [_problem(ptr, "one_of" if kw == "enum" else "const", options=options, value=shown)]
    if kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        return [_problem(ptr, kw, limit=_show(want), value=shown)]
    if kw in ("minLength", "maxLength", "minItems", "maxItems"):
        return [_problem(ptr, kw, limit=want, length=len(got), value=shown)]
    if kw == "format" and want == "uscc":
        return [Problem(ptr, *uscc.explain(got, shown))]
    if kw in ("pattern", "format"):
        return [_problem(ptr, kw, limit=repr(want), value=shown)]
    if kw == "uniqueItems":
        return [_problem(ptr, "uniqueItems")]
    message = " ".join(e.message.split())   # jsonschema's text already repr-quotes the instance
    message = message if len(message) <= 200 else message[:200] + "…"
    # jsonschema's own English says what is wrong; Chinese names the keyword before it.
    zh = messages("zh")
    return [Problem(ptr, message, fill(zh["evidence"]["other"], keyword=kw) + zh["punct"]["colon"] + message)]


def _sort_key(p: Problem):
    # Numeric array indices sort numerically so /sources/10 follows /sources/9.
    parts = [(0, int(t), "") if t.isascii() and t.isdigit() else (1, 0, t) for t in p.pointer.split("/")[1:]]
    return parts, p.message_en


class _SchemaChecks:
    """What validation builds once per schema: the fast yes/no check, and jsonschema's validator on demand."""

    def __init__(self, schema: dict):
        self.schema = _decimalize(schema)
        self.fast = compile_check(self.schema)
        self.periods = _periods(self.schema)
        self._full = None

    def full(self):
        if self._full is None:
            self._full = _validator_class()(self.schema, format_checker=format_checker())
        return self._full

    def problems(self, evidence: dict) -> tuple[list[Problem], bool]:
        """The problems, sorted, and whether they are all of them (see MAX_COUNTED)."""
        reversed_periods = _reversed_periods(evidence, self.periods)
        if self.fast is not None and self.fast(evidence):
            return reversed_periods, True
        errors = list(itertools.islice(self.full().iter_errors(evidence), MAX_COUNTED + 1))
        found = {p for e in errors[:MAX_COUNTED] for p in _problems_for(e)} | set(reversed_periods)
        return sorted(found, key=_sort_key), len(errors) <= MAX_COUNTED


# ---------------------------------------------------------------- periods in order
# JSON Schema cannot compare two fields, so one rule holds for every schema: an object whose schema gives it
# both a `start` and an `end` date (a reporting period, a validity) must not end before it starts. The
# objects are found once per schema, so valid evidence pays only for looking at them.

def _periods(schema: dict) -> list[tuple]:
    """Paths (keys, "*" for every item of an array) of the objects that have `start` and `end` dates."""
    found, stack = [], [((), schema, 0)]
    while stack:
        path, node, depth = stack.pop()
        if not isinstance(node, dict) or depth > DEFAULT_MAX_DEPTH:
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target = schema
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
            stack.append((path, target, depth + 1))
        properties = node.get("properties", {})
        if all(isinstance(properties.get(k), dict) and properties[k].get("format") == "date" for k in ("start", "end")):
            found.append(path)
        for key, child in properties.items() if isinstance(properties, dict) else ():
            stack.append((path + (key,), child, depth + 1))
        for keyword in ("items", "additionalProperties"):
            if isinstance(node.get(keyword), dict):
                stack.append((path + ("*",), node[keyword], depth + 1))
        for keyword in ("allOf", "anyOf", "oneOf"):
            for child in node.get(keyword, []) if isinstance(node.get(keyword), list) else ():
                stack.append((path, child, depth + 1))
    return sorted(set(found))


def _reversed_periods(evidence, periods: list[tuple]) -> list[Problem]:
    problems = []
    for path in periods:
        for at, node in _objects_at(evidence, path):
            start, end = node.get("start"), node.get("end")
            if isinstance(start, str) and isinstance(end, str):
                first, last = _date(start), _date(end)
                if first and last and last < first:
                    problems.append(_problem(format_pointer(at + ("end",)), "period_reversed", start=start,
                                             end=_show(end)))
    return problems


def _objects_at(evidence, path: tuple) -> list[tuple[tuple, dict]]:
    """The objects at `path` ("*" for every item of an array or object), each with its own path."""
    if "*" not in path:   # the usual place of a period, fixed: followed without building lists
        node = evidence
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return [(path, node)] if isinstance(node, dict) else []
    nodes = [((), evidence)]
    for key in path:
        nodes = [(at + (k,), v) for at, node in nodes
                 for k, v in (node.items() if key == "*" and isinstance(node, dict) else
                              enumerate(node) if key == "*" and isinstance(node, list) else
                              [(key, node[key])] if isinstance(node, dict) and key in node else [])]
    return [(at, node) for at, node in nodes if isinstance(node, dict)]


@functools.lru_cache(maxsize=4096)  # the same few dates, application after application
def _date(text: str):
    import datetime
    try:
        return datetime.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


# By schema identity, the schema kept so that its id stays its own. Bounded: a process that loads rulesets
# again and again (a server, a test suite) keeps the checks of the few it used last, not of every load.
_CHECKS: OrderedDict[int, tuple[dict, _SchemaChecks]] = OrderedDict()
_CHECKS_KEPT = 16


def _checks(schema: dict) -> _SchemaChecks:
    """One set of checks per loaded schema, not one per application: building them costs as much as a check."""
    cached = _CHECKS.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = _CHECKS[id(schema)] = (schema, _SchemaChecks(schema))
        while len(_CHECKS) > _CHECKS_KEPT:
            _CHECKS.popitem(last=False)
    else:
        _CHECKS.move_to_end(id(schema))
    return cached[1]


def validate_evidence(evidence: dict, schema: dict, source: str = "<evidence>") -> list[Problem]:
    """The evidence's problems against `schema`, sorted by pointer; counting stops at MAX_COUNTED."""
    return _checks(schema).problems(evidence)[0]


def check_evidence(evidence: dict, schema: dict, source: str) -> None:
    problems, complete = _checks(schema).problems(evidence)
    if problems:
        raise EvidenceError(source, problems, complete=complete)
