"""The Result of an evaluation: plain data, serialised to deterministic JSON.

Reports are views of `Result.to_dict()`; nothing there is recomputed. Numbers
are written as exact JSON numbers from their Decimal values.
"""
from __future__ import annotations

import functools
import re
from json.encoder import encode_basestring as _json_text
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from operator import attrgetter
from typing import Any

import orjson

from ..language.compile import ItemInfo
from ..language.types import Type
from ..language.values import Failure, Missing

RESULT_SCHEMA = "https://carbon-check.example/schemas/result/1.5"
# 1.1: the parameters. 1.2: cites in both languages, the ruleset's status, `hypothetical` on what-if results,
# outcome `classified`. 1.3: a value that is missing but that nothing decided needed is `not_applicable`.
# 1.4: the gap's ranked `actions` and combined `plan` (checker.evaluation.advice). 1.5: the gap's advice as
# data (the words are the reports'), conditions named by reference, the plan the fewest changes found.
RESULT_VERSION = "1.5"

# Statuses, in the vocabulary of the result schema.
PASS, FAIL, MISSING, ERROR, WAIVED, NOT_APPLICABLE = "pass", "fail", "missing", "error", "waived", "not_applicable"
MET, PARTLY_MET, NOT_MET = "met", "partly_met", "not_met"
# Outcomes; `passed` is for rulesets without grades whose requirements all hold.
GRADED, NOT_GRADED, INELIGIBLE, INCOMPLETE, PASSED = "graded", "not_graded", "ineligible", "incomplete", "passed"
CLASSIFIED = "classified"  # a ruleset whose grades are `unranked` classes put the application in one


@dataclass(slots=True)
class Recorded:
    """A value an item read, kept for its explanation."""

    name: str
    type: Type
    value: Any
    let: str | None = None


class ItemResult:
    """One item's outcome for one application.

    An evaluation sets only what the application decides (status, points, its own detail); the rest is read
    from the item's ItemInfo. The full detail and the values the item read are put together when first
    asked for: most evaluations (batch scores, benchmarks) never ask. Evaluation never changes a value once
    computed, so reading the inputs afterwards gives what the item saw.
    """

    __slots__ = ("about", "status", "points", "_own", "_ctx", "_detail", "_inputs", "_failing")

    def __init__(self, about: ItemInfo, status: str, points: Decimal | None = None, own: dict | None = None,
                 ctx=None):
        self.about = about
        self.status = status
        self.points = points
        self._own = own  # detail particular to this application: tier, scale ends, failure, waiver, value
        self._ctx = ctx  # the evaluation that computed the inputs; None when the item read none (not applicable)
        self._detail = self._inputs = None

    kind = property(attrgetter("about.kind"))
    id = property(attrgetter("about.id"))
    label = property(attrgetter("about.label"))
    cite = property(attrgetter("about.cite"))
    max = property(attrgetter("about.max"))
    method = property(attrgetter("about.method"))
    section = property(attrgetter("about.section"))

    @property
    def detail(self) -> dict:
        if self._detail is None:
            self._detail = {**self.about.detail, **self._own} if self._own else dict(self.about.detail)
        return self._detail

    @property
    def inputs(self) -> list[Recorded]:
        if self._inputs is None:
            self._read()
        return self._inputs

    @property
    def failing(self) -> list[str]:
        """For a requirement or grade condition that does not hold: the first item each `all(…)` it reads
        found false, e.g. `item 3 of evidence.credits (/credits/2, CCER-2024-000125): `c.retired` is false`."""
        if self._inputs is None:
            self._read()
        return self._failing

    def _read(self) -> None:
        ctx, self._ctx = self._ctx, None
        self._inputs, self._failing = [], []
        if ctx is None:
            return
        # A decided item was decided without its unknown inputs (an untaken branch, a `false and …`): they
        # are not shown, so that nothing asks for evidence the item did not need.
        decided = self.status not in (MISSING, ERROR)
        for i in self.about.inputs:
            value = ctx.values[i.let] if i.let else i.get(ctx)
            if not (decided and isinstance(value, (Missing, Failure))):
                self._inputs.append(Recorded(i.name, i.type, value, i.let))
        if self.status in (FAIL, NOT_MET):
            found = (find(ctx) for find in self.about.witnesses)
            self._failing = [text for text in found if text is not None]

    def __repr__(self) -> str:
        return f"ItemResult({self.kind} {self.id}: {self.status}, points={self.points})"


@dataclass
class GradeResult:
    id: str
    label: dict
    cite: str | None
    status: str  # met, not_met, missing, error
    conditions: list[ItemResult]


@dataclass
class Result:
    ruleset: dict
    evidence: dict
    tool: dict
    date: str | None
    applicant: dict
    variant: dict | None
    outcome: str
    grade: dict | None
    provisional_grade: dict | None
    score: Decimal | None
    max_score: Decimal | None
    inconclusive: bool
    requirements: list[ItemResult]
    sections: list[dict]
    criteria: list[ItemResult]
    grades: list[GradeResult]
    values: list[ItemResult]
    missing: list[dict]
    errors: list[dict]
    parameters: dict = field(default_factory=dict)  # name → value, unit, source, file_sha256
    # What the next grade needs (checker.evaluation.gap): filled in by Ruleset.evaluate unless asked not
    # to, since it costs as much as the evaluation itself.
    gap: dict | None = None
    # Set on a what-if result (`check --set`): {"changes": [{"pointer", "from", "to"}, ...]}. A real
    # evaluation has none, and its JSON has no such key.
    hypothetical: dict | None = None

    def to_dict(self) -> dict:
        # Many items read the same values (a let, an evidence field): each is displayed once per result.
        shown: dict = {}
        data = {
            "$schema": RESULT_SCHEMA,
            "result_version": RESULT_VERSION,
            "tool": self.tool,
            "date": self.date,
            "ruleset": self.ruleset,
            "evidence": self.evidence,
            "parameters": self.parameters,
            "applicant": self.applicant,
            "variant": self.variant,
            "outcome": self.outcome,
            "grade": self.grade,
            "provisional_grade": self.provisional_grade,
            "score": self.score,
            "max_score": self.max_score,
            "inconclusive": self.inconclusive,
            "requirements": [_item(r, shown) for r in self.requirements],
            "sections": [
                {**s, "criteria": [_item(c, shown) for c in self.criteria if c.section == s["id"]]}
                for s in self.sections
            ],
            "grades": [
                {"id": g.id, "label": g.label, "cite": g.cite, "status": g.status,
                 "conditions": [_item(c, shown) for c in g.conditions]}
                for g in self.grades
            ],
            "values": [_item(v, shown) for v in self.values],
            "missing": self.missing,
            "errors": self.errors,
            "gap": self.gap,
        }
        if self.hypothetical is not None:
            data["hypothetical"] = self.hypothetical
        return data

    def to_json(self) -> str:
        return dumps(self.to_dict())


_DETAIL_KEYS = ("condition", "tier", "scale", "failure", "waiver", "missing")


def _item(item: ItemResult, shown: dict) -> dict:
    """One item as JSON data. `shown`: the display and unit of each input already shown in this result, by the
    name and type it was read as (within one evaluation a name always reads the same value)."""
    # Written for every item of every result: each property is read once, each dict built as a literal.
    about = item.about
    kind = about.kind
    detail, inputs = item.detail, item.inputs
    if kind == "grade-condition":
        data = {"id": about.id, "status": item.status}
    else:
        data = {"id": about.id, "label": about.label, "cite": about.cite, "status": item.status}
    display = None
    if kind == "criterion":
        data["points"] = item.points
        data["max"] = about.max
        data["method"] = about.method
    elif kind == "value":
        value, type_ = detail.get("value"), detail.get("type")
        display = format_value(value, type_)
        data["value"] = plain(value)
        data["unit"] = unit_symbol(type_)
        data["display"] = display
        data["formula"] = detail.get("formula")
    displays, entries = [], []
    for r in inputs:
        key = (r.name, id(r.type))
        known = shown.get(key)
        if known is None:
            known = shown[key] = (format_value(r.value, r.type), unit_symbol(r.type))
        displays.append(known[0])
        entries.append({"name": r.name, "value": plain(r.value), "unit": known[1], "display": known[0]})
    data["inputs"] = entries
    for key in _DETAIL_KEYS:
        if key in detail:
            data[key] = detail[key]
    data["explanation"] = explain(item, displays, display)
    return data


def unit_symbol(type_: Type | None) -> str | None:
    """The unit a value of this type is written in; None for plain numbers and other types."""
    return type_.unit.symbol or None if type_ is not None and type_.kind == "number" and type_.unit else None


_AS_IS = (Decimal, str, bool, type(None))  # the common values, returned without further checks


def plain(value):
    """An evaluated value as JSON data: unknowns become null (their status says why)."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, (Missing, Failure)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Wide enough for any evidence number (40 digits, exponent within ±100), so showing one never fails.
_DISPLAY = Context(prec=250, rounding=ROUND_HALF_UP)
_FOUR_PLACES = Decimal("0.0001")


def value_display(item: ItemResult) -> str:
    """A computed value as read: `62.5%`, `800 tCO2e`."""
    return format_value(item.detail.get("value"), item.detail.get("type"))


def _substitute(formula: str, inputs, shown: list[str]) -> str:
    """The formula with each name it reads followed by its value: `offsets 500 tCO2e / residual 800 tCO2e`."""
    if not inputs:
        return formula
    by_name = {r.name: display for r, display in zip(inputs, shown)}
    parts = list(_formula_parts(formula, tuple(by_name)))
    for at in range(1, len(parts), 2):  # the names, between the texts around them
        parts[at] = f"{parts[at]} {by_name[parts[at]]}"
    return "".join(parts)


@functools.lru_cache(maxsize=1024)  # one split per let and set of names shown, made once
def _formula_parts(formula: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The formula split at each name it reads: texts at even places, names at odd ones."""
    return tuple(_names_pattern(names).split(formula))


@functools.lru_cache(maxsize=1024)  # one pattern per let, built once instead of per application
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                      + r")(?![\w.])")


def format_number(value: Decimal) -> str:
    """Exact where short, rounded half-up to 4 decimals for reading; never in exponent notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
        if "." in text and len(text) - text.index(".") > 5:   # more than 4 decimals: round for reading
            text = format(value.quantize(_FOUR_PLACES, context=_DISPLAY), "f").rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_value(value, type_: Type | None) -> str:
    if isinstance(value, Decimal):  # the common case first
        symbol = type_.unit.symbol if type_ is not None and type_.kind == "number" and type_.unit else ""
        number = format_number(value)
        if symbol == "%":
            return number + "%"
        return f"{number} {symbol}" if symbol else number
    if isinstance(value, Missing):
        return "missing (" + ", ".join(value.pointers) + ")"
    if isinstance(value, Failure):
        return f"error ({value.message})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # What json.dumps(value, ensure_ascii=False) writes, without making an encoder for each text.
    return _json_text(value) if isinstance(value, str) else str(value)


def explain(item: ItemResult, shown: list[str] | None = None, display: str | None = None) -> str:
    """One line saying how the item came out, with the values it used (`shown`: their displays, if known;
    `display`: a value item's own, if known)."""
    inputs, detail, status, kind = item.inputs, item.detail, item.status, item.about.kind
    if shown is None:
        shown = [format_value(r.value, r.type) for r in inputs]
    if status == WAIVED:
        return f"waived: {detail.get('waiver')}"
    if status == NOT_APPLICABLE and kind == "value":
        return "not applicable: missing " + ", ".join(detail.get("missing", [])) + ", which nothing decided needs"
    if status == NOT_APPLICABLE:
        return f"not applicable: {detail.get('when')} does not hold"
    subject = f"`{detail['condition']}`: " if kind == "grade-condition" else ""
    if status == MISSING:
        return subject + "missing evidence: " + ", ".join(detail.get("missing", []))
    if status == ERROR:
        return subject + f"cannot be computed: {detail.get('failure')}"
    if kind == "value":
        shown_value = display if display is not None else value_display(item)
        return f"{item.about.id} = {shown_value} = {_substitute(detail.get('formula'), inputs, shown)}"
    given = "; ".join([f"{r.name} = {text}" for r, text in zip(inputs, shown)])
    if kind == "criterion":
        about = item.about
        points = f"{format_number(item.points)} of {format_number(about.max)} points"
        if about.method == "tiers":
            tier = detail.get("tier")
            reason = f"`{tier['condition']}` holds" if tier and tier.get("condition") else (
                "no other tier applies" if tier else "no tier applies")
            return f"{points}: {reason}" + (f" ({given})" if given else "")
        if about.method == "scale":
            scale = detail["scale"]
            return f"{points} on the scale from {scale['from']} to {scale['to']} ({given})"
        if about.method == "assessed":
            return f"{points} recorded by the auditor ({given})"
        capped = detail.get("capped")
        if capped:
            points += f", capped from {format_number(capped['computed'])}"
        return points + (f" ({given})" if given else "")
    failing = "".join([f"; {text}" for text in item.failing]) if status in (FAIL, NOT_MET) else ""
    return f"`{detail.get('condition')}` {_VERDICTS.get(status, status)}" + (f" ({given})" if given else "") + failing


_VERDICTS = {PASS: "holds", FAIL: "does not hold", MET: "holds", NOT_MET: "does not hold"}


def dumps(data) -> str:
    """Deterministic JSON with Decimals written exactly as numbers: two-space indents, keys in their order.

    orjson writes it (a result is written for every application, and a writer in Python took longer than
    the evaluation); each Decimal goes in as a fragment of JSON text, so no float ever stands in for it.
    """
    return orjson.dumps(data, default=_exact, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n"


def _exact(value) -> orjson.Fragment:
    if isinstance(value, Decimal):
        return orjson.Fragment(_decimal_json(value))
    raise TypeError(f"cannot serialise {type(value).__name__} in a result")


def _decimal_json(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("a result never holds NaN or infinity")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
