"""Evaluate phase: a compiled ruleset and one application's evidence → Result.

Points of scales are rounded half-up to 2 decimals (the Chinese 四舍五入
convention); everything else stays exact inside one decimal context.

An evaluation first decides each item: a record (status, points, payload, read) per requirement and criterion,
each grade clause's truth value, each let's value (kept in the context; a let no item reads may be left to
`_fill`). A ruleset in steady use does that in one generated function (`Program.run`, written by
checker.language.codegen from RECORDS below); otherwise the compiled closures do it here, item by item, in the
same way. The outcome follows from the records at once; the Result's items, sections, missing evidence and
parameters are made from them when first read (`_fill`).
"""
from __future__ import annotations

import decimal
import functools
from decimal import ROUND_HALF_UP, Decimal

from ..language.compile import CompiledCriterion, CompiledRequirement, Context, Program, label_of
from ..evaluation.result import (CLASSIFIED, ERROR, FAIL, GRADED, INCOMPLETE, INELIGIBLE, MET, MISSING, NOT_APPLICABLE, NOT_GRADED, NOT_MET,
                     PARTLY_MET, PASS, PASSED, WAIVED, GradeResult, ItemResult, Result, plain)
from ..evaluation.numbers import unit_symbol
from ..evaluation.shared import shared
from ..language.schema import resolve
from ..language.values import OUTSIDE, UNKNOWN, Failure, Missing
from ..catalogue import both
from ..pointer import parse_pointer
from ..records import Frozen

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
CENT = Decimal("0.01")
ZERO = Decimal(0)
_UNDECIDED = frozenset((MISSING, ERROR, NOT_APPLICABLE))
_getcontext, _setcontext = decimal.getcontext, decimal.setcontext


class Known(Frozen):
    """What evaluating changed evidence again can take from the evaluation `before` the change, because the
    change does not feed it: the values of the lets not named in `lets` (`values`: every let's value before,
    {name: value}; those named in `lets` are worked out again), and the results of the requirements and
    criteria whose ids are in `items` (decided ones only: an unknown one is worked out again, for what it
    lacks). `partial`: generated code working out the rest for `outlook` (checker.language.partial's
    Partial.outlook), or None. See checker.evaluation.levers.Plan.known."""

    before: Result
    values: dict
    items: frozenset
    partial: Callable | None
    lets: frozenset
    __match_args__ = ("before", "values", "items", "partial", "lets")

    def __init__(self, before: Result, values: dict, items: frozenset, partial: Callable | None = None,
                 lets: frozenset = frozenset()):
        self.__dict__.update(before=before, values=values, items=items, partial=partial, lets=lets)

    def kept(self, program: Program) -> dict:
        """id(compiled item) → its record before, for each decided item in `items`: worked out once (the gap's
        advice evaluates several changes that leave the same items)."""
        found = self.__dict__.get("_kept")
        if found is None:
            found = self.__dict__["_kept"] = {}
            items, records = self.items, self.before.records
            for compiled, record in (*zip(program.requirements, records[0]),
                                     *zip((c for s in program.sections for c in s.criteria), records[1])):
                if compiled.item.id in items and record[0] not in (MISSING, ERROR):
                    found[id(compiled)] = record
        return found


def evaluate(program: Program, evidence: dict, *, params: dict | None = None, provenance: dict,
             date: str | None = None, origins: dict | None = None, known: Known | None = None,
             evidence_bytes: bytes | None = None) -> Result:
    """`provenance`: the ruleset and tool, and the evidence's {"sha256"} unless `evidence_bytes` are given
    (its SHA-256 is then computed when the result is first asked for it). `origins`: where each supplied
    parameter came from, {name: {"source", "file_sha256"}}, for the record. `known`: what an earlier evaluation
    of this evidence before a change gives unchanged (the gap's advice)."""
    program.used()
    params = params or {}
    ctx = _context(program, evidence, params)
    saved = _getcontext()
    _setcontext(CONTEXT)  # itself, not a copy (as localcontext makes): evaluation changes nothing in it but flags
    try:
        if known is None and program.run is not None:
            records = program.run(ctx)
        else:
            records = _records(program, ctx, known)
    finally:
        _setcontext(saved)
    requirements, criteria, clauses, grades, statuses, score = records
    model = program.model
    reached = grades.index(MET) if MET in grades else None
    above = grades[:reached] if reached is not None else grades
    outcome = _outcome(program, ctx, statuses, MISSING in above or ERROR in above, reached is not None)
    grade = _grade(program, reached) if reached is not None and outcome in (GRADED, CLASSIFIED, INCOMPLETE) else None
    with_sections = bool(model.sections)
    return Result.decided(provenance["ruleset"], provenance.get("evidence"), provenance["tool"], date, outcome,
                          grade if outcome != INCOMPLETE else None, grade if outcome == INCOMPLETE else None,
                          score if with_sections else None,  # a classification (grades without sections) has none
                          model.grades.max if with_sections else None,
                          bool(statuses) and statuses <= _UNDECIDED, evidence_bytes, records,
                          functools.partial(_fill, program, ctx, records, reached, params, origins or {}, known))


class Outlook:
    """What the gap's advice reads of an evaluation of changed evidence (`outlook`), worked out without the
    Result: the score, outcome and grade (its number in `rank`; `grade` or `provisional_grade` as a Result
    has them), the status of each requirement, the status of each clause of one grade, and the criteria's
    records (for what a set of changes can score, advice.Advisor.beyond_reach)."""

    __slots__ = ("score", "outcome", "grade", "provisional_grade", "rank", "requirements", "clauses", "criteria")

    def __init__(self, score, outcome, grade, provisional_grade, rank, requirements, clauses, criteria):
        self.score, self.outcome, self.grade, self.provisional_grade = score, outcome, grade, provisional_grade
        self.rank, self.requirements, self.clauses, self.criteria = rank, requirements, clauses, criteria


def own_context(program: Program, evidence: dict, params: dict) -> Context:
    """The context of an application's own evidence with its parameters and variant (in the decimal context
    CONTEXT): what every `outlook` of a change to that evidence can take from it (`own`)."""
    ctx = _context(program, evidence, params)
    if program.variant is not None:
        ctx.variant = program.variant(ctx)
    return ctx


def outlook(program: Program, evidence: dict, *, params: dict, known: Known | None, grade: int,
            own: Context | None = None) -> Outlook:
    """What `evaluate` would decide of `evidence` (score, outcome, grade, requirement statuses, the statuses of
    the clauses of grade number `grade`), and nothing else: no item results, explanations or missing list;
    a grade ranked below the one reached is not looked at. The same decisions as `evaluate`'s. With `known`'s
    generated `partial` code, only what the change feeds is worked out again (the lets, items and clauses), the
    rest is the application's own; otherwise the closures work out every let and the items not kept. `own`: the
    application's own context (`own_context`), whose parameters serve, and whose variant a change that `known`
    describes leaves as it was (the variant reads none of its inputs)."""
    program.used()
    ctx = _context(program, evidence, params) if own is None else Context(evidence, own.params)
    # The gap's advice runs its outlooks in CONTEXT itself (advice.advise): setting a decimal context costs as
    # much as a tenth of what an outlook works out.
    saved = _getcontext()
    if saved is not CONTEXT:
        _setcontext(CONTEXT)
    try:
        if known is not None and known.partial is not None:
            if program.variant is not None:
                ctx.variant = program.variant(ctx) if own is None else own.variant
            # Every let's value before: the code writes the lets fed that it reads (a let fed that it does not
            # write, one reported or read only under an item's `when`, is read by nothing it works out again).
            ctx.values = dict(known.values)
            before = known.before.records
            requirements, criteria, holds, score, statuses = known.partial(ctx, before[0], before[1], before[2])
            values_of = holds.__getitem__  # a grade's clause values, by its number
        else:
            requirements, criteria, score, statuses = _decided(program, ctx, known)
            values_of = (lambda at: (clause.condition(ctx) for clause in program.grades[at].clauses))
        # The statuses of the clauses of grade number `grade`, and the first grade met, looked at from the top
        # (and whether one ranked above it is undecided).
        clauses = [MET if value is True else NOT_MET if value is False else _status(value)
                   for value in values_of(grade)]
        reached = None
        undecided = False
        for at in range(len(program.grades)):
            if at == grade:
                status = _combined(clauses)
            else:
                status = MET
                for value in values_of(at):
                    if value is not True:
                        if value is False:
                            status = NOT_MET  # the grade is not met whatever its other clauses say
                            break
                        status = None  # undecided, unless a later clause does not hold
            if status == MET:
                reached = at
                break
            if status != NOT_MET:
                undecided = True
    finally:
        if saved is not CONTEXT:
            _setcontext(saved)
    outcome = _outcome(program, ctx, statuses, undecided, reached is not None)
    ref = _grade(program, reached) if reached is not None else None
    return Outlook(score if program.model.sections else None, outcome, ref if outcome in (GRADED, CLASSIFIED) else None,
                   ref if outcome == INCOMPLETE else None, reached, [r[0] for r in requirements], clauses, criteria)


def _grade(program: Program, at: int) -> dict:
    """How a result names the grade numbered `at`: a record every result shares (read-only)."""
    return program.grades[at].record


def _context(program: Program, evidence: dict, params: dict) -> Context:
    """The evaluation's context: the evidence, and the parameters supplied or else their defaults."""
    if not params and program.defaults is not None:
        return Context(evidence, program.defaults.copy())
    ctx = Context(evidence, {})
    for name, (type_, default) in program.params.items():
        if name in params:
            ctx.params[name] = params[name]
        elif default is not None:
            ctx.params[name] = default(ctx)
    return ctx


def _outcome(program: Program, ctx: Context, statuses: set, undecided: bool, reached: bool) -> str:
    """The outcome, from the statuses of the requirements and criteria, whether a grade ranked above the one
    reached (or any, if none is) is undecided, and whether one is reached."""
    if FAIL in statuses:
        return INELIGIBLE
    variant = ctx.variant
    if MISSING in statuses or ERROR in statuses or undecided or (variant is not None and isinstance(variant, UNKNOWN)):
        return INCOMPLETE
    if reached:
        return CLASSIFIED if program.model.grades.unranked else GRADED
    return NOT_GRADED if program.grades else PASSED


def let_values(program: Program, result: Result) -> dict:
    """The value each let of `program` had in `result`, {name: value}: what `evaluate(known=…)` takes."""
    result.requirements  # noqa: B018 (the first read fills the result: every let's value is in its context)
    ctx = result._context
    if ctx is None:  # a copy: its value items hold them
        return {let.node.name: item.detail["value"] for let, item in zip(program.lets, result.values)}
    values = ctx.values  # what its value items hold, without putting each one's detail together
    return {let.node.name: values[let.node.name] for let in program.lets}


# ------------------------------------------------------------------------ deciding each item (the records)
# A record is (status, points, payload, read): the payload is the unknown value of a missing or failed item,
# a waiver's reason, a tier's number or a capped criterion's computed points; `read` says whether the item read
# its inputs (an item whose `when` does not hold, or is unknown, reads nothing else).

def unknown_record(value, points, read: bool) -> tuple:
    return (ERROR if isinstance(value, Failure) else MISSING, points, value, read)


def points_status(points: Decimal, maximum: Decimal) -> str:
    return MET if points == maximum else NOT_MET if points == 0 else PARTLY_MET


def scale_record(maximum: Decimal, value, start, end) -> tuple:
    """A scale's points from a known value, once its ends are worked out."""
    if isinstance(start, UNKNOWN) or isinstance(end, UNKNOWN):
        return unknown_record(start if isinstance(start, UNKNOWN) else end, ZERO, True)
    if start == end:
        return unknown_record(Failure("the scale starts and ends at the same value"), ZERO, True)
    # Multiply before dividing: max·(v−a)/(b−a) is then exact whenever it ends within 34 digits, and half-up
    # rounding sees 0.625, not 0.62499… (3 points at 5 on a scale from 0 to 24).
    exact = maximum * (value - start) / (end - start)
    points = min(max(ZERO, exact), maximum).quantize(CENT, rounding=ROUND_HALF_UP)  # never -0
    return (points_status(points, maximum), points, None, True)


def assessed_record(maximum: Decimal, value) -> tuple:
    if isinstance(value, UNKNOWN):
        return unknown_record(value, ZERO, True)
    if not ZERO <= value <= maximum:
        return unknown_record(Failure(f"the auditor recorded {value} points, outside 0 to {maximum}"), ZERO, True)
    return (points_status(value, maximum), value, None, True)


def points_record(maximum: Decimal, value) -> tuple:
    if isinstance(value, UNKNOWN):
        return unknown_record(value, ZERO, True)
    points = min(max(value, ZERO), maximum)
    return (points_status(points, maximum), points, value if points != value else None, True)


def grade_status(values) -> str:
    """A grade's status from its clauses' truth values."""
    return _combined([_status(v) for v in values])


def _status(holds) -> str:
    """A grade clause's status from its value."""
    return MET if holds is True else NOT_MET if holds is False else ERROR if isinstance(holds, Failure) else MISSING


def _combined(statuses: list[str]) -> str:
    """A grade's status from its clauses': not met if one is not met, else undecided if one is, else met."""
    return NOT_MET if NOT_MET in statuses else ERROR if ERROR in statuses else MISSING if MISSING in statuses else MET


# What the generated `Program.run` is written with (checker.language.codegen.run_source).
RECORDS = {"unknown": unknown_record, "points_status": points_status, "scale": scale_record,
           "assessed": assessed_record, "points": points_record, "grade_status": grade_status,
           "PASS": PASS, "FAIL": FAIL, "WAIVED": WAIVED, "NOT_APPLICABLE": NOT_APPLICABLE, "ZERO": ZERO,
           "MET": MET, "NOT_MET": NOT_MET, "PARTLY_MET": PARTLY_MET, "CENT": CENT, "ROUND_HALF_UP": ROUND_HALF_UP,
           "CONTEXT": CONTEXT}


def _records(program: Program, ctx: Context, known: Known | None) -> tuple:
    """What `Program.run` returns, worked out by the closures (and, with `known`, taken from before)."""
    requirements, criteria, score, statuses = _decided(program, ctx, known)
    clauses, grades = [], []
    for grade in program.grades:
        holds = [clause.condition(ctx) for clause in grade.clauses]
        clauses += holds
        grades.append(grade_status(holds))
    return requirements, criteria, tuple(clauses), tuple(grades), statuses, score


def _decided(program: Program, ctx: Context, known: Known | None) -> tuple:
    """The records of the requirements and criteria (see _items), the score (also put in the context) and the set
    of the items' statuses."""
    requirements, criteria = _items(program, ctx, known)
    score = ctx.score = sum([c[1] for c in criteria], ZERO) if program.model.grades else None
    return requirements, criteria, score, {r[0] for r in requirements} | {c[0] for c in criteria}


def _items(program: Program, ctx: Context, known: Known | None) -> tuple[tuple, tuple]:
    """The variant and lets, in the context, and the records of the requirements and of the criteria."""
    kept = {}
    values = ctx.values
    if program.variant is not None:
        ctx.variant = program.variant(ctx)
    if known is not None:
        kept = known.kept(program)
        given, fed = known.values, known.lets
        for let in program.lets:
            name = let.node.name
            values[name] = let.evaluate(ctx) if name in fed else given[name]
    else:
        for let in program.lets:
            values[let.node.name] = let.evaluate(ctx)
    return (tuple(kept.get(id(r)) or _requirement(r, ctx) for r in program.requirements),
            tuple(kept.get(id(c)) or _criterion(c, ctx) for s in program.sections for c in s.criteria))


def _requirement(compiled: CompiledRequirement, ctx: Context) -> tuple:
    if compiled.when is not None:
        applies = compiled.when(ctx)
        if applies is not True:
            return (NOT_APPLICABLE, None, None, False) if applies is False else unknown_record(applies, None, False)
    holds = compiled.condition(ctx)
    if holds is True:
        return (PASS, None, None, True)
    waiver = compiled.waiver(ctx) if compiled.waiver else None
    if waiver:
        return (WAIVED, None, waiver, True)
    if holds is False:
        return (FAIL, None, None, True)
    return unknown_record(holds, None, True)


def _criterion(compiled: CompiledCriterion, ctx: Context) -> tuple:
    if compiled.when is not None:
        applies = compiled.when(ctx)
        if applies is not True:
            return (NOT_APPLICABLE, ZERO, None, False) if applies is False else unknown_record(applies, ZERO, False)
    maximum = compiled.node.max
    if compiled.method == "tiers":
        for number, tier in enumerate(compiled.tiers, 1):
            holds = True if tier.condition is None else tier.condition(ctx)
            if holds is True:
                return (points_status(tier.points, maximum), tier.points, number, True)
            if holds is not False:
                return unknown_record(holds, ZERO, True)
        return (points_status(ZERO, maximum), ZERO, None, True)
    value = compiled.value(ctx)
    if compiled.method == "scale":
        if isinstance(value, UNKNOWN):
            return unknown_record(value, ZERO, True)
        return scale_record(maximum, value, compiled.start(ctx), compiled.end(ctx))
    if compiled.method == "assessed":
        return assessed_record(maximum, value)
    return points_record(maximum, value)


# ------------------------------------------------------------------------------- the result's items, on demand

class _Notes:
    """The evidence unknown values lack, by pointer, and the failures, in the order items met them."""

    def __init__(self):
        self.missing: dict[str, list[str]] = {}
        self.errors: list[dict] = []

    def note(self, item_id: str, value) -> None:
        if isinstance(value, Failure):
            self.errors.append({"item": item_id, "message": value.message})
            return
        for pointer in value.pointers:
            needed_by = self.missing.setdefault(pointer, [])
            if item_id not in needed_by:
                needed_by.append(item_id)


def _fill(program: Program, ctx: Context, records: tuple, reached: int | None, params: dict, origins: dict,
          known: Known | None, result: Result) -> None:
    """Put together the result's items, sections, grades, missing evidence, errors, variant, parameters and
    applicant from what the evaluation decided (see Result)."""
    saved = _getcontext()
    _setcontext(CONTEXT)  # itself, as `evaluate` sets it: working out the rest changes nothing in it but flags
    try:
        requirement_records, criterion_records, clauses, grade_statuses, _, _ = records
        model = program.model
        computed = ctx.values
        for let in program.lets:  # `Program.run` leaves out the lets no item reads: nothing it decides needs them
            if let.node.name not in computed:
                computed[let.node.name] = let.evaluate(ctx)
        notes = _Notes()
        variant = None
        if program.variant is not None:
            if isinstance(ctx.variant, UNKNOWN):
                notes.note("variant", ctx.variant)
            else:
                option = next((o for o in model.variant.options if o.value == ctx.variant), None)
                variant = {"id": ctx.variant, "label": label_of(option.label) if option else None}
        # A value outside its `when` (the accounting boundary) does not apply, and is read as 0 by what uses it.
        lets = program.lets
        statuses = [_unknown_status(let, value, notes) if isinstance(value := computed[let.node.name], UNKNOWN)
                    else NOT_APPLICABLE if value is OUTSIDE else "ok" for let in lets]
        requirements = [_item(compiled, record, ctx, notes)
                        for compiled, record in zip(program.requirements, requirement_records)]
        criteria, sections = [], []
        records = iter(criterion_records)
        for section in program.sections:
            items = [_item(compiled, next(records), ctx, notes) for compiled in section.criteria]
            criteria += items
            node = section.node
            sections.append({"id": node.id, "label": section.label, "cite": section.cite,
                             "points": sum([c.points for c in items], ZERO), "max": node.max})
        grades = []
        at = 0
        for number, (compiled, status) in enumerate(zip(program.grades, grade_statuses)):
            held = clauses[at:at + len(compiled.clauses)]
            at += len(held)
            held_statuses = [_status(holds) for holds in held]
            # The first grade that holds is the result only if every grade ranked above it is decided.
            if status in (MISSING, ERROR) and (reached is None or number < reached):
                for holds, clause_status in zip(held, held_statuses):
                    if clause_status != MET and clause_status != NOT_MET:
                        notes.note(compiled.node.id, holds)
            node = compiled.node
            # Its conditions are made when first read (see GradeResult): the JSON text needs only their statuses.
            unmade = (compiled.clauses[0].item, held_statuses,
                      functools.partial(_conditions, compiled.clauses, held, held_statuses, ctx)) if held else None
            grades.append(GradeResult(node.id, compiled.label, compiled.cite, status, [], unmade))
        # Missingness follows evaluation: a value read by items, whose lacking evidence no item asked for, was
        # needed only by untaken branches or items that do not apply.
        if MISSING in statuses:
            for at, let in enumerate(lets):
                if statuses[at] == MISSING and not let.reported and not any(
                        p in notes.missing for p in computed[let.node.name].pointers):
                    statuses[at] = NOT_APPLICABLE
        # The value items are made when first read: the JSON text needs only their statuses (see Result.values).
        if lets:
            result._unmade_values = (lets[0].item, statuses, functools.partial(_value_items, lets, statuses, ctx))
        else:
            result._values = []
        result._variant, result._requirements = variant, requirements
        result._criteria, result._sections, result._grades = criteria, sections, grades
        result._missing = [{"pointer": p, "needed_by": ids, **_describe(model.schema, p, program.params)}
                           for p, ids in sorted(notes.missing.items())]
        result._errors = notes.errors
        result._parameters = known.before.parameters if known is not None else _parameters(program, ctx, params,
                                                                                           origins)
        result._applicant = _applicant(ctx.evidence)
        result._context = ctx  # what the result's JSON text reads its items' values from
    finally:
        _setcontext(saved)


def _unknown_status(let, value, notes: _Notes) -> str:
    # A value that items read is reported through them, so one that only a not-applicable item reads does not
    # ask the applicant for evidence; a value no item reads reports for itself.
    if let.reported:
        notes.note(let.node.name, value)
    return ERROR if isinstance(value, Failure) else MISSING


def _conditions(clauses: list, held: list, statuses: list[str], ctx: Context) -> list[ItemResult]:
    """A grade's conditions, with the statuses `_fill` gave them."""
    return [ItemResult(clause.item, status, None, None if status == MET or status == NOT_MET
                       else _unknown_detail(holds), ctx) for clause, holds, status in zip(clauses, held, statuses)]


def _value_items(lets: list, statuses: list[str], ctx: Context) -> list[ItemResult]:
    """The lets' items, with the statuses `_fill` gave them."""
    computed = ctx.values
    return [ItemResult(let.item, status, None, {"value": value, **_unknown_detail(value)}
                       if isinstance(value := computed[let.node.name], UNKNOWN) else {"value": value}, ctx)
            for let, status in zip(lets, statuses)]


def _item(compiled: CompiledRequirement | CompiledCriterion, record: tuple, ctx: Context, notes: _Notes) -> ItemResult:
    """A requirement's or criterion's result from its record."""
    status, points, payload, read = record
    if status == MISSING or status == ERROR:
        notes.note(compiled.item.id, payload)
        own = _unknown_detail(payload)
    elif status == NOT_APPLICABLE:
        own = {"when": compiled.node.when.text}
    elif status == WAIVED:
        own = {"waiver": payload}
    elif isinstance(compiled, CompiledRequirement):
        own = None
    elif compiled.method == "tiers":
        if payload is None:
            own = None
        else:
            tier = compiled.tiers[payload - 1]
            own = {"tier": {"number": payload, "of": len(compiled.tiers), "condition": tier.text,
                            "points": tier.points}}
    elif compiled.method == "scale":
        scoring = compiled.node.scoring
        own = {"scale": {"from": scoring.start.text, "to": scoring.end.text}}
    else:
        own = {"capped": {"computed": payload}} if payload is not None else None
    return ItemResult(compiled.item, status, points, own, ctx if read else None)


def _parameters(program: Program, ctx: Context, given: dict, origins: dict) -> dict:
    """Every parameter of the ruleset: the value evaluation used (null: none given, no default), its unit, and
    where it came from, so that the result can be reproduced from what it records. With none given and defaults
    that read no evidence, every result of the ruleset records the same: made once and shared (see
    shared.shared), read-only."""
    constant = not given and program.defaults is not None
    if constant:
        kept = _DEFAULT_PARAMETERS.get(id(program.defaults))
        if kept is not None and kept[0] is program.defaults and kept[1] is program.params:
            return kept[2]
    recorded, values = {}, ctx.params
    for name, (type_, _) in program.params.items():
        if name in given:
            origin = origins.get(name) or {}
            source, digest = origin.get("source", "command line"), origin.get("file_sha256")
        else:
            source, digest = "default", None
        recorded[name] = {"value": plain(values.get(name)), "unit": unit_symbol(type_), "source": source,
                          "file_sha256": digest}
    if constant:
        if len(_DEFAULT_PARAMETERS) >= 64:
            _DEFAULT_PARAMETERS.clear()
        recorded = shared(recorded)
        _DEFAULT_PARAMETERS[id(program.defaults)] = (program.defaults, program.params, recorded)
    return recorded


# The record of a program's parameters at their defaults, by the id of its defaults: (its defaults, its
# parameters, the record). The program itself is not kept.
_DEFAULT_PARAMETERS: dict = {}


def _unknown_detail(value) -> dict:
    if isinstance(value, Failure):
        return {"failure": value.message}
    if isinstance(value, Missing):
        return {"missing": list(value.pointers)}
    return {}


def _applicant(evidence: dict) -> dict:
    """Who applied and for which period, copied as text from the evidence's conventional fields."""
    found = {}
    applicant = evidence.get("applicant")
    if isinstance(applicant, dict):
        found.update({k: v for k, v in applicant.items() if isinstance(v, str)})
    period = evidence.get("reporting_period")
    if isinstance(period, dict):
        found["period"] = {k: v if isinstance(v, str) else str(v) for k, v in period.items()
                           if isinstance(v, (str, Decimal))}
    return found


def _describe(schema: dict, pointer: str, params: dict) -> dict:
    """The schema's description of a missing field and its unit (`x-unit`; a parameter's declared unit), so
    that the report can say what to provide and in what."""
    if pointer.startswith("param:"):
        unit = unit_symbol(params[pointer[6:]][0]) if pointer[6:] in params else None
        return {"description": both("parameters", "not_supplied", name=pointer[6:]), **({"unit": unit} if unit else {})}
    node = schema
    for part in parse_pointer(pointer):
        node = resolve(node, schema)
        if part.isdigit() and "items" in node:
            node = node["items"]
        else:
            node = node.get("properties", {}).get(part, {})
    node = resolve(node, schema)
    found = {}
    description = node.get("description")
    zh = node.get("x-description-zh") or node.get("title")
    if description or zh:
        found["description"] = {"zh": zh or description, "en": description or zh}
    unit = node.get("x-unit")
    if isinstance(unit, str) and unit not in ("", "1"):  # "1": a count or points, shown without a unit
        found["unit"] = unit
    return found
