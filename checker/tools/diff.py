"""Two versions of a ruleset over one corpus: which applications would change result.

Each application is read and parsed once, validated against each version's schema and evaluated under
both, with the same date and parameters (a parameter only one version declares goes to that one only).
Results are compared on outcome, grade (or provisional grade), score, and the status and points of the
requirements and criteria both versions have. Only a small summary of each result is kept, so a large
corpus runs in little memory.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from ..tools.batch import FAILED, INVALID, Application, read_application
from ..tools.batch_summary import csv_cell
from ..evidence.load import EvidenceError, check_evidence, parse_evidence
from ..evidence.load import is_workbook
from . import intake
from ..evaluation.whatif import compare
from ..catalogue import fill, messages
from ..evaluation.result import GRADED, INCOMPLETE, INELIGIBLE, NOT_GRADED, PASSED, format_number
from ..evaluation.ruleset import Ruleset, display_path

KINDS = ("grade_up", "grade_down", "outcome_changed", "score_only")  # the kinds of change, as counted
OUTCOMES = (GRADED, PASSED, INCOMPLETE, NOT_GRADED, INELIGIBLE, INVALID, FAILED)  # best first, for the table
ITEM_GROUPS = {"requirements": "requirement", "criteria": "criterion", "grades": "grade"}  # → catalogue words
CSV_COLUMNS = ("id", "file", "old_outcome", "new_outcome", "old_grade", "new_grade", "old_score", "new_score",
               "changed_items", "change", "error")


@dataclass
class Side:
    """One application's result under one version, or why it has none."""

    outcome: str  # the result's outcome, or invalid (unreadable or not valid under the schema) or error
    grade: str | None = None  # the grade's id, or the provisional grade's
    provisional: bool = False
    score: Decimal | None = None
    error: str | None = None

    def standing(self, mark: str = " (provisional)") -> str:
        return self.grade + (mark if self.provisional else "") if self.grade else self.outcome


@dataclass
class Row:
    id: str
    file: str  # as given: a path, or `file.jsonl:LINE`
    name: str  # shorter, for reading: relative to the folder the inputs share
    old: Side
    new: Side
    items: list[dict] = field(default_factory=list)  # {"id", "status": [old, new], "points": [old, new]}
    kind: str | None = None  # one of KINDS; INVALID when neither version can score it; FAILED; None: unchanged


@dataclass
class Comparison:
    old: dict  # identity of each version
    new: dict
    added: dict[str, list[str]]  # item ids by group (requirements, criteria, grades)
    removed: dict[str, list[str]]
    params_only: dict[str, list[str]]  # parameters supplied that only the old / the new version declares
    rows: list[Row]  # by file name
    grade_order: list[str]  # best first: the new version's grades, then those it dropped

    def counts(self) -> dict[str, int]:
        kinds = [row.kind for row in self.rows]
        return {"applications": len(kinds), "changed": sum(k in KINDS for k in kinds),
                **{k: kinds.count(k) for k in (*KINDS, INVALID, FAILED)}}

    def transitions(self, mark: str = " (provisional)") -> list[tuple[str, str, int]]:
        """(old standing, new standing, applications), best old standing first."""
        found: dict[tuple[str, str], list] = {}
        for row in self.rows:
            key = (row.old.standing(mark), row.new.standing(mark))
            found.setdefault(key, [self._rank(row.old), self._rank(row.new), key, 0])[3] += 1
        return [(*key, n) for *_, key, n in sorted(found.values())]

    def _rank(self, side: Side) -> tuple:
        order = self.grade_order
        return (order.index(side.grade) if side.grade in order else len(order), side.provisional,
                OUTCOMES.index(side.outcome) if side.outcome in OUTCOMES else len(OUTCOMES), side.outcome)

    def to_dict(self, show_all: bool = False) -> dict:
        return {"old": self.old, "new": self.new, "added": self.added, "removed": self.removed,
                "params_only": self.params_only, "counts": self.counts(),
                "transitions": [{"from": a, "to": b, "count": n} for a, b, n in self.transitions()],
                "applications": [{"id": r.id, "file": r.file, "change": r.kind, "old": asdict(r.old),
                                  "new": asdict(r.new), "items": r.items}
                                 for r in self.rows if show_all or r.kind]}


def compare_versions(old: Ruleset, new: Ruleset, applications: list[Application], params: dict,
                     date: str | None, max_bytes: int, lang: str = "en") -> Comparison:
    """Evaluate every application under both versions and compare; ValueError for a wrong parameter."""
    old_params, new_params, only = split_params(old, new, params)
    old_ids, new_ids = _item_ids(old), _item_ids(new)
    order = new_ids["grades"] + [g for g in old_ids["grades"] if g not in new_ids["grades"]]
    names = _short_names(applications)
    same_schema = old.schema == new.schema  # then one validation serves both versions
    rows = []
    for application in applications:
        row = _compare_one(application, (old, old_params), (new, new_params), date, max_bytes, lang, same_schema)
        row.name = names[application.source]
        row.kind = _kind(row, (new_ids["grades"], old_ids["grades"]))
        rows.append(row)
    rows.sort(key=lambda row: _file_key(row.file))
    return Comparison(_identity(old), _identity(new),
                      {g: [i for i in new_ids[g] if i not in old_ids[g]] for g in ITEM_GROUPS},
                      {g: [i for i in old_ids[g] if i not in new_ids[g]] for g in ITEM_GROUPS}, only, rows, order)


def split_params(old: Ruleset, new: Ruleset, supplied: dict) -> tuple[dict, dict, dict[str, list[str]]]:
    """The parameters for each version, checked by it, and the names only one of them declares."""
    declared = {"old": old.program.params, "new": new.program.params}
    for name in supplied:
        if name not in declared["old"] and name not in declared["new"]:
            raise ValueError(f"neither {old.id} {old.text('version')} nor {new.id} {new.text('version')} "
                             f"has a parameter '{name}'")
    only = {side: [n for n in supplied if n in declared[side] and n not in declared[other]]
            for side, other in (("old", "new"), ("new", "old"))}
    return (old.parameters({n: v for n, v in supplied.items() if n in declared["old"]}),
            new.parameters({n: v for n, v in supplied.items() if n in declared["new"]}), only)


def _compare_one(application: Application, old: tuple, new: tuple, date, max_bytes: int, lang: str,
                 same_schema: bool) -> Row:
    try:
        raw = application.data if application.data is not None else read_application(application, max_bytes)
        workbook = is_workbook(raw, application.source)
        # A workbook's cells are typed by a schema: it is read under each version's (once if they share it).
        if workbook:
            evidence = intake.parse_application(raw, application.source, ruleset=old[0], max_bytes=max_bytes,
                                                validate=False)
        else:
            evidence = parse_evidence(raw, application.source, max_bytes=max_bytes)
        new_evidence = evidence if not workbook or same_schema else intake.parse_application(
            raw, application.source, ruleset=new[0], max_bytes=max_bytes, validate=False)
    except EvidenceError as error:  # unreadable or not JSON: neither version can score it
        side = Side(INVALID, error=" | ".join(error.render(lang).splitlines()))
        return Row(application.id, application.source, "", side, side)
    old_side, before = _evaluate(*old, evidence, raw, date, lang, application.source)
    if same_schema and old_side.outcome == INVALID:
        new_side, after = old_side, None
    else:
        new_side, after = _evaluate(*new, new_evidence, raw, date, lang, application.source,
                                    check=not (same_schema and before is not None))
    row = Row(application.id, application.source, "", old_side, new_side)
    if before is not None and after is not None:
        changed = compare(before, after)
        row.items = changed["requirements"] + changed["criteria"]
    return row


def _evaluate(ruleset: Ruleset, params: dict, evidence: dict | intake.Application, raw: bytes, date, lang: str,
              source: str, check: bool = True):
    """(Side, Result or None): the application under one version."""
    try:
        if isinstance(evidence, intake.Application):   # its problems name their cells, and cells it could not read
            if check:
                intake.check(evidence, evidence.evidence)
            evidence = evidence.evidence
        elif check:
            check_evidence(evidence, ruleset.schema, source)
        result = ruleset.evaluate(evidence, params=params, date=date, evidence_bytes=raw, gap=False, validated=True)
    except EvidenceError as error:
        return Side(INVALID, error=" | ".join(error.render(lang).splitlines())), None
    except Exception as error:  # one application's fault must not stop the others
        return Side(FAILED, error=f"{type(error).__name__}: {error}"), None
    grade = result.grade or result.provisional_grade
    return Side(result.outcome, grade["id"] if grade else None, result.provisional_grade is not None,
                result.score), result


def _kind(row: Row, orders: tuple[list[str], list[str]]) -> str | None:
    old, new = row.old, row.new
    if FAILED in (old.outcome, new.outcome):
        return FAILED
    if old.outcome == new.outcome == INVALID:
        return INVALID
    if (old.outcome, old.grade, old.provisional, old.score) == (new.outcome, new.grade, new.provisional,
                                                                new.score) and not row.items:
        return None
    if old.outcome != new.outcome and not {old.outcome, new.outcome} <= {GRADED, NOT_GRADED}:
        return "outcome_changed"
    if old.grade == new.grade:
        return "score_only"
    if old.grade is None or new.grade is None:  # no grade ranks below every grade
        return "grade_up" if old.grade is None else "grade_down"
    for order in orders:  # the new version's ranking, or the old one's for a grade it dropped
        if old.grade in order and new.grade in order:
            return "grade_up" if order.index(new.grade) < order.index(old.grade) else "grade_down"
    return "outcome_changed"  # a dropped grade against a new one: no common ranking


def _item_ids(ruleset: Ruleset) -> dict[str, list[str]]:
    model = ruleset.model
    return {"requirements": [r.id for r in model.requirements],
            "criteria": [c.id for s in model.sections for c in s.criteria],
            "grades": [g.id for g in model.grades.grades] if model.grades else []}


def _identity(ruleset: Ruleset) -> dict:
    return {"id": ruleset.id, "version": ruleset.text("version"), "sha256": ruleset.sha256,
            "path": display_path(ruleset.path)}


def _file_key(file: str) -> tuple[str, int]:
    """`corpus.jsonl:10` after `corpus.jsonl:9`."""
    path, _, line = file.rpartition(":")
    return (path, int(line)) if line.isdigit() and path else (file, 0)


def _short_names(applications: list[Application]) -> dict[str, str]:
    """Each source relative to the folder all of them share: a folder's files by their bare names."""
    paths = {a.source: Path(a.path or _file_key(a.source)[0]).resolve() for a in applications}
    try:
        common = os.path.commonpath([str(p.parent) for p in paths.values()]) if paths else ""
    except ValueError:  # different drives
        return {source: source for source in paths}
    return {source: os.path.relpath(path, common) + source[len(_file_key(source)[0]):]
            for source, path in paths.items()}


# ---------------------------------------------------------------------------------------- output

def _number(value: Decimal | None) -> str:
    return "—" if value is None else format_number(value)


def _item_changes(row: Row, points: str = "") -> list[str]:
    """`E1 10.5 → 9.8 points` when points changed, else `R2 pass → fail`."""
    return [f"{i['id']} {_number(i['points'][0])} → {_number(i['points'][1])}{points}" if "points" in i
            else f"{i['id']} {i['status'][0]} → {i['status'][1]}" for i in row.items]


def render_text(comparison: Comparison, lang: str = "zh", show_all: bool = False) -> str:
    t = messages(lang)
    words, colon, comma = t["diff"], t["punct"]["colon"], t["punct"]["comma"]
    lines = [f"{words[side]}{colon}{v['id']} {v['version']} sha256 {v['sha256']} ({v['path']})"
             for side, v in (("old", comparison.old), ("new", comparison.new))]
    for key in ("added", "removed"):
        listed = [f"{t['whatif'][ITEM_GROUPS[group]]} {i}"
                  for group, ids in getattr(comparison, key).items() for i in ids]
        if listed:
            lines.append(words[key] + colon + comma.join(listed))
    lines += [fill(words["param_only"], name=name, side=words[side])
              for side, names in comparison.params_only.items() for name in names]
    counts = comparison.counts()
    lines.append(fill(words["counts"], total=counts["applications"], changed=counts["changed"]) + colon
                 + comma.join(f"{words[k]} {counts[k]}" for k in (*KINDS, INVALID, FAILED)
                              if k in KINDS or counts[k]))
    table = comparison.transitions(t["gap"]["provisional"])
    width = max((len(f"{a} → {b}") for a, b, _ in table), default=0)
    lines += ["", words["transitions"] + colon.rstrip()] + [f"  {f'{a} → {b}':<{width}}  {n}" for a, b, n in table]
    listed = [row for row in comparison.rows if show_all or row.kind]
    if listed:
        lines.append("")
    for row in listed:
        old, new = row.old.standing(t["gap"]["provisional"]), row.new.standing(t["gap"]["provisional"])
        parts = [old if old == new else f"{old} → {new}"]
        if row.old.score is not None or row.new.score is not None:
            scores = [_number(row.old.score), _number(row.new.score)]
            parts.append(f"{t['whatif']['score']} " + (scores[0] if scores[0] == scores[1] else " → ".join(scores)))
        parts += _item_changes(row, f" {words['points']}")
        if row.old.error and row.old.error == row.new.error:
            parts.append(row.old.error)
        else:
            parts += [f"{words[side]}{colon}{s.error}" for side, s in (("old", row.old), ("new", row.new)) if s.error]
        if row.kind is None:
            parts.append(words["unchanged"])
        lines.append(row.name + colon + t["punct"]["semicolon"].join(parts))
    return "\n".join(lines) + "\n"


def render_csv(comparison: Comparison) -> str:
    """One row per application, every application; cells never become spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in comparison.rows:
        errors = " | ".join(f"{side}: {s.error}" for side, s in (("old", row.old), ("new", row.new)) if s.error)
        cells = (row.id, row.file, row.old.outcome, row.new.outcome, row.old.grade, row.new.grade,
                 _number(row.old.score) if row.old.score is not None else None,
                 _number(row.new.score) if row.new.score is not None else None,
                 "; ".join(_item_changes(row)), row.kind, errors)
        writer.writerow([csv_cell(cell) for cell in cells])
    return buffer.getvalue()
