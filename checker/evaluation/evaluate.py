"""Evaluate phase: a compiled ruleset and one application's evidence → Result.

Points of scales are rounded half-up to 2 decimals (the Chinese 四舍五入
convention); everything else stays exact inside one decimal context.
"""
from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

from ..language.compile import CompiledCriterion, CompiledGrade, CompiledLet, CompiledRequirement, Context, Program, label_of
from ..evaluation.result import (CLASSIFIED, ERROR, FAIL, GRADED, INCOMPLETE, INELIGIBLE, MET, MISSING, NOT_APPLICABLE, NOT_GRADED, NOT_MET,
                     PARTLY_MET, PASS, PASSED, WAIVED, GradeResult, ItemResult, Result, plain, unit_symbol)
from ..language.schema import resolve
from ..language.values import OUTSIDE, UNKNOWN, Failure, Missing
from ..catalogue import both
from ..pointer import parse_pointer

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
CENT = Decimal("0.01")
ZERO = Decimal(0)
_UNSET = object()  # a let not known beforehand


class Known:
    """What evaluating changed evidence again can take from the evaluation `before` the change, because the
    change does not feed it: the lets' `values` {name: value}, and the results of the requirements and
    criteria whose ids are in `items` (decided ones only: an unknown one is worked out again, for what it
    lacks), kept by id in `kept`. See checker.evaluation.gap.Plan.known."""

    __slots__ = ("before", "values", "kept")

    def __init__(self, before: Result, values: dict, items: frozenset):
        self.before, self.values = before, values
        self.kept = {item.about.id: item for item in (*before.requirements, *before.criteria)
                     if item.about.id in items and item.status not in (MISSING, ERROR)}


def evaluate(program: Program, evidence: dict, *, params: dict | None = None, provenance: dict,
             date: str | None = None, origins: dict | None = None, known: Known | None = None) -> Result:
    """`origins`: where each supplied parameter came from, {name: {"source", "file_sha256"}}, for the record.
    `known`: what an earlier evaluation of this evidence before a change gives unchanged (the gap's advice)."""
    program.used()
    with decimal.localcontext(CONTEXT):
        return _Run(program, evidence, params or {}, known).result(provenance, date, origins or {})


class Outlook:
    """What the gap's advice reads of an evaluation of changed evidence (`outlook`), worked out without the
    Result: the score, outcome and grade (its number in `rank`; `grade` or `provisional_grade` as a Result
    has them), the status of each requirement, and the status of each clause of one grade."""

    __slots__ = ("score", "outcome", "grade", "provisional_grade", "rank", "requirements", "clauses")

    def __init__(self, score, outcome, grade, provisional_grade, rank, requirements, clauses):
        self.score, self.outcome, self.grade, self.provisional_grade = score, outcome, grade, provisional_grade
        self.rank, self.requirements, self.clauses = rank, requirements, clauses


def outlook(program: Program, evidence: dict, *, params: dict, known: Known | None, grade: int) -> Outlook:
    """What `evaluate` would decide of `evidence` (score, outcome, grade, requirement statuses, the statuses of
    the clauses of grade number `grade`), and nothing else: no item results, explanations or missing list;
    a grade ranked below the one reached is not looked at. The same decisions as `evaluate`'s."""
    program.used()
    with decimal.localcontext(CONTEXT):
        return _Run(program, evidence, params, known).outlook(grade)


def let_values(program: Program, result: Result) -> dict:
    """The value each let of `program` had in `result`, {name: value}: what `evaluate(known=…)` takes."""
    return {let.node.name: item.detail["value"] for let, item in zip(program.lets, result.values)}


class _Run:
    def __init__(self, program: Program, evidence: dict, params: dict, known: Known | None = None):
        self.program = program
        self.before = known.before if known is not None else None
        self.known = known.values if known is not None else None
        self.kept: dict[str, ItemResult] = known.kept if known is not None else {}  # item id → its result before
        self.ctx = Context(evidence, {})
        self.missing: dict[str, list[str]] = {}
        self.errors: list[dict] = []
        self.grade_unknowns: dict[str, list] = {}  # grade id → the unknown values its clauses met
        self.given = set(params)
        for name, (type_, default) in program.params.items():
            if name in params:
                self.ctx.params[name] = params[name]
            elif default is not None:
                self.ctx.params[name] = default(self.ctx)

    def note_unknown(self, item_id: str, value) -> str:
        """Remember what an unknown value lacks; returns the item's status."""
        if isinstance(value, Failure):
            self.errors.append({"item": item_id, "message": value.message})
            return ERROR
        for pointer in value.pointers:
            needed_by = self.missing.setdefault(pointer, [])
            if item_id not in needed_by:
                needed_by.append(item_id)
        return MISSING

    def result(self, provenance: dict, date: str | None, origins: dict) -> Result:
        program, ctx = self.program, self.ctx
        model = program.model
        variant = None
        if program.variant is not None:
            ctx.variant = program.variant(ctx)
            if isinstance(ctx.variant, UNKNOWN):
                self.note_unknown("variant", ctx.variant)
            else:
                option = next((o for o in model.variant.options if o.value == ctx.variant), None)
                variant = {"id": ctx.variant, "label": label_of(option.label) if option else None}
        known = self.known
        if known:
            values = []
            for let, before in zip(program.lets, self.before.values):
                name = let.node.name
                if name in known and not isinstance(known[name], UNKNOWN):  # decided, and the change left it
                    ctx.values[name] = known[name]
                    values.append(before)
                else:
                    values.append(self.value_item(let, known.get(name, _UNSET)))
        else:
            values = [self.value_item(let) for let in program.lets]
        requirements = [self.requirement(r) for r in program.requirements]
        criteria, sections = [], []
        for section in program.sections:
            items = [self.criterion(c) for c in section.criteria]
            criteria += items
            node = section.node
            sections.append({"id": node.id, "label": section.label, "cite": label_of(node.cite),
                             "points": sum([c.points for c in items], ZERO), "max": node.max})
        score = sum([c.points for c in criteria], ZERO) if model.grades else None
        ctx.score = score
        grades = [self.grade(g) for g in program.grades]
        reached = next((g for g in grades if g.status == MET), None)
        # The first grade that holds is the result only if every grade ranked above it is decided.
        above = grades[:grades.index(reached)] if reached else grades
        undecided = [g for g in above if g.status in (MISSING, ERROR)]
        for grade in undecided:
            for value in self.grade_unknowns[grade.id]:
                self.note_unknown(grade.id, value)
        # Missingness follows evaluation: a value read by items, whose lacking evidence no item asked for,
        # was needed only by untaken branches or items that do not apply.
        for let, item in zip(program.lets, values):
            if item.status == MISSING and not let.reported and not any(
                    p in self.missing for p in ctx.values[let.node.name].pointers):
                item.status = NOT_APPLICABLE
        statuses = {r.status for r in requirements} | {c.status for c in criteria}
        outcome = self.outcome(statuses, bool(undecided), reached is not None)
        decided = [s for s in statuses if s not in (MISSING, ERROR, NOT_APPLICABLE)]
        grade_ref = {"id": reached.id, "label": reached.label} if reached else None
        return Result(
            ruleset=provenance["ruleset"],
            evidence=provenance["evidence"],
            tool=provenance["tool"],
            date=date,
            parameters=self.before.parameters if self.before is not None else self.parameters(origins),
            applicant=_applicant(ctx.evidence),
            variant=variant,
            outcome=outcome,
            grade=grade_ref if outcome in (GRADED, CLASSIFIED) else None,
            provisional_grade=grade_ref if outcome == INCOMPLETE else None,
            score=score if model.sections else None,  # a classification (grades without sections) has no score
            max_score=model.grades.max if model.sections else None,
            inconclusive=bool(statuses) and not decided,
            requirements=requirements,
            sections=sections,
            criteria=criteria,
            grades=grades,
            values=values,
            missing=[{"pointer": p, "needed_by": ids, **_describe(model.schema, p, program.params)}
                     for p, ids in sorted(self.missing.items())],
            errors=self.errors,
        )

    def outcome(self, statuses: set, undecided: bool, reached: bool) -> str:
        """The outcome, from the statuses of the requirements and criteria, whether a grade ranked above the
        one reached (or any, if none is) is undecided, and whether one is reached."""
        if FAIL in statuses:
            return INELIGIBLE
        variant = self.ctx.variant
        if statuses & {MISSING, ERROR} or undecided or (variant is not None and isinstance(variant, UNKNOWN)):
            return INCOMPLETE
        if reached:
            return CLASSIFIED if self.program.model.grades.unranked else GRADED
        return NOT_GRADED if self.program.grades else PASSED

    def outlook(self, number: int) -> Outlook:
        """`result`'s decisions only (see `outlook`): lets, the requirements and criteria, the score, and the
        grades down to the one reached and to grade `number`, a clause at a time."""
        program, ctx = self.program, self.ctx
        if program.variant is not None:
            ctx.variant = program.variant(ctx)
        known = self.known or {}
        values = ctx.values = dict(known)
        for let in [let for let in program.lets if let.node.name not in known]:
            values[let.node.name] = let.evaluate(ctx)
        kept = self.kept
        requirements = [(kept.get(r.item.id) or self.requirement(r)).status for r in program.requirements]
        criteria = [kept.get(c.item.id) or self.criterion(c) for s in program.sections for c in s.criteria]
        model = program.model
        score = ctx.score = sum([c.points for c in criteria], ZERO) if model.grades else None
        reached = clauses = None
        undecided = False
        for at, compiled in enumerate(program.grades):
            if reached is not None and at > number:
                break
            if reached is not None and at != number:
                continue
            statuses = []
            for clause in compiled.clauses:
                statuses.append(_status(clause.condition(ctx)))
                if statuses[-1] == NOT_MET and at != number:
                    break  # the grade is not met whatever its other clauses say
            if at == number:
                clauses = statuses
            if reached is None:
                status = _combined(statuses)
                if status == MET:
                    reached = at
                elif status != NOT_MET:
                    undecided = True
        outcome = self.outcome({*requirements, *(c.status for c in criteria)}, undecided, reached is not None)
        ref = None
        if reached is not None:
            ref = {"id": program.grades[reached].node.id, "label": program.grades[reached].label}
        return Outlook(score if model.sections else None, outcome, ref if outcome in (GRADED, CLASSIFIED) else None,
                       ref if outcome == INCOMPLETE else None, reached, requirements, clauses)

    def parameters(self, origins: dict) -> dict:
        """Every parameter of the ruleset: the value evaluation used (null: none given, no default), its
        unit, and where it came from, so that the result can be reproduced from what it records."""
        recorded = {}
        for name, (type_, _) in self.program.params.items():
            origin = origins.get(name) or {} if name in self.given else {"source": "default"}
            recorded[name] = {"value": plain(self.ctx.params.get(name)), "unit": unit_symbol(type_),
                              "source": origin.get("source", "command line"),
                              "file_sha256": origin.get("file_sha256")}
        return recorded

    def value_item(self, let: CompiledLet, known=_UNSET) -> ItemResult:
        ctx = self.ctx
        value = ctx.values[let.node.name] = let.evaluate(ctx) if known is _UNSET else known
        if not isinstance(value, UNKNOWN):
            # Outside its `when` (the accounting boundary): not applicable, read as 0 by what uses it.
            status = NOT_APPLICABLE if value is OUTSIDE else "ok"
            return ItemResult(let.item, status, None, {"value": value}, ctx)
        # A value that items read is reported through them, so one that only a not-applicable item
        # reads does not ask the applicant for evidence; a value no item reads reports for itself.
        status = self.note_unknown(let.node.name, value) if let.reported else (
            ERROR if isinstance(value, Failure) else MISSING)
        return ItemResult(let.item, status, None, {"value": value, **_unknown_detail(value)}, ctx)

    def not_applicable(self, compiled: CompiledRequirement | CompiledCriterion, holds, points) -> ItemResult:
        """The result of an item whose `when` does not hold (or is unknown); it reads nothing else."""
        if holds is False:
            return ItemResult(compiled.item, NOT_APPLICABLE, points, {"when": compiled.node.when.text})
        return ItemResult(compiled.item, self.note_unknown(compiled.item.id, holds), points, _unknown_detail(holds))

    def requirement(self, compiled: CompiledRequirement) -> ItemResult:
        if self.kept and compiled.item.id in self.kept:
            return self.kept[compiled.item.id]
        ctx = self.ctx
        if compiled.when is not None:
            applies = compiled.when(ctx)
            if applies is not True:
                return self.not_applicable(compiled, applies, None)
        holds = compiled.condition(ctx)
        if holds is True:
            return ItemResult(compiled.item, PASS, None, None, ctx)
        waiver = compiled.waiver(ctx) if compiled.waiver else None
        if waiver:
            return ItemResult(compiled.item, WAIVED, None, {"waiver": waiver}, ctx)
        if holds is False:
            return ItemResult(compiled.item, FAIL, None, None, ctx)
        return ItemResult(compiled.item, self.note_unknown(compiled.item.id, holds), None, _unknown_detail(holds), ctx)

    def criterion(self, compiled: CompiledCriterion) -> ItemResult:
        if self.kept and compiled.item.id in self.kept:
            return self.kept[compiled.item.id]
        ctx = self.ctx
        if compiled.when is not None:
            applies = compiled.when(ctx)
            if applies is not True:
                return self.not_applicable(compiled, applies, ZERO)
        node = compiled.node
        detail = None
        if compiled.method == "tiers":
            points = ZERO
            for number, tier in enumerate(compiled.tiers, 1):
                holds = True if tier.condition is None else tier.condition(ctx)
                if holds is True:
                    points = tier.points
                    detail = {"tier": {"number": number, "of": len(compiled.tiers), "condition": tier.text,
                                       "points": tier.points}}
                    break
                if holds is not False:
                    return self.unknown_points(compiled, holds)
        else:
            value = compiled.value(ctx)
            if isinstance(value, UNKNOWN):
                return self.unknown_points(compiled, value)
            if compiled.method == "scale":
                start, end = compiled.start(ctx), compiled.end(ctx)
                if isinstance(start, UNKNOWN) or isinstance(end, UNKNOWN):
                    return self.unknown_points(compiled, start if isinstance(start, UNKNOWN) else end)
                if start == end:
                    return self.unknown_points(compiled, Failure("the scale starts and ends at the same value"))
                # Multiply before dividing: max·(v−a)/(b−a) is then exact whenever it ends within 34 digits,
                # and half-up rounding sees 0.625, not 0.62499… (3 points at 5 on a scale from 0 to 24).
                exact = node.max * (value - start) / (end - start)
                points = min(max(ZERO, exact), node.max).quantize(CENT, rounding=ROUND_HALF_UP)  # never -0
                scoring = node.scoring
                detail = {"scale": {"from": scoring.start.text, "to": scoring.end.text}}
            elif compiled.method == "assessed":
                if not ZERO <= value <= node.max:
                    return self.unknown_points(compiled, Failure(
                        f"the auditor recorded {value} points, outside 0 to {node.max}"))
                points = value
            else:
                points = min(max(value, ZERO), node.max)
                if points != value:
                    detail = {"capped": {"computed": value}}
        status = MET if points == node.max else NOT_MET if points == 0 else PARTLY_MET
        return ItemResult(compiled.item, status, points, detail, ctx)

    def unknown_points(self, compiled: CompiledCriterion, value) -> ItemResult:
        return ItemResult(compiled.item, self.note_unknown(compiled.item.id, value), ZERO, _unknown_detail(value),
                          self.ctx)

    def grade(self, compiled: CompiledGrade) -> GradeResult:
        ctx = self.ctx
        conditions = []
        for clause in compiled.clauses:
            holds = clause.condition(ctx)
            status = _status(holds)
            if status in (MET, NOT_MET):
                conditions.append(ItemResult(clause.item, status, None, None, ctx))
            else:
                conditions.append(ItemResult(clause.item, status, None, _unknown_detail(holds), ctx))
                self.grade_unknowns.setdefault(compiled.node.id, []).append(holds)
        node = compiled.node
        return GradeResult(node.id, compiled.label, label_of(node.cite), _combined([c.status for c in conditions]),
                           conditions)


def _status(holds) -> str:
    """A grade clause's status from its value."""
    return MET if holds is True else NOT_MET if holds is False else ERROR if isinstance(holds, Failure) else MISSING


def _combined(statuses: list[str]) -> str:
    """A grade's status from its clauses': not met if one is not met, else undecided if one is, else met."""
    return NOT_MET if NOT_MET in statuses else ERROR if ERROR in statuses else MISSING if MISSING in statuses else MET


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
