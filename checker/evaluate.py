"""Evaluate phase: a compiled ruleset and one application's evidence → Result.

Points of scales are rounded half-up to 2 decimals (the Chinese 四舍五入
convention); everything else stays exact inside one decimal context.
"""
from __future__ import annotations

import decimal
import functools
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from .compile import CompiledCriterion, CompiledRequirement, Context, Input, Program
from .result import (ERROR, FAIL, GRADED, INCOMPLETE, INELIGIBLE, MET, MISSING, NOT_APPLICABLE, NOT_GRADED, NOT_MET,
                     PARTLY_MET, PASS, PASSED, WAIVED, GradeResult, ItemResult, Recorded, Result)
from .schema import resolve
from .values import UNKNOWN, Failure, Missing

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
CENT = Decimal("0.01")
ZERO = Decimal(0)


@functools.lru_cache(maxsize=4096)  # labels are immutable; one dict each, not one per application
def label(text) -> dict | None:
    return {"zh": text.zh, "en": text.en or text.zh} if text is not None else None


def evaluate(program: Program, evidence: dict, *, params: dict | None = None, provenance: dict,
             date: str | None = None) -> Result:
    with decimal.localcontext(CONTEXT):
        return _Run(program, evidence, params or {}).result(provenance, date)


class RecordedInputs(Sequence):
    """The values an item read, read back from the finished evaluation only when someone asks.

    Evaluation never changes a value once computed and the evidence is not changed, so reading them
    afterwards gives what the item saw; most evaluations (batch scores, benchmarks) never ask.
    """

    __slots__ = ("_inputs", "_ctx", "_recorded")

    def __init__(self, inputs: list[Input], ctx: Context):
        self._inputs, self._ctx, self._recorded = inputs, ctx, None

    def _load(self) -> list[Recorded]:
        if self._recorded is None:
            ctx = self._ctx
            self._recorded = [Recorded(i.name, i.type, ctx.values[i.let] if i.let else i.get(ctx), i.let)
                              for i in self._inputs]
        return self._recorded

    def __getitem__(self, index):
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._inputs)


class _Run:
    def __init__(self, program: Program, evidence: dict, params: dict):
        self.program = program
        self.ctx = Context(evidence, {})
        self.missing: dict[str, list[str]] = {}
        self.errors: list[dict] = []
        self.grade_unknowns: dict[str, list] = {}  # grade id → the unknown values its clauses met
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

    def record(self, inputs: list[Input]) -> "RecordedInputs":
        return RecordedInputs(inputs, self.ctx) if inputs else ()

    def result(self, provenance: dict, date: str | None) -> Result:
        program, ctx = self.program, self.ctx
        model = program.model
        variant = None
        if program.variant is not None:
            ctx.variant = program.variant(ctx)
            if isinstance(ctx.variant, UNKNOWN):
                self.note_unknown("variant", ctx.variant)
            else:
                option = next((o for o in model.variant.options if o.value == ctx.variant), None)
                variant = {"id": ctx.variant, "label": label(option.label) if option else None}
        values = []
        for let in program.lets:
            value = let.evaluate(ctx)
            ctx.values[let.node.name] = value
            values.append(self.value_item(let, value))
        requirements = [self.requirement(r) for r in program.requirements]
        criteria, sections = [], []
        for section, compiled in program.sections:
            items = [self.criterion(c, section.id) for c in compiled]
            criteria += items
            points = sum((c.points for c in items), ZERO)
            sections.append({"id": section.id, "label": label(section.label), "cite": section.cite,
                             "points": points, "max": section.max})
        score = sum((c.points for c in criteria), ZERO) if model.grades else None
        ctx.score = score
        grades = [self.grade(g) for g in program.grades]
        reached = next((g for g in grades if g.status == MET), None)
        # The first grade that holds is the result only if every grade ranked above it is decided.
        above = grades[:grades.index(reached)] if reached else grades
        undecided = [g for g in above if g.status in (MISSING, ERROR)]
        for grade in undecided:
            for value in self.grade_unknowns[grade.id]:
                self.note_unknown(grade.id, value)
        statuses = {r.status for r in requirements} | {c.status for c in criteria}
        if FAIL in statuses:
            outcome = INELIGIBLE
        elif statuses & {MISSING, ERROR} or undecided or (
                ctx.variant is not None and isinstance(ctx.variant, UNKNOWN)):
            outcome = INCOMPLETE
        elif reached is not None:
            outcome = GRADED
        else:
            outcome = NOT_GRADED if grades else PASSED
        decided = [s for s in statuses if s not in (MISSING, ERROR, NOT_APPLICABLE)]
        grade_ref = {"id": reached.id, "label": reached.label} if reached else None
        return Result(
            ruleset=provenance["ruleset"],
            evidence=provenance["evidence"],
            tool=provenance["tool"],
            date=date,
            applicant=_applicant(ctx.evidence),
            variant=variant,
            outcome=outcome,
            grade=grade_ref if outcome == GRADED else None,
            provisional_grade=grade_ref if outcome == INCOMPLETE else None,
            score=score if model.sections else None,  # a classification (grades without sections) has no score
            max_score=model.grades.max if model.sections else None,
            inconclusive=bool(statuses) and not decided,
            requirements=requirements,
            sections=sections,
            criteria=criteria,
            grades=grades,
            values=values,
            missing=[{"pointer": p, "needed_by": ids, **_describe(model.schema, p)}
                     for p, ids in sorted(self.missing.items())],
            errors=self.errors,
        )

    def value_item(self, let, value) -> ItemResult:
        node = let.node
        type_ = let.type
        item = ItemResult("value", node.name, label(node.label), node.cite, "ok", self.record(let.inputs))
        if isinstance(value, UNKNOWN):
            # A value that items read is reported through them, so one that only a not-applicable item
            # reads does not ask the applicant for evidence; a value no item reads reports for itself.
            item.status = self.note_unknown(node.name, value) if let.reported else (
                ERROR if isinstance(value, Failure) else MISSING)
            _unknown_detail(item, value)
        item.detail.update(value=value, type=type_, formula=node.expr.text)
        return item

    def applicable(self, when, item: ItemResult, when_text: str | None) -> bool:
        if when is None:
            return True
        holds = when(self.ctx)
        if holds is True:
            return True
        if holds is False:
            item.status = NOT_APPLICABLE
            item.detail["when"] = when_text
        else:
            item.status = self.note_unknown(item.id, holds)
            _unknown_detail(item, holds)
        return False

    def requirement(self, compiled: CompiledRequirement) -> ItemResult:
        node = compiled.node
        item = ItemResult("requirement", node.id, label(node.label), node.cite, PASS,
                          detail={"condition": node.condition.text})
        if not self.applicable(compiled.when, item, node.when.text if node.when else None):
            return item
        item.inputs = self.record(compiled.inputs)
        holds = compiled.condition(self.ctx)
        waiver = compiled.waiver(self.ctx) if compiled.waiver else None
        if holds is not True and waiver:
            item.status = WAIVED
            item.detail["waiver"] = waiver
        elif holds is True:
            item.status = PASS
        elif holds is False:
            item.status = FAIL
        else:
            item.status = self.note_unknown(node.id, holds)
            _unknown_detail(item, holds)
        return item

    def criterion(self, compiled: CompiledCriterion, section: str) -> ItemResult:
        node = compiled.node
        item = ItemResult("criterion", node.id, label(node.label), node.cite, NOT_MET, points=ZERO, max=node.max,
                          method=compiled.method, section=section)
        if not self.applicable(compiled.when, item, node.when.text if node.when else None):
            return item
        ctx = self.ctx
        item.inputs = self.record(compiled.inputs)
        points = ZERO
        if compiled.method == "tiers":
            for number, tier in enumerate(compiled.tiers, 1):
                holds = True if tier.condition is None else tier.condition(ctx)
                if holds is True:
                    points = tier.points
                    item.detail["tier"] = {"number": number, "of": len(compiled.tiers), "condition": tier.text,
                                           "points": tier.points}
                    break
                if holds is not False:
                    return self.unknown_points(item, holds)
        else:
            value = compiled.value(ctx)
            if isinstance(value, UNKNOWN):
                return self.unknown_points(item, value)
            if compiled.method == "scale":
                start, end = compiled.start(ctx), compiled.end(ctx)
                if isinstance(start, UNKNOWN) or isinstance(end, UNKNOWN):
                    return self.unknown_points(item, start if isinstance(start, UNKNOWN) else end)
                if start == end:
                    return self.unknown_points(item, Failure("the scale starts and ends at the same value"))
                # Multiply before dividing: max·(v−a)/(b−a) is then exact whenever it ends within 34 digits,
                # and half-up rounding sees 0.625, not 0.62499… (3 points at 5 on a scale from 0 to 24).
                exact = node.max * (value - start) / (end - start)
                points = min(max(ZERO, exact), node.max).quantize(CENT, rounding=ROUND_HALF_UP)  # never -0
                scoring = node.scoring
                item.detail["scale"] = {"from": scoring.start.text, "to": scoring.end.text}
            elif compiled.method == "assessed":
                if not ZERO <= value <= node.max:
                    return self.unknown_points(item, Failure(
                        f"the auditor recorded {value} points, outside 0 to {node.max}"))
                points = value
            else:
                points = min(max(value, ZERO), node.max)
                if points != value:
                    item.detail["capped"] = {"computed": value}
        item.points = points
        item.status = MET if points == node.max else NOT_MET if points == 0 else PARTLY_MET
        return item

    def unknown_points(self, item: ItemResult, value) -> ItemResult:
        item.points = ZERO
        item.status = self.note_unknown(item.id, value)
        _unknown_detail(item, value)
        return item

    def grade(self, compiled) -> GradeResult:
        node = compiled.node
        conditions = []
        for clause in compiled.clauses:
            holds = clause.condition(self.ctx)
            item = ItemResult("grade-condition", clause.text, None, None, MET, self.record(clause.inputs),
                              detail={"condition": clause.text})
            if holds is False:
                item.status = NOT_MET
            elif holds is not True:
                item.status = ERROR if isinstance(holds, Failure) else MISSING
                _unknown_detail(item, holds)
                self.grade_unknowns.setdefault(node.id, []).append(holds)
            conditions.append(item)
        statuses = {c.status for c in conditions}
        status = NOT_MET if NOT_MET in statuses else ERROR if ERROR in statuses else (
            MISSING if MISSING in statuses else MET)
        return GradeResult(node.id, label(node.label), node.cite, status, conditions)


def _unknown_detail(item: ItemResult, value) -> None:
    if isinstance(value, Failure):
        item.detail["failure"] = value.message
    elif isinstance(value, Missing):
        item.detail["missing"] = list(value.pointers)


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


def _describe(schema: dict, pointer: str) -> dict:
    """The schema's description of a missing field, so the report can say what to provide."""
    if pointer.startswith("param:"):
        return {"description": {"zh": f"参数 {pointer[6:]} 未提供", "en": f"parameter {pointer[6:]} was not supplied"}}
    node = schema
    for part in pointer.strip("/").split("/"):
        node = resolve(node, schema)
        if part.isdigit() and "items" in node:
            node = node["items"]
        else:
            node = node.get("properties", {}).get(part.replace("~1", "/").replace("~0", "~"), {})
    node = resolve(node, schema)
    description = node.get("description")
    zh = node.get("x-description-zh") or node.get("title")
    if description or zh:
        return {"description": {"zh": zh or description, "en": description or zh}}
    return {}
