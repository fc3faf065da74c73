"""One application in, whatever its medium: JSON or an XLSX workbook, from a file or from a web request.

`read_application` is the one pipeline the CLI (`check`, `validate`, `gap`, `batch`) and the web app share:
the bytes, their format told by content, strict parsing, the ruleset the evidence names (shipped ones
only: untrusted evidence never names a file for us to read) or the one given, then schema validation with
every problem at once, each naming its JSON pointer and, for a workbook, its cell.
"""
from __future__ import annotations

import functools
from pathlib import Path

from ..evaluation.ruleset import Ruleset, load_ruleset, shipped_rulesets
from ..evidence.load import (DEFAULT_MAX_BYTES, EvidenceError, Problem, check_evidence, is_workbook, parse_evidence,
                             read_evidence_file)
from ..language.diagnostics import Diagnostic, RulesetError
from ..errors import CarbonCheckError, did_you_mean
from ..records import Record, replace


class NoRuleset(CarbonCheckError, ValueError):
    """The evidence names no ruleset and none was given."""


class Application(Record):
    ruleset: Ruleset
    evidence: dict
    raw: bytes                    # what the evidence hash is taken of
    source: str
    cells: dict[str, str]         # JSON pointer → cell, for a workbook
    unread: list[Problem]         # workbook cells that could not be read
    __match_args__ = ("ruleset", "evidence", "raw", "source", "cells", "unread")

    def __init__(self, ruleset, evidence, raw, source, cells, unread=None):
        self.ruleset, self.evidence, self.raw, self.source, self.cells = ruleset, evidence, raw, source, cells
        self.unread = [] if unread is None else unread


def read_application(path: str | Path, *, ruleset: str | Path | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True) -> Application:
    return parse_application(read_evidence_file(path, max_bytes=max_bytes), str(path), ruleset=ruleset,
                             max_bytes=max_bytes, validate=validate)


def parse_application(raw: bytes, source: str, *, ruleset: str | Path | Ruleset | None = None,
                      max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True) -> Application:
    """Parse and (unless `validate` is false) validate evidence bytes; EvidenceError lists every problem.

    A workbook that cannot be read at all raises at once; cells that cannot be read are kept in `.unread`
    and reported by `check` together with the schema's problems, all at once."""
    if is_workbook(raw, source):
        from ..evidence.workbook import read_workbook
        book = read_workbook(raw, source, max_bytes=max_bytes)
        rules = ruleset_named(book.ruleset, ruleset)
        evidence, cells, unread = book.evidence(schema_of(rules))
    else:
        evidence, cells, unread = parse_evidence(raw, source, max_bytes=max_bytes), {}, []
        rules = ruleset_named(evidence.get("ruleset"), ruleset)
    application = Application(rules, evidence, raw, source, cells, unread)
    if validate:
        check(application, evidence)
    return application


def application_of(evidence: dict, rules: Ruleset, source: str) -> Application:
    """Evidence built in memory (a web form), validated like a file; its hash is that of its JSON."""
    from ..evaluation.result import dumps
    application = Application(rules, evidence, dumps(evidence).encode("utf-8"), source, {})
    check(application, evidence)
    return application


def default_date() -> str:
    """The evaluation date when none is given: SOURCE_DATE_EPOCH (reproducible builds), else today."""
    import datetime
    import os
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date().isoformat()
    return datetime.date.today().isoformat()


def check(application: Application, evidence: dict, source: str | None = None) -> None:
    """Validate `evidence` (the application's, or a changed copy) against its ruleset's schema."""
    try:
        check_evidence(evidence, schema_of(application.ruleset), source or application.source)
    except EvidenceError as error:
        if application.unread and evidence is application.evidence:
            # A cell that could not be read is left out of the evidence: its own problem says why, not "missing".
            unread = {p.pointer for p in application.unread}
            error = EvidenceError(error.source, application.unread + [p for p in error.problems
                                                                      if p.pointer not in unread],
                                  complete=error.complete)
        raise locate(error, application.cells) from None
    if application.unread and evidence is application.evidence:
        raise EvidenceError(source or application.source, application.unread)


def locate(error: EvidenceError, cells: dict[str, str]) -> EvidenceError:
    """`error` with each problem naming its cell: the nearest enclosing one the workbook has."""
    if not cells:
        return error
    located = []
    for problem in error.problems:
        pointer = problem.pointer
        while pointer and pointer not in cells:
            pointer = pointer.rsplit("/", 1)[0]
        located.append(replace(problem, cell=problem.cell or cells.get(pointer or "/")))
    return EvidenceError(error.source, located, complete=error.complete)


def ruleset_named(name, given: str | Path | Ruleset | None = None) -> Ruleset:
    """The ruleset given, else the shipped one the evidence names (`name`, untrusted)."""
    if isinstance(given, Ruleset):
        return given
    if given:
        return load_ruleset(given)
    if not isinstance(name, str) or not name:
        raise NoRuleset("the evidence names no ruleset (a top-level \"ruleset\" field); pass --ruleset")
    shipped = _shipped_paths()
    if name.replace("_", "-") not in shipped:
        shown = repr(name if len(name) <= 60 else name[:60] + "…")
        raise RulesetError([Diagnostic("not-found", f"the evidence names the ruleset {shown}, which is not shipped",
                                       expected="one of: " + ", ".join(shipped),
                                       hint=did_you_mean(name, shipped) or "pass --ruleset FILE to use another")])
    return shipped_ruleset(shipped[name.replace("_", "-")])


@functools.lru_cache(maxsize=1)
def _shipped_paths() -> dict[str, Path]:
    # Listed once per process, like the rulesets themselves: a server names one with every request.
    return {path.stem: path for path in shipped_rulesets()}


@functools.lru_cache(maxsize=None)
def shipped_ruleset(path: Path) -> Ruleset:
    """A shipped ruleset, loaded once per process: a server scores many applications against the same few."""
    return load_ruleset(path)


def schema_of(rules: Ruleset) -> dict:
    if not rules.schema:
        raise RulesetError([Diagnostic("schema", f"{rules.path} names no evidence schema: it reads no evidence")])
    return rules.schema
