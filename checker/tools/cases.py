"""Ruleset test cases: YAML files of evidence and expected results, run against their ruleset.

A cases file sits beside its ruleset (`<name>.cases.yaml`, see docs/testing-rulesets.md), or holds its
ruleset inline (`rules:`, as the language's own conformance suite in tests/language does); a case may
bring its own ruleset, e.g. to expect the diagnostics it fails to load with. Numbers load as exact
Decimals, every mistake in a file is reported with its line, and a case that does not come out as
expected is reported in one line that says why.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from ..language.diagnostics import RulesetError
from ..inputs import InputError, is_dir, is_file, read_file
from ..safeyaml import MAX_YAML_NODES, BoundedLoader
from ..evidence.load import DEFAULT_MAX_DEPTH, EvidenceError, validate_evidence
from ..pointer import DELETE, PointerError, parse_pointer, patched
from ..resources import resource_dir
from ..evaluation.result import (CLASSIFIED, ERROR, FAIL, GRADED, INCOMPLETE, INELIGIBLE, MET, MISSING, NOT_APPLICABLE,
                                 NOT_GRADED, NOT_MET, PARTLY_MET, PASS, PASSED, WAIVED, Result, dumps)
from ..evaluation.ruleset import SUFFIX, Ruleset, display_path, load_ruleset, locate, shipped_rulesets
from ..errors import CarbonCheckError, did_you_mean
from .expectations import EXPECT_KEYS, SHOWN, Coverage, compare, compare_diagnostics, coverage
from .intake import read_application

CASES_SUFFIX = ".cases.yaml"
INVALID = "invalid"  # the case's evidence fails the ruleset's schema
OUTCOMES = (GRADED, CLASSIFIED, NOT_GRADED, INELIGIBLE, INCOMPLETE, PASSED, INVALID)
FILE_KEYS = ("ruleset", "rules", "schema", "base", "params", "cases")
CASE_KEYS = ("name", "rules", "evidence", "set", "params", "validate", "expect")
# Inline `rules:` that are only declarations (lets, requirements, …) are read under this header.
HEADER = 'ruleset conformance { title "一致性" en "Conformance" version "1" evidence "evidence.schema.json" }\n'

# The statuses each kind of item can take, as results name them.
STATUSES = {
    "requirement": (PASS, FAIL, WAIVED, NOT_APPLICABLE, MISSING, ERROR),
    "criterion": (MET, PARTLY_MET, NOT_MET, NOT_APPLICABLE, MISSING, ERROR),
    "grade": (MET, NOT_MET, MISSING, ERROR),
    "value": ("ok", MISSING, NOT_APPLICABLE, ERROR),
}
# What the entries of `statuses`, `points`, `values`, `displays` and `explanations` must be.
ENTRY_TYPES = {"statuses": ((str,), "a status word"), "points": ((Decimal,), "a number"),
               "values": ((str, bool, Decimal, type(None), dict),
                          "a number, a text, true/false, null, {missing: [pointers]} or {error: reason}"),
               "displays": ((str,), "a text"), "explanations": ((str,), "a text")}

# Result of one case.
CASE_PASSED, CASE_FAILED, CASE_ERROR, CASE_FAULT = "passed", "failed", "error", "fault"


class CasesError(CarbonCheckError):
    """A cases file that cannot be run; each problem is one line, `file:line: message`."""

    def __init__(self, problems: list[str], partial: "CasesFile | None" = None):
        self.problems = list(problems)
        self.partial = partial  # what could be read despite the problems, to check against the ruleset too
        super().__init__("\n".join(self.problems))


class _CaseProblem(Exception):
    """One case cannot be run as written (a bad pointer, an unreadable evidence file)."""


# ------------------------------------------------------------------ YAML

class _Mapping(dict):
    """A YAML mapping that remembers its line and the line of each key, for messages."""

    line = 0
    key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class CaseLoader(BoundedLoader):
    """Safe YAML in which numbers are exact Decimals, dates stay text and a repeated key is an error."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, Hashable):
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            "while reading a mapping", node.start_mark, f"found the key {key!r} twice",
                            key_node.start_mark)
                    seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_lined_mapping(self, node):
        data = _Mapping()
        data.line = node.start_mark.line + 1
        yield data
        data.update(self.construct_mapping(node))
        # After construct_mapping, node.value holds the merged (`<<`) keys too.
        data.key_lines = {self.construct_object(k): k.start_mark.line + 1 for k, _ in node.value}

    def construct_decimal(self, node):
        text = self.construct_scalar(node).replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise yaml.constructor.ConstructorError(None, None, f"expected a finite decimal number, found {text!r}",
                                                    node.start_mark)
        return value

    def construct_integer(self, node):
        return Decimal(self.construct_yaml_int(node))

    def construct_text(self, node):
        return self.construct_scalar(node)


CaseLoader.add_constructor("tag:yaml.org,2002:map", CaseLoader.construct_lined_mapping)
CaseLoader.add_constructor("tag:yaml.org,2002:float", CaseLoader.construct_decimal)
CaseLoader.add_constructor("tag:yaml.org,2002:int", CaseLoader.construct_integer)
CaseLoader.add_constructor("tag:yaml.org,2002:timestamp", CaseLoader.construct_text)
# YAML 1.1 reads `1e3` as text; here it is the number it looks like.
CaseLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
                                 list("-+0123456789"))


def read_yaml(path: Path, source: str, what: str = "cases"):
    """A YAML file of ours (`what`, "cases" or "parameters", names it in messages), numbers exact."""
    return parse_yaml(read_yaml_bytes(path, source, what), source)


def read_yaml_bytes(path: Path, source: str, what: str = "cases") -> bytes:
    """The bytes of a YAML file of ours, bounded (`read_file`), or a CasesError."""
    try:
        return read_file(path, what=what)
    except InputError as error:
        raise CasesError([f"{source}: {error.en}"]) from None


def parse_yaml(data: bytes, source: str):
    """YAML bytes read by `read_yaml_bytes` as data, numbers exact, aliases bounded, or a CasesError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CasesError([f"{source}: expected UTF-8 text, found the byte 0x{data[error.start]:02x} "
                          f"at offset {error.start}"]) from None
    try:
        return yaml.load(text, Loader=CaseLoader)  # noqa: S506 - CaseLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        context = f" ({error.context})" if error.context else ""
        raise CasesError([f"{where}: {error.problem}{context}"]) from None
    except (yaml.YAMLError, RecursionError) as error:
        raise CasesError([f"{source}: not valid YAML: {error}"]) from None


def _json_data(value, budget: list[int], depth: int = 0):
    """YAML data as plain JSON data (dict, list, str, bool, None, Decimal), or a ValueError saying why not."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"expands to more than {MAX_YAML_NODES} values")
    if depth > DEFAULT_MAX_DEPTH:
        raise ValueError(f"is nested more than {DEFAULT_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (str, bool, Decimal)):
        return value
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise ValueError(f"has the key {key!r}; JSON keys are text (quote it)")
        return {key: _json_data(item, budget, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_data(item, budget, depth + 1) for item in value]
    raise ValueError(f"holds a {type(value).__name__}, which JSON cannot hold")


# ------------------------------------------------------------------ the cases file

@dataclass
class Case:
    name: str
    line: int
    evidence: Any  # a Path, inline JSON data, or None for the file's base
    changes: list[tuple[str, Any, int]]  # (pointer, value or None to delete, line), applied in order
    params: dict
    expect: dict
    rules: str | None = None  # the case's own ruleset text, instead of the file's
    validate: bool = True  # False: the evidence goes to the engine as given, unchecked against the schema


@dataclass
class CasesFile:
    path: Path
    source: str  # the path as messages show it
    ruleset: Path | None  # None when every case brings its own `rules:`
    base: Any
    params: dict
    cases: list[Case]
    rules: str | None = None  # the ruleset's text, when the file holds it inline (`ruleset` then names no file)
    schema: bytes | None = None  # the inline evidence schema of inline rules, as JSON

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(CASES_SUFFIX)


class _Reader:
    """Checks the shape of a cases file, collecting every problem with its line."""

    def __init__(self, path: Path, source: str):
        self.path, self.source = path, source
        self.problems: list[str] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.source}:{line}: {message}")

    def keys(self, mapping: _Mapping, allowed: tuple, what: str) -> None:
        for key in mapping:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed)
                self.problem(mapping.line_of(key), f"unknown {what} key {str(key)!r}"
                             + (f" ({hint})" if hint else f"; expected one of: {', '.join(allowed)}"))

    def mapping(self, value, line: int, what: str) -> _Mapping | None:
        if isinstance(value, _Mapping):
            for key in value:
                if not isinstance(key, str):
                    self.problem(value.line_of(key), f"{what}: the key {key!r} should be text")
                    return None
            return value
        self.problem(line, f"{what} should be a mapping, found {_kind(value)}")
        return None

    def json(self, value, line: int, what: str):
        try:
            return _json_data(value, [MAX_YAML_NODES])
        except ValueError as error:
            self.problem(line, f"{what} {error}")
            return None

    def evidence(self, value, line: int, what: str):
        if isinstance(value, str):
            return self.path.parent / value
        if isinstance(value, _Mapping):
            return self.json(value, line, what)
        self.problem(line, f"{what} should be a file path or a mapping, found {_kind(value)}")
        return None

    def params(self, value, line: int, what: str) -> dict:
        params = self.mapping(value, line, what)
        for name, given in (params or {}).items():
            if not (given is None or isinstance(given, (str, Decimal, bool))):  # null: not supplied
                self.problem(params.line_of(name), f"{what}: '{name}' should be a number, a text or null, "
                                                   f"found {_kind(given)}")
        return params if params is not None else {}

    def read(self, data) -> CasesFile:
        top = self.mapping(data, 1, "the cases file")
        if top is None:
            raise CasesError(self.problems)
        self.keys(top, FILE_KEYS, "top-level")
        rules = self.text(top["rules"], top.line_of("rules"), "rules") if "rules" in top else None
        if rules is not None and "ruleset" in top:
            self.problem(top.line_of("rules"), "give the ruleset as a file (`ruleset:`) or inline (`rules:`), not both")
        schema = None
        if "schema" in top:
            schema = self.mapping(top["schema"], top.line_of("schema"), "schema")
            schema = None if schema is None else dumps(self.json(schema, top.line_of("schema"), "schema")).encode()
        base = self.evidence(top["base"], top.line_of("base"), "base") if "base" in top else None
        params = self.params(top["params"], top.line_of("params"), "params") if "params" in top else {}
        cases, names = [], {}
        listed = top.get("cases")
        if not isinstance(listed, list) or not listed:
            self.problem(top.line_of("cases"), "expected `cases:` with a list of at least one case")
            listed = []
        for entry in listed:
            case = self.case(entry, top.line_of("cases"), has_base="base" in top)
            if case is None:
                continue
            if case.name in names:
                self.problem(case.line, f"a second case named {case.name!r} (the first is at line {names[case.name]})")
            names.setdefault(case.name, case.line)
            cases.append(case)
        inline = rules is not None or any(c.rules is not None for c in cases)
        if "schema" in top and not inline:
            self.problem(top.line_of("schema"), "`schema:` is the evidence schema of inline `rules:`; a ruleset "
                                                "file's header names its own")
        if rules is not None:  # read as if it were the ruleset file beside the cases file
            ruleset = self.path.parent / (self.path.name.removesuffix(CASES_SUFFIX) + SUFFIX)
        elif "ruleset" not in top and cases and all(c.rules is not None for c in cases):
            ruleset = None
        else:
            ruleset = self.ruleset(top)
        read = CasesFile(self.path, self.source, ruleset, base, params, cases, rules, schema)
        if self.problems:
            raise CasesError(self.problems, read)
        return read

    def text(self, value, line: int, what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.problem(line, f"{what} should be ruleset text, found {_kind(value)}")
        return None

    def ruleset(self, top: _Mapping) -> Path:
        given = top.get("ruleset")
        if given is None:
            return self.path.parent / (self.path.name.removesuffix(CASES_SUFFIX) + SUFFIX)
        if not isinstance(given, str) or not given:
            self.problem(top.line_of("ruleset"), f"ruleset should be a file name, found {_kind(given)}")
            return self.path
        beside = self.path.parent / given
        if beside.is_file():
            return beside
        try:
            return locate(given)
        except RulesetError:
            self.problem(top.line_of("ruleset"), f"no ruleset {given!r} beside the cases file or shipped")
            return self.path

    def case(self, entry, line: int, has_base: bool) -> Case | None:
        entry = self.mapping(entry, line, "a case")
        if entry is None:
            return None
        line = entry.line
        self.keys(entry, CASE_KEYS, "case")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            self.problem(line, f"a case needs a `name:` of printable text, found {_kind(name)}")
            return None
        what = f"case {name!r}:"
        rules = self.text(entry["rules"], entry.line_of("rules"), f"{what} rules") if "rules" in entry else None
        validate = entry.get("validate", True)
        if not isinstance(validate, bool):
            self.problem(entry.line_of("validate"), f"{what} validate should be true or false, found {_kind(validate)}")
        diagnostics = isinstance(entry.get("expect"), dict) and "diagnostics" in entry["expect"]
        if "evidence" in entry:
            evidence = self.evidence(entry["evidence"], entry.line_of("evidence"), f"{what} evidence")
        else:
            evidence = None
            if not has_base and not diagnostics:  # a ruleset that must fail to load needs no evidence
                self.problem(line, f"{what} no evidence: give `evidence:` or a file-level `base:`")
        if diagnostics and "rules" not in entry:
            self.problem(entry.line_of("expect"), f"{what} `diagnostics:` are those of the case's own `rules:`")
        changes = []
        changed = self.mapping(entry["set"], entry.line_of("set"), f"{what} set") if "set" in entry else None
        for pointer, value in (changed or {}).items():
            at = changed.line_of(pointer)
            if not pointer.startswith("/"):
                self.problem(at, f"{what} set: {pointer!r} is not a JSON pointer (it starts with '/')")
            changes.append((pointer, self.json(value, at, f"{what} set {pointer}:"), at))
        params = self.params(entry["params"], entry.line_of("params"), f"{what} params") if "params" in entry else {}
        expect = self.expect(entry.get("expect"), entry.line_of("expect"), what)
        return Case(name, line, evidence, changes, params, expect, rules, validate is not False)

    def expect(self, value, line: int, what: str) -> dict:
        expect = self.mapping(value, line, f"{what} expect")
        if expect is None:
            return {}
        if not expect:
            self.problem(line, f"{what} `expect:` checks nothing; say what the case should give")
        self.keys(expect, EXPECT_KEYS, "expect")
        for key, given in expect.items():
            at = expect.line_of(key)
            if key == "outcome" and given not in OUTCOMES:
                hint = did_you_mean(str(given), OUTCOMES)
                self.problem(at, f"{what} unknown outcome {given!r}" + (f" ({hint})" if hint else
                                                                           f"; expected one of: {', '.join(OUTCOMES)}"))
            elif key in ("grade", "provisional_grade") and not (given is None or isinstance(given, str)):
                self.problem(at, f"{what} {key} should be a grade id or null, found {_kind(given)}")
            elif key == "score" and not (given is None or isinstance(given, Decimal)):
                self.problem(at, f"{what} score should be a number or null, found {_kind(given)}")
            elif key in ENTRY_TYPES:
                types, described = ENTRY_TYPES[key]
                items = self.mapping(given, at, f"{what} {key}")
                for item, wanted in (items or {}).items():
                    if not isinstance(wanted, types):
                        self.problem(items.line_of(item),
                                     f"{what} {key}: {item} should be {described}, found {_kind(wanted)}")
                    if key == "values" and isinstance(wanted, dict) and not _unknown_value(wanted):
                        self.problem(items.line_of(item), f"{what} values: {item} should be {{missing: [pointers]}} "
                                                          f"or {{error: reason}}")
            elif key == "missing" and not (_texts(given) or isinstance(given, dict)
                                           and all(isinstance(p, str) and _texts(n) for p, n in given.items())):
                self.problem(at, f"{what} missing should be a list of JSON pointers, or a mapping of each pointer "
                                 f"to the list of what needs it")
            elif key == "diagnostics" and not _texts(given):
                self.problem(at, f"{what} diagnostics should be a list of `severity[code]: message` lines")
            elif key == "errors" and not (isinstance(given, list) and all(
                    isinstance(e, dict) and set(e) == {"item", "message"} for e in given)):
                self.problem(at, f"{what} errors should be a list of {{item: id, message: text}}")
        if expect.get("outcome") == INVALID and set(expect) - {"outcome"}:
            self.problem(line, f"{what} evidence that fails its schema is not evaluated: with `outcome: invalid` "
                               f"expect nothing else")
        if "diagnostics" in expect and set(expect) - {"diagnostics"}:
            self.problem(line, f"{what} a ruleset that does not load gives no result: with `diagnostics:` "
                               f"expect nothing else")
        return expect


def _texts(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _unknown_value(wanted: dict) -> bool:
    """`{missing: [pointers]}` or `{error: reason}`: what a case may expect of a value that is not known."""
    return (set(wanted) == {"missing"} and _texts(wanted["missing"])
            or set(wanted) == {"error"} and isinstance(wanted["error"], str))


def ruleset_text(rules: str) -> str:
    """Inline `rules:` as a ruleset: a whole one as written, or declarations alone under HEADER."""
    return rules if rules.lstrip().startswith(("ruleset", "library")) else HEADER + rules


def _kind(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value[:60]!r}"
    return {dict: "a mapping", _Mapping: "a mapping", list: "a list"}.get(type(value), type(value).__name__)


def load_cases(path: Path) -> CasesFile:
    """Read and check the shape of a cases file (not yet against its ruleset)."""
    source = display_path(path)
    return _Reader(path, source).read(read_yaml(path, source))


def _line_order(problem: str) -> int:
    """`file:12: …` sorts by its line."""
    parts = problem.split(":", 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


def check_against(cases: CasesFile, ruleset_of) -> None:
    """Every id, parameter and status a cases file names must exist in its ruleset; `ruleset_of(case)` is the
    one a case runs on (None: the file's, or a case's own ruleset that does not load, is not checked)."""
    problems = []

    def unknown(line, what, name, known, listing):
        hint = did_you_mean(str(name), known)
        problems.append(f"{cases.source}:{line}: {what}: the ruleset has no {listing} {name!r}"
                        + (f" ({hint})" if hint else ""))

    for params, line, what, ruleset in [(cases.params, 0, "params", ruleset_of(None))] + [
            (c.params, c.line, f"case {c.name!r}", ruleset_of(c)) for c in cases.cases]:
        for name in params if ruleset is not None else ():
            if name not in ruleset.program.params:
                at = params.line_of(name) if isinstance(params, _Mapping) else line
                unknown(at, what, name, ruleset.program.params, "parameter")
    for case in cases.cases:
        ruleset = ruleset_of(case)
        if ruleset is None:
            continue
        model = ruleset.model
        kinds = {r.id: "requirement" for r in model.requirements}
        kinds.update({c.id: "criterion" for s in model.sections for c in s.criteria})
        grades = [g.id for g in model.grades.grades] if model.grades else []
        kinds.update({g: "grade" for g in grades})
        lets = [let.name for let in model.lets]
        for let in lets:
            kinds.setdefault(let, "value")
        what, expect = f"case {case.name!r}", case.expect
        for key in ("grade", "provisional_grade"):
            if isinstance(expect.get(key), str) and expect[key] not in grades:
                unknown(expect.line_of(key), what, expect[key], grades, "grade")
        for item, status in (expect.get("statuses") or {}).items():
            at = expect["statuses"].line_of(item)
            if item not in kinds:
                unknown(at, what, item, kinds, "requirement, criterion, grade or value")
            elif status not in STATUSES[kinds[item]]:
                allowed = STATUSES[kinds[item]]
                hint = did_you_mean(status, allowed)
                problems.append(f"{cases.source}:{at}: {what}: {item} is a {kinds[item]}; its status is one of "
                                f"{', '.join(allowed)}, not {status!r}" + (f" ({hint})" if hint else ""))
        criteria = [k for k, kind in kinds.items() if kind == "criterion"]
        for item in expect.get("points") or {}:
            if item not in criteria:
                unknown(expect["points"].line_of(item), what, item, criteria, "criterion")
        for key in ("values", "displays"):
            for item in expect.get(key) or {}:
                if item not in lets:
                    unknown(expect[key].line_of(item), what, item, lets, "value (let)")
        explained = [k for k, kind in kinds.items() if kind != "grade"]
        for item in expect.get("explanations") or {}:
            if item not in explained:
                unknown(expect["explanations"].line_of(item), what, item, explained, "requirement, criterion or value")
    if problems:
        raise CasesError(problems)


# ------------------------------------------------------------------ running

@dataclass
class CaseResult:
    cases: CasesFile
    case: Case
    status: str  # passed, failed, error (the case cannot run as written), fault (an internal error)
    message: str = ""
    result: Result | None = None

    @property
    def passed(self) -> bool:
        return self.status == CASE_PASSED

    @property
    def line(self) -> str:
        return f"{self.cases.source}: case '{self.case.name}': {self.message}"


class Suite:
    """One cases file with its ruleset, loaded once, ready to run its cases."""

    def __init__(self, path: Path, rulesets: dict | None = None):
        self._loaded = {} if rulesets is None else rulesets
        try:
            self.cases = load_cases(path)
        except CasesError as error:  # every problem at once: also those the ruleset would find
            partial = error.partial
            if partial is None or partial.ruleset is None or not partial.ruleset.name.endswith(SUFFIX):
                raise
            try:
                file_ruleset = self._ruleset(partial, partial.rules)
                check_against(partial, lambda case: file_ruleset if case is None or case.rules is None else None)
            except (CasesError, RulesetError) as more:
                raise CasesError(sorted(error.problems + getattr(more, "problems", []), key=_line_order)) from None
            raise
        self.ruleset: Ruleset | None = None if self.cases.ruleset is None else self._ruleset(self.cases, self.cases.rules)
        self._own: dict[str, Ruleset | RulesetError] = {}  # the rulesets cases bring, each loaded or not
        for case in self.cases.cases:
            if case.rules is not None:
                try:
                    self._own[case.name] = self._ruleset(self.cases, case.rules)
                except RulesetError as error:
                    self._own[case.name] = error
        check_against(self.cases, lambda case: self.ruleset if case is None or case.rules is None
                      else self._own[case.name] if isinstance(self._own[case.name], Ruleset) else None)
        self._files: dict[tuple, Any] = {}

    def _ruleset(self, cases: CasesFile, rules: str | None) -> Ruleset:
        """The ruleset file of `cases`, or inline `rules` read as if they were that file; each loaded once."""
        key = cases.ruleset.resolve() if rules is None else (cases.path.resolve(), rules, cases.schema)
        if key not in self._loaded:
            if rules is None:
                self._loaded[key] = load_ruleset(cases.ruleset)
            else:
                path = cases.path.with_name(cases.name + SUFFIX)
                self._loaded[key] = load_ruleset(path, ruleset_text(rules), cases.schema)
        return self._loaded[key]

    def case(self, name: str) -> Case:
        return next(c for c in self.cases.cases if c.name == name)

    def run_all(self) -> list[CaseResult]:
        return [self.run(case) for case in self.cases.cases]

    def run(self, case: Case) -> CaseResult:
        def outcome(status, message="", result=None):
            return CaseResult(self.cases, case, status, message, result)

        ruleset = self.ruleset if case.rules is None else self._own[case.name]
        if "diagnostics" in case.expect:
            mismatch = compare_diagnostics(case.expect["diagnostics"], ruleset)
            return outcome(CASE_FAILED if mismatch else CASE_PASSED, mismatch)
        if isinstance(ruleset, RulesetError):
            return outcome(CASE_ERROR, "cannot run: its rules do not load: " + "; ".join(
                f"{d.severity}[{d.code}]: {d.message}" for d in ruleset.diagnostics))
        try:
            evidence = self.evidence(case, ruleset)
            # A case's `name: null` unsets a parameter the file supplies.
            given = {name: value for name, value in {**self.cases.params, **case.params}.items() if value is not None}
            params = ruleset.parameters(given)
        except (_CaseProblem, ValueError) as problem:
            return outcome(CASE_ERROR, f"cannot run: {problem}")
        problems = validate_evidence(evidence, ruleset.schema) if case.validate else []
        if problems:
            shown = "; ".join(f"{p.pointer or '(document)'}: {p.message_en}" for p in problems[:SHOWN])
            if case.expect.get("outcome") == INVALID:
                return outcome(CASE_PASSED)
            expected = case.expect.get("outcome", "a result")
            return outcome(CASE_FAILED, f"expected {'outcome ' * ('outcome' in case.expect)}{expected}, got invalid "
                                        f"evidence ({shown}{' …' if len(problems) > SHOWN else ''})")
        try:
            result = ruleset.evaluate(evidence, params=params, gap=False, validated=True)
        except Exception as error:  # an engine fault must not hide the other cases
            return outcome(CASE_FAULT, f"internal error: {type(error).__name__}: {error}")
        mismatches = compare(case.expect, result)
        return outcome(CASE_FAILED if mismatches else CASE_PASSED, "; ".join(mismatches), result)

    def evidence(self, case: Case, ruleset: Ruleset) -> dict:
        source = case.evidence if case.evidence is not None else self.cases.base
        if isinstance(source, Path):
            key = (source, id(ruleset))  # the rulesets are kept in self._loaded, so their ids stay theirs
            if key not in self._files:
                try:   # JSON or a workbook, read under the case's ruleset's schema
                    application = read_application(source, ruleset=ruleset, validate=False)
                    if application.unread:   # a cell that cannot be read: the file must be fixed, not the case
                        raise EvidenceError(str(source), application.unread)
                    self._files[key] = application.evidence
                except EvidenceError as error:
                    self._files[key] = _CaseProblem(f"evidence {display_path(source)}: " + "; ".join(
                        (f"line {p.line}: " if p.line else "") + (f"{p.cell}: " if p.cell else "")
                        + (f"{p.pointer}: " if p.pointer else "")
                        + p.message_en for p in error.problems[:SHOWN]))
            source = self._files[key]
            if isinstance(source, _CaseProblem):
                raise source
        evidence = copy.deepcopy(source)
        if not isinstance(evidence, dict):
            raise _CaseProblem("the evidence should be a mapping")
        for pointer, value, line in case.changes:
            try:  # `null` deletes
                evidence = patched(evidence, parse_pointer(pointer), DELETE if value is None else copy.deepcopy(value))
            except PointerError as problem:
                raise _CaseProblem(f"set {pointer} (line {line}): {problem}") from None
        return evidence


# ------------------------------------------------------------------ a run over many files

@dataclass
class FileReport:
    path: Path
    source: str
    name: str
    results: list[CaseResult] = field(default_factory=list)
    error: str | None = None  # the file or its ruleset could not be loaded
    coverage: Coverage | None = None


def run_file(path: Path, rulesets: dict) -> FileReport:
    """Run every case of one cases file; `rulesets` caches loaded rulesets across files."""
    report = FileReport(path, display_path(path), path.name.removesuffix(CASES_SUFFIX))
    try:
        suite = Suite(path, rulesets)
    except CasesError as error:
        report.error = str(error)
        return report
    except RulesetError as error:
        report.error = f"{report.source}: its ruleset does not load:\n{error.render()}"
        return report
    report.results = suite.run_all()
    if suite.ruleset is not None:  # of the file's ruleset, by the cases run on it
        report.coverage = coverage(suite.ruleset, [r.result for r in report.results
                                                   if r.result is not None and r.case.rules is None])
    return report


@dataclass
class Plan:
    files: list[Path]
    uncovered: list[str]  # shipped rulesets with no cases file, as messages show them


def find_cases(target: str | None) -> Plan:
    """The cases files to run: every shipped ruleset's, or those of a name, .rules, .cases.yaml or folder."""
    if target is None:
        folder = resource_dir("rulesets")
        return Plan(sorted(folder.glob(f"*{CASES_SUFFIX}")),
                    [display_path(p) for p in shipped_rulesets() if not cases_path(p).is_file()])
    path = Path(target)
    if target.endswith(CASES_SUFFIX):
        if not is_file(path):
            shown = target if len(target) <= 200 else target[:200] + "…"
            raise CasesError([f"{shown}: no such cases file"])
        return Plan([path], [])
    if is_dir(path):
        files = sorted(path.glob(f"*{CASES_SUFFIX}"))
        if not files:
            raise CasesError([f"{target}: no *{CASES_SUFFIX} files in this folder"])
        return Plan(files, [])
    try:
        rules = locate(target)
    except RulesetError as error:
        raise CasesError([error.render()]) from None
    if not cases_path(rules).is_file():
        raise CasesError([f"{display_path(rules)}: no cases file (expected {display_path(cases_path(rules))})"])
    return Plan([cases_path(rules)], [])


def find_all_cases(targets: tuple[str, ...]) -> Plan:
    """find_cases of each target, in order and each file once; every target's problem is reported at once."""
    if not targets:
        return find_cases(None)
    files, uncovered, problems = [], [], []
    for target in targets:
        try:
            plan = find_cases(target)
        except CasesError as error:
            problems += error.problems
            continue
        files += [f for f in plan.files if f not in files]
        uncovered += [u for u in plan.uncovered if u not in uncovered]
    if problems:
        raise CasesError(problems)
    return Plan(files, uncovered)


def cases_path(ruleset: Path) -> Path:
    return ruleset.with_name(ruleset.name.removesuffix(SUFFIX) + CASES_SUFFIX)


def summary(reports: list[FileReport]) -> str:
    results = [r for report in reports for r in report.results]
    passed = sum(r.passed for r in results)
    broken = sum(1 for report in reports if report.error)
    # A file that cannot run has no results: say so, rather than a bare "0 passed, 0 failed".
    return f"{passed} passed, {len(results) - passed} failed" + (
        f", {broken} cases file{'s' * (broken > 1)} not run (see the errors)" if broken else "")


def exit_code(reports: list[FileReport]) -> int:
    """0 all passed, 1 a case failed, 2 a file, ruleset or case cannot run as written, 3 an internal fault."""
    statuses = {r.status for report in reports for r in report.results}
    if CASE_FAULT in statuses:
        return 3
    if CASE_ERROR in statuses or any(report.error for report in reports):
        return 2
    return 1 if CASE_FAILED in statuses else 0


# ------------------------------------------------------------------ JUnit XML

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(reports: list[FileReport]) -> bytes:
    """The run as JUnit XML: a testsuite per cases file, a testcase per case; no timings, so it is reproducible."""
    root = ElementTree.Element("testsuites", name="carbon-check")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for report in reports:
        counts = {"tests": len(report.results), "failures": sum(r.status == CASE_FAILED for r in report.results),
                  "errors": sum(r.status in (CASE_ERROR, CASE_FAULT) for r in report.results)}
        suite = ElementTree.SubElement(root, "testsuite", name=_xml_text(report.name), file=_xml_text(report.source))
        if report.error:
            counts["tests"] += 1
            counts["errors"] += 1
            case = ElementTree.SubElement(suite, "testcase", classname=_xml_text(report.name),
                                          name="(cases file)", file=_xml_text(report.source))
            message = _xml_text(report.error.splitlines()[0])
            ElementTree.SubElement(case, "error", message=message).text = _xml_text(report.error)
        for outcome in report.results:
            case = ElementTree.SubElement(suite, "testcase", classname=_xml_text(report.name),
                                          name=_xml_text(outcome.case.name), file=_xml_text(report.source),
                                          line=str(outcome.case.line))
            if not outcome.passed:
                tag = "failure" if outcome.status == CASE_FAILED else "error"
                ElementTree.SubElement(case, tag, message=_xml_text(outcome.message)).text = _xml_text(outcome.line)
        if report.coverage is not None:
            ElementTree.SubElement(suite, "system-out").text = _xml_text("\n".join(report.coverage.lines()))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
