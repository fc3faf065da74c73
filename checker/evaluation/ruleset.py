"""Loading a ruleset: find it, parse it with its libraries and schema, check, compile."""
from __future__ import annotations

import functools
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..version import __version__
from ..language import ast
from ..language.check import Checker, Model, Library
from ..language.compile import Program, compile_model
from ..language.diagnostics import Diagnostic, RulesetError
from ..errors import did_you_mean
from ..evaluation.evaluate import RECORDS, evaluate
from ..evidence.load import MAX_EXPONENT, Problem, check_evidence, validate_evidence
from ..evaluation.gap import Plan, gap_to
from ..language.treecache import parse
from ..inputs import InputError, exists, is_file, read_file, read_text
from ..resources import resource_dir
from ..evaluation.result import Result, dumps, format_number, format_value
from ..evaluation.shared import shared
from ..language.units import UnitError, convert, parse_unit
from ..digests import sha256
from ..records import Record

SUFFIX = ".rules"
_TOOL = shared({"name": "carbon-check", "version": __version__})  # every result records it (read-only)


class Ruleset(Record):
    """A loaded, checked and compiled ruleset, ready to evaluate applications."""

    id: str
    path: Path
    model: Model
    program: Program
    schema: dict
    sha256: str
    warnings: list[Diagnostic]
    sources: dict[str, str]  # file name → text, to show warnings with their source line
    module: ast.Module | None  # as parsed, for editors; neither compared nor shown
    __compared__ = ("id", "path", "model", "program", "schema", "sha256", "warnings", "sources")
    __match_args__ = __compared__ + ("module",)

    def __init__(self, id, path, model, program, schema, sha256, warnings, sources, module=None):
        self.id, self.path, self.model, self.program, self.schema, self.sha256 = id, path, model, program, schema, sha256
        self.warnings, self.sources, self.module = warnings, sources, module

    @property
    def meta(self) -> dict[str, ast.Label]:
        return self.model.meta

    def text(self, key: str, lang: str = "zh") -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        return (value.en or value.zh) if lang == "en" else value.zh

    @property
    def classifies(self) -> bool:
        """Whether the ruleset's grades are unranked classes: results are `classified`, never graded."""
        return self.model.grades is not None and self.model.grades.unranked

    @property
    def final(self) -> bool:
        """Whether the ruleset says it is final: no `status`, or an English status beginning "final" or "exact".

        Any other status (placeholder weights, a pilot, a withdrawn standard) is a caveat every report shows.
        """
        status = self.meta.get("status")
        return status is None or re.match(r"(final|exact)\b", (status.en or "").strip().lower()) is not None

    @functools.cached_property
    def description(self) -> dict:
        """Identity and provenance of the ruleset, as every result records it (and shares: read-only)."""
        return shared(self.describe())

    def describe(self) -> dict:
        """Identity and provenance of the ruleset, as the result records it."""
        meta = {k: {"zh": v.zh, "en": v.en or v.zh} for k, v in self.meta.items()}
        return {
            "id": self.id,
            "version": self.text("version"),
            "title": meta.get("title"),
            "standard": self.text("standard"),
            "issuer": meta.get("issuer"),
            "effective": self.text("effective"),
            "basis": meta.get("basis"),
            "status": meta.get("status"),
            "final": self.final,
            "classifies": self.classifies,
            "sha256": self.sha256,
        }

    @functools.cached_property
    def gap_plan(self) -> Plan:
        """The shape of each condition, for the gap analysis: worked out on first use, once per ruleset."""
        return Plan(self.program)

    def validate(self, evidence: dict) -> list[Problem]:
        """Every problem of `evidence` against this ruleset's schema, each with its JSON pointer; [] when valid."""
        return validate_evidence(evidence, self.schema)

    def evaluate(self, evidence: dict, *, params: dict | None = None, date: str | None = None,
                 evidence_bytes: bytes | None = None, origins: dict | None = None, gap: bool = False,
                 validated: bool = False) -> Result:
        """Score one application. `evidence` holds Decimals for numbers (see checker.evidence).

        The evidence is checked against the ruleset's schema first, and an EvidenceError lists every problem
        with its pointer, unless the caller says it has just done so (`validated=True`): evaluation assumes
        valid evidence and would otherwise fail, or mislead, deep inside.

        With `gap=True` the result also says what the next grade needs (`result.gap`, with its advice plan);
        that analysis costs several evaluations, so it is made only on request: without it `result.gap` is
        None and the JSON result's `gap` null. `check`, `gap`, `batch` and the web pages ask for it.
        `origins` says where each of `params` came from, {name: {"source": "command line" | "file",
        "file_sha256": ...}}, for the result's record of parameters; a parameter it leaves out is recorded as
        given on the command line.
        """
        if evidence_bytes is None:
            if _holds_float(evidence):
                raise TypeError("evidence numbers must be Decimals, never floats: read the evidence with "
                                "checker.load_evidence or checker.parse_evidence")
            evidence_bytes = dumps(evidence).encode("utf-8")
        if not validated and self.schema:
            check_evidence(evidence, self.schema, "<evidence>")
        # The evidence's SHA-256 is computed from its bytes when the result is first asked for it.
        provenance = {"ruleset": self.description, "tool": _TOOL}
        supplied = self.parameters(params) if params else {}
        result = evaluate(self.program, evidence, params=supplied, provenance=provenance, date=date, origins=origins,
                          evidence_bytes=evidence_bytes)
        if gap and not self.classifies:  # classes have no next one to reach
            result.gap = gap_to(self, evidence, result, supplied)
        return result

    def parameters(self, given: dict) -> dict:
        """Supplied parameter values, by name, checked against what the ruleset declares."""
        values = {}
        for name, value in given.items():
            if name not in self.program.params:
                hint = did_you_mean(name, self.program.params)
                raise ValueError(f"ruleset {self.id} has no parameter '{name}'" + (f" ({hint})" if hint else ""))
            type_ = self.program.params[name][0]
            if type_.kind == "number":
                if isinstance(value, float):
                    raise ValueError(f"parameter '{name}' must be given exactly (text or Decimal), not a float")
                value = _quantity(name, value, type_.unit)
                # The same bounds as evidence numbers: NaN, infinities and 1e999999 would fault evaluation.
                if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
                    raise ValueError(f"parameter '{name}' must be a finite number within 1e±{MAX_EXPONENT}, "
                                     f"got {value}")
            check = self.program.allowed.get(name)
            problem = check(value) if check else None
            if problem:
                shown = _shown(value) if isinstance(value, str) else format_value(value, type_)
                raise ValueError(f"parameter '{name}' {problem}, got {shown}")
            values[name] = value
        return values


def _holds_float(node) -> bool:
    pending = [node]
    while pending:
        node = pending.pop()
        if isinstance(node, float):
            return True
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, (list, tuple)):
            pending.extend(node)
    return False


def _quantity(name: str, value, unit) -> Decimal:
    """A parameter value as a number in the parameter's unit: `0.8`, `10%`, `500 kgCO2e/t`."""
    text = str(value).strip()
    match = re.fullmatch(r"([-+]?[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][-+]?[0-9]+)?)\s*(\S*)", text)
    if not match:
        raise ValueError(f"parameter '{name}' must be a number, got {_shown(value)}")
    try:
        number, symbol = Decimal(match.group(1).replace("_", "")), match.group(2)
    except InvalidOperation:   # an exponent beyond what Decimal holds
        raise ValueError(f"parameter '{name}' must be a finite number within 1e±{MAX_EXPONENT}") from None
    if not symbol:
        # A text without a unit for a parameter that has one is ambiguous (`0.025` for a % parameter would be
        # 0.025%): the unit is written. Numbers in a data file stay in the parameter's unit, as documented.
        if isinstance(value, str) and unit.symbol and unit.symbol != "1" and abs(number.adjusted()) <= MAX_EXPONENT:
            example = f"{format_number(number * 100)}%" if unit.symbol == "%" else f"{number} {unit.symbol}"
            raise ValueError(f"parameter '{name}' is in {unit.symbol}: write the unit, e.g. {example}"
                             + (f" for the fraction {number}, or {number}% as written" if unit.symbol == "%" else ""))
        return number
    try:
        given = parse_unit(symbol)
        return convert(number, given.factor_to(unit))
    except UnitError as exc:
        raise ValueError(f"parameter '{name}' is in {unit.symbol or 'plain numbers'}: {exc}") from None


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def shipped_rulesets() -> list[Path]:
    return sorted(resource_dir("rulesets").glob(f"*{SUFFIX}"))


def locate(reference: str | Path) -> Path:
    """A ruleset file from a path, or a shipped ruleset from its name (`zero-carbon-factory`)."""
    path = Path(reference)
    if path.suffix == SUFFIX or exists(path):
        if is_file(path):
            return path
        shown = str(reference) if len(str(reference)) <= 200 else str(reference)[:200] + "…"
        raise RulesetError([Diagnostic("not-found", f"no ruleset file at {shown}")])
    name = str(reference).replace("_", "-")
    shipped = {p.stem: p for p in shipped_rulesets()}
    if name in shipped:
        return shipped[name]
    hint = did_you_mean(name, shipped)
    raise RulesetError([Diagnostic("not-found", f"no ruleset named '{reference}'",
                                   expected="one of: " + ", ".join(shipped), hint=hint)])


def load_ruleset(reference: str | Path, text: str | None = None, schema: bytes | None = None) -> Ruleset:
    """Load, check and compile a ruleset. `text`: the file's content as an editor holds it, unsaved;
    its libraries and evidence schema are still looked for beside `reference`. `schema`: the evidence
    schema file's content, read instead of the file the header names (a cases file's inline `schema:`)."""
    path = locate(reference) if text is None else Path(reference)
    sources: dict[str, str] = {}
    digest = sha256()
    module = _parse_file(path, sources, digest, text)
    diagnostics: list[Diagnostic] = []
    libraries = _libraries(module, path, sources, digest, diagnostics, seen=(path.resolve(),))
    schema = _schema(module, path, digest, diagnostics, schema)
    checker = Checker(module, schema, libraries)
    schema = schema or {}
    model = checker.run()
    diagnostics += checker.diagnostics
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise RulesetError(diagnostics, sources)
    return Ruleset(module.header.id, path, model, compile_model(model, records=RECORDS), schema, digest.hexdigest(),
                   [d for d in diagnostics if d.severity == "warning"], sources, module)


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_source(path: Path) -> str:
    """The text of a ruleset or library file (bounded, UTF-8), or a RulesetError saying why it cannot be read."""
    try:
        return read_text(path, what="ruleset")
    except InputError as exc:
        raise RulesetError([Diagnostic("read", f"cannot read {display_path(path)}: {exc.en}")]) from None


def _parse_file(path: Path, sources: dict[str, str], digest, text: str | None = None) -> ast.Module:
    name = display_path(path)
    unsaved = text is not None
    text = read_source(path) if text is None else text
    data = text.encode("utf-8")   # the file's bytes: UTF-8 decodes and encodes back exactly
    digest.update(data)
    sources[name] = text
    try:
        return parse(text, name, store=not unsaved)
    except RulesetError as error:
        error.sources.update(sources)
        raise


def _libraries(module: ast.Module, path: Path, sources, digest, diagnostics, seen) -> dict[str, Library]:
    libraries = {}
    for decl in module.declarations:
        if not isinstance(decl, ast.Import):
            continue
        candidates = [path.parent / decl.path, resource_dir("rulesets") / decl.path]
        found = next((c for c in candidates if is_file(c)), None)
        if found is None:
            diagnostics.append(Diagnostic("import", f"cannot find library \"{decl.path}\"", decl.span,
                                          hint=f"looked in {path.parent} and the shipped rulesets"))
            continue
        if found.resolve() in seen:
            diagnostics.append(Diagnostic("import-cycle", f"\"{decl.path}\" imports itself", decl.span))
            continue
        library_module = _parse_file(found, sources, digest)
        if library_module.header.kind != "library":
            # Checking it would only add the noise of a ruleset read without its evidence schema.
            diagnostics.append(Diagnostic("import", f"\"{decl.path}\" is a ruleset, not a library", decl.span))
            continue
        checker = Checker(library_module, {}, _libraries(library_module, found, sources, digest, diagnostics,
                                                         (*seen, found.resolve())))
        checker.run()
        diagnostics += checker.diagnostics
        libraries[decl.alias] = Library(checker.params, {n: t for n, t in checker.tables.items() if "." not in n})
    return libraries


def _schema(module: ast.Module, path: Path, digest, diagnostics, given: bytes | None = None) -> dict | None:
    """The evidence schema; None when it cannot be had (one diagnostic says why, and the evidence is then
    read without a schema, so that its paths are not reported one by one)."""
    if module.header.kind == "library":
        return {}
    entry = next((m for m in module.header.meta if m.key == "evidence"), None)
    if entry is None:
        diagnostics.append(Diagnostic("missing-meta", "the ruleset header needs `evidence \"<schema file>\"`",
                                      module.header.span))
        return None
    candidates = [path.parent / entry.value.zh, resource_dir("schemas") / entry.value.zh]
    found = Path(entry.value.zh) if given is not None else next((c for c in candidates if is_file(c)), None)
    if found is None:
        diagnostics.append(Diagnostic("schema", f"cannot find the evidence schema \"{entry.value.zh}\"", entry.span))
        return None
    try:
        data = read_file(found, what="schema") if given is None else given
    except InputError as exc:
        diagnostics.append(Diagnostic("schema", f"cannot read the evidence schema {found.name}: {exc.en}", entry.span))
        return None
    digest.update(data)
    try:
        return json.loads(data)
    except ValueError as exc:
        diagnostics.append(Diagnostic("schema", f"the evidence schema {found.name} is not valid JSON: {exc}",
                                      entry.span))
        return None
