"""What a ruleset case expects, compared with the result it got; and which items the cases reach.

Part of the ruleset test runner (checker.tools.cases): a mismatch is told in one line that says why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..evaluation.result import (ERROR, FAIL, INELIGIBLE, MET, MISSING, NOT_MET, PARTLY_MET, PASS, WAIVED, ItemResult,
                                 Result, dumps, explain, format_number, plain, value_display)
from ..evaluation.ruleset import Ruleset, display_path
from ..language.diagnostics import RulesetError
from ..language.values import Failure, Missing

# The keys a case's `expect` may hold, in the order mismatches are reported.
EXPECT_KEYS = ("outcome", "grade", "provisional_grade", "score", "statuses", "points", "values", "displays",
               "missing", "errors", "explanations", "diagnostics")
SHOWN = 5  # items listed in one explanation before "…"


def compare(expect: dict, result: Result) -> list[str]:
    """Every way the result differs from what the case expects, each with why, in the order of EXPECT_KEYS."""
    found = []
    if "outcome" in expect and expect["outcome"] != result.outcome:
        found.append(f"expected outcome {expect['outcome']}, got {result.outcome} "
                     f"({why(result, expect.get('grade') or expect.get('provisional_grade'))})")
    for key in ("grade", "provisional_grade"):
        got = (getattr(result, key) or {}).get("id")
        if key in expect and expect[key] != got:
            reason = "" if found else f" ({why(result, expect[key])})"
            found.append(f"expected {key.replace('_', ' ')} {expect[key] or 'none'}, got {got or 'none'}{reason}")
    if "score" in expect and not _same(expect["score"], result.score):
        short = [f"{c.id} {format_number(c.points)}/{format_number(c.max)}" for c in result.criteria
                 if c.points != c.max]
        found.append(f"expected score {_show(expect['score'])}, got {_show(result.score)} "
                     f"(below their maximum: {_listing(short) or 'no criterion'})")
    items = _items(result)
    for item_id, wanted in (expect.get("statuses") or {}).items():
        item = items.get(item_id)
        got = item.status if item is not None else "absent"
        if got != wanted:
            found.append(f"expected {item_id} {wanted}, got {got}" + (f" ({_explain(item)})" if item else ""))
    for item_id, wanted in (expect.get("points") or {}).items():
        item = items.get(item_id)
        if item is not None and item.points != wanted:
            found.append(f"expected points {item_id} {_show(wanted)}, got {_show(item.points)} ({explain(item)})")
    for name, wanted in (expect.get("values") or {}).items():
        item = items.get(("value", name))
        got = _value(item, precisely=isinstance(wanted, dict)) if item is not None else None
        if not _same(wanted, got):
            found.append(f"expected {name} {_show(wanted)}, got {_show(got)}" + (f" ({explain(item)})" if item else ""))
    for name, wanted in (expect.get("displays") or {}).items():
        item = items.get(("value", name))
        if item is not None and value_display(item) != wanted:
            found.append(f"expected {name} shown as {wanted!r}, got {value_display(item)!r}")
    if isinstance(expect.get("missing"), dict):  # each missing pointer with what needs it
        got = {m["pointer"]: m["needed_by"] for m in result.missing}
        if got != expect["missing"]:
            found.append(f"expected missing {_show(expect['missing'])}, got {_show(got)}")
    elif "missing" in expect:
        got, wanted = [m["pointer"] for m in result.missing], expect["missing"]
        if set(got) != set(wanted):
            extra, lacking = sorted(set(got) - set(wanted)), sorted(set(wanted) - set(got))
            detail = "; ".join(part for part in (extra and "also " + ", ".join(extra),
                                                 lacking and "not " + ", ".join(lacking)) if part)
            found.append(f"expected missing [{', '.join(wanted)}], got [{', '.join(got)}] ({detail})")
    if "errors" in expect and result.errors != expect["errors"]:
        found.append(f"expected errors {_show(expect['errors'])}, got {_show(result.errors)}")
    for item_id, wanted in (expect.get("explanations") or {}).items():
        item = items.get(item_id)
        if isinstance(item, ItemResult) and explain(item) != wanted:
            found.append(f"expected {item_id} explained as {wanted!r}, got {explain(item)!r}")
    return found


def compare_diagnostics(wanted: list[str], loaded) -> str:
    """Why a ruleset that should fail to load with `wanted` (`severity[code]: message`, in order, without
    their place) did otherwise; "" when it failed so. `loaded` is the Ruleset, or the RulesetError it raised."""
    if not isinstance(loaded, RulesetError):
        return f"expected the rules not to load ({'; '.join(wanted)}), but they load"
    got = [f"{d.severity}[{d.code}]: {d.message}" for d in loaded.diagnostics]
    return "" if got == wanted else f"expected diagnostics {_show(wanted)}, got {_show(got)}"


def _value(item, precisely: bool):
    """A value as a case names it: its JSON value; `precisely`, an unknown one as {missing: […]} or {error: …}."""
    if precisely and item.status == MISSING:
        return {"missing": item.detail.get("missing")}
    if precisely and item.status == ERROR:
        return {"error": item.detail.get("failure")}
    return plain(item.detail.get("value"))


def why(result: Result, grade: str | None = None) -> str:
    """In one line, why the result came out as it did, looking at `grade` when one was expected."""
    if result.outcome == INELIGIBLE:
        return _listing([f"{r.id} fails: {explain(r)}" for r in result.requirements if r.status == FAIL], "; ")
    parts = []
    if result.missing:
        parts.append("missing " + _listing([m["pointer"] for m in result.missing]))
    failures: dict[str, list[str]] = {}  # one failure reaches many items: say it once
    for error in result.errors:
        failures.setdefault(error["message"], []).append(error["item"])
    if failures:
        parts.append("cannot compute " + _listing([f"{_listing(items)}: {message}"
                                                   for message, items in failures.items()], "; "))
    if result.score is not None:
        parts.append(f"score {format_number(result.score)}")
    grades = {g.id: g for g in result.grades}
    target = grades.get(grade) if grade else (result.grades[-1] if result.grades and not result.grade else None)
    reached = next((g for g in result.grades if g.status == MET), None)
    if target is not None and target.status != MET:
        parts.append(f"{target.id}: " + "; ".join(explain(c) for c in target.conditions if c.status != MET))
    elif reached is not None:
        parts.append(f"{reached.id} is reached: " + "; ".join(explain(c) for c in reached.conditions))
    return " — ".join(p for p in parts if p) or "no requirement, criterion or grade"


def _items(result: Result) -> dict:
    items: dict = {("value", v.id): v for v in result.values}
    items.update({v.id: v for v in result.values})
    items.update({g.id: g for g in result.grades})
    items.update({c.id: c for c in result.criteria})
    items.update({r.id: r for r in result.requirements})
    return items


def _explain(item) -> str:
    if isinstance(item, ItemResult):
        return explain(item)
    return "; ".join(f"`{c.id}` {c.status}" for c in item.conditions)


def _same(wanted, got) -> bool:
    # bool is an int subclass: true must not equal a 1 the result computed
    if isinstance(wanted, bool) or isinstance(got, bool):
        return type(wanted) is type(got) and wanted == got
    return wanted == got


def _show(value) -> str:
    """A value as JSON on one line (a mismatch is told in one line)."""
    if isinstance(value, (Missing, Failure)):
        return "unknown"
    return re.sub(r"\n *", "", re.sub(r",\n *", ", ", dumps(value).rstrip("\n")))


def _listing(texts: list[str], separator: str = ", ") -> str:
    shown = separator.join(texts[:SHOWN])
    return shown + (f"{separator}… ({len(texts) - SHOWN} more)" if len(texts) > SHOWN else "")


@dataclass
class Coverage:
    """What no case of a cases file reaches in its ruleset."""

    ruleset: str
    cases: int
    gaps: dict[str, list[str]] = field(default_factory=dict)  # what → ids, only the non-empty ones

    def lines(self) -> list[str]:
        head = f"coverage of {self.ruleset} ({self.cases} evaluated case{'s' * (self.cases != 1)})"
        if not self.gaps:
            return [f"{head}: every requirement, criterion, tier and grade is reached"]
        return [f"{head}:"] + [f"  {what}: {', '.join(ids)}" for what, ids in self.gaps.items()]


def coverage(ruleset: Ruleset, results: list[Result]) -> Coverage:
    seen: dict[str, set] = {}
    tiers: dict[str, set] = {}
    for result in results:
        for item in result.requirements + result.criteria:
            seen.setdefault(item.id, set()).add(item.status)
            if "tier" in item.detail:
                tiers.setdefault(item.id, set()).add(item.detail["tier"]["number"])
    reached = {result.grade["id"] for result in results if result.grade}
    model = ruleset.model
    criteria = [c for s in model.sections for c in s.criteria]
    gaps = {
        "requirements never passing": [r.id for r in model.requirements if PASS not in seen.get(r.id, ())],
        "requirements never failing": [r.id for r in model.requirements if FAIL not in seen.get(r.id, ())],
        "waivable requirements never waived": [r.id for r in model.requirements
                                               if r.waivable and WAIVED not in seen.get(r.id, ())],
        "criteria never scored": [c.id for c in criteria
                                  if not seen.get(c.id, set()) & {MET, PARTLY_MET, NOT_MET}],
        "tiers never chosen": [
            f"{c.id} tier {n} ({format_number(t.points)} {f'if {t.condition.text}' if t.condition else 'otherwise'})"
            for c in criteria if hasattr(c.scoring, "tiers")
            for n, t in enumerate(c.scoring.tiers, 1) if n not in tiers.get(c.id, ())],
        "grades never reached": [g.id for g in model.grades.grades if g.id not in reached] if model.grades else [],
    }
    return Coverage(display_path(ruleset.path), len(results), {k: v for k, v in gaps.items() if v})
