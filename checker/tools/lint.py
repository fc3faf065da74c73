"""Lint of what the conditions of a ruleset decide: points where no grade holds although a worse point is
graded, points where a better value gets a lower grade, grades that overlap, and tiers no values reach.

Grade conditions compare `score`, lets and the variant with constants. Between two neighbouring constants
every such comparison keeps its truth value, so evaluating the compiled clauses at each constant, at one
point between each pair and at one point beyond each end covers every case the table tells apart. A clause
that reads anything else (evidence, a parameter, arithmetic) is not varied: it is taken as holding, so what
is reported still happens whenever it holds, and a note says so. Tier conditions are varied the same way,
over the evidence values, parameters, lets and variant they compare, within the bounds the evidence schema,
the parameters' ranges and `min`/`max` lets set.
"""
from __future__ import annotations

import decimal
import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from ..language import ast
from ..language.compile import Compiler, Context, conjuncts
from ..language.diagnostics import Diagnostic
from ..evaluation.evaluate import CONTEXT
from ..evaluation.result import format_value
from ..language.schema import resolve
from ..language.types import Type
from ..language.units import convert

MAX_POINTS = 20_000  # a larger grid is sampled: a fixed, evenly spread choice of this many points


@dataclass
class Compared:
    """What the grade clauses say about one variable: the constants it meets, and which way they point."""

    type: Type
    constants: set = field(default_factory=set)
    votes: int = 0  # +1 for each lower bound (`x > c`, `x >= c`), -1 for each upper bound


@dataclass
class Axis:
    ref: ast.Ref  # the score, a let or the variant
    type: Type
    values: list  # ascending, except the variant's, which have no order
    better: int  # 1: higher values are better, -1: lower ones, 0: no telling (only a hole is a gap)
    limits: str = ""  # where its values are bounded, and by what: said when a condition holds for none

    @property
    def name(self) -> str:
        return _name(self.ref)

    @property
    def ordered(self) -> bool:
        return self.type.kind != "string"


def lint_grades(ruleset, overlaps: bool = False) -> list[Diagnostic]:
    """Warnings about the grades table of a loaded ruleset: `grade-gap`, `grade-inversion`, and `grade-overlap`
    if asked."""
    program, grades = ruleset.program, ruleset.model.grades
    if not program.grades:
        return []
    found: dict[tuple, Compared] = {}  # what the clauses compare, in the order first seen
    conditions, notes = [], []
    for grade in program.grades:
        kept = []
        for clause in grade.clauses:
            read: dict[tuple, Compared] = {}
            if _reads(clause.node, read):
                for ref, compared in read.items():
                    total = found.setdefault(ref, Compared(compared.type))
                    total.constants |= compared.constants
                    total.votes += compared.votes
                kept.append(clause.condition)
            else:
                notes.append(Diagnostic(
                    "grade-not-analysed", f"grade {grade.node.id}: `{clause.text}` is not a comparison with "
                    "constants of the score, the variant or a let holding a number or true/false; the grade-table "
                    "analysis takes it as holding", clause.node.span, severity="note"))
        conditions.append(kept)
    if not found:
        return notes
    with decimal.localcontext(CONTEXT):
        axes = [_axis(ref, compared, ruleset.model) for ref, compared in found.items()]
        table = _Table(axes, conditions)
        ids = [g.node.id for g in program.grades]
        spans = [g.node.span for g in program.grades]
        total = math.prod(table.sizes)
        if total > MAX_POINTS:
            notes.append(Diagnostic("grade-sampled", f"the grade table tells {total} combinations of values apart; "
                                    f"{MAX_POINTS} of them, evenly spread, were examined", grades.span,
                                    severity="note"))
        points = [table.point(i) for i in _spread(total, MAX_POINTS)]
        warnings = [Diagnostic("grade-gap", f"no grade at {table.where(p)}, although {axes[a].name} = "
                                            f"{table.value(a, q)} with the other values the same gets {ids[g]}",
                               spans[g], hint="grades are tried best first and the first that holds wins: "
                               "conditions that set only a minimum (`score > 80` rather than `score in (80, 90]`) "
                               "leave no such gap", severity="warning")
                    for (a, g), (p, q) in sorted(table.gaps(points).items())]
        warnings += [Diagnostic("grade-inversion", f"{ids[worse]} at {table.where(q)}, although "
                                                   f"{axes[a].name} = {table.value(a, p)} with the other values the "
                                                   f"same gets {ids[better]}", spans[worse],
                                hint="a better value should never give a lower grade: check the bounds of each "
                                     "grade's interval", severity="warning")
                     for (a, better, worse), (p, q) in sorted(table.inversions(points).items())]
        if overlaps:
            warnings += [Diagnostic("grade-overlap", f"{ids[i]} and {ids[j]} both hold at {table.where(p)}: "
                                                     f"the first listed, {ids[i]}, wins", spans[j],
                                    severity="warning")
                         for (i, j), p in sorted(table.overlaps(points).items())]
    return warnings + notes


def lint_tiers(ruleset) -> list[Diagnostic]:
    """`tier-never-reached`: a tier of a criterion that no values reach, either because its condition holds for
    none the evidence schema, the parameters' ranges and the criterion's `when` allow, or because wherever it
    holds an earlier tier is taken first. What the analysis cannot vary (arithmetic, two values compared, a
    function) is taken as holding in the tier examined and as not holding in an earlier one, so every tier
    reported is never reached, whatever those values are."""
    compiler = Compiler(ruleset.model)
    return [warning for section in ruleset.model.sections for criterion in section.criteria
            if isinstance(criterion.scoring, ast.Tiers)
            for warning in _unreached_tiers(criterion, ruleset.model, compiler)]


def _shown(tier: ast.Tier) -> str:
    return f"{format_value(tier.points, None)} " + (f"if {tier.condition.text}" if tier.condition else "otherwise")


def _unreached_tiers(criterion: ast.Criterion, model, compiler: Compiler) -> list[Diagnostic]:
    found: dict[ast.Ref, Compared] = {}

    def analysed(condition: ast.Expr | None) -> tuple[list, set]:
        """The compiled clauses of a condition (None for one that is not analysed) and the refs they vary."""
        clauses, refs = [], set()
        for clause in conjuncts(condition) if condition is not None else []:
            read: dict[ast.Ref, Compared] = {}
            if _reads(clause, read, variable=_varied_in_tiers):
                for ref, compared in read.items():
                    total = found.setdefault(ref, Compared(compared.type))
                    total.constants |= compared.constants
                clauses.append(compiler.expr(clause))
                refs |= set(read)
            else:
                clauses.append(None)
        return clauses, refs

    gate = [clause for clause in analysed(criterion.when)[0] if clause is not None]
    tiers = criterion.scoring.tiers
    conditions, reads = zip(*(analysed(tier.condition) for tier in tiers))
    if not found:
        return []
    with decimal.localcontext(CONTEXT):
        axes = [_tier_axis(ref, compared, model) for ref, compared in found.items()]
        table = _Table(axes, [])
        if math.prod(table.sizes) > MAX_POINTS:
            return []  # a sample could miss the one point where a tier is reached
        reached, taken = [False] * len(tiers), {}
        for index in range(math.prod(table.sizes)):
            point = table.point(index)
            ctx = table.context(point)
            if not all(clause(ctx) is True for clause in gate):
                continue
            # May the tier hold here (its unanalysed clauses taken as holding), and does it surely hold?
            may = [all(c(ctx) is True for c in clauses if c is not None) for clauses in conditions]
            first = next((i for i, clauses in enumerate(conditions) if may[i] and None not in clauses), len(tiers))
            for i in range(len(tiers)):
                reached[i] |= may[i] and i <= first
                if may[i] and i > first:
                    taken.setdefault(i, (point, first))
    warnings = []
    for i, tier in enumerate(tiers):
        if reached[i]:
            continue
        if tier.condition is None:
            why = "the tiers before it take every value"
        elif i in taken:
            point, j = taken[i]
            why = (f"wherever its condition holds an earlier tier is taken first: at "
                   f"{table.where(point, reads[i] | reads[j])}, for example, the tier "
                   f"`{_shown(tiers[j])}` (line {tiers[j].span.line})")
        else:
            limits = [axis.limits for axis in axes if axis.ref in reads[i] and axis.limits]
            allowed = " the criterion's `when` allows" if gate else ""
            why = f"its condition holds for no value{allowed}" + "".join(f"; {limit}" for limit in limits)
        message = f"criterion {criterion.id}: the tier `{_shown(tier)}` is never reached: {why}"
        warnings.append(Diagnostic("tier-never-reached", message, tier.span, severity="warning",
                                   hint="remove the tier, or correct its condition or the bounds it contradicts"))
    return warnings


class _Table:
    """Conditions evaluated on a grid of points, each point a tuple of indices into the axes (`conditions`: the
    kept clauses of each grade; the tier lint evaluates its own)."""

    def __init__(self, axes: list[Axis], conditions: list[list]):
        self.axes, self.conditions = axes, conditions
        self.sizes = [len(axis.values) for axis in axes]
        self.memo: dict[tuple, tuple[int, ...]] = {}

    def point(self, index: int) -> tuple:
        digits = []
        for size in reversed(self.sizes):  # the last axis varies fastest, as in itertools.product
            index, digit = divmod(index, size)
            digits.append(digit)
        return tuple(reversed(digits))

    def holding(self, point: tuple) -> tuple[int, ...]:
        """The grades whose kept clauses all hold at `point`, best first."""
        if point not in self.memo:
            ctx = self.context(point)
            self.memo[point] = tuple(g for g, clauses in enumerate(self.conditions)
                                     if all(clause(ctx) is True for clause in clauses))
        return self.memo[point]

    def context(self, point: tuple) -> Context:
        """An evaluation context holding the values of `point`, each where compiled code reads it."""
        ctx = Context({}, {})
        for axis, i in zip(self.axes, point):
            ref, value = axis.ref, axis.values[i]
            if isinstance(ref, ast.ScoreRef):
                ctx.score = value
            elif isinstance(ref, ast.VariantRef):
                ctx.variant = value
            elif isinstance(ref, ast.ParamRef):
                ctx.params[ref.name] = value
            elif isinstance(ref, ast.EvidenceRef):
                node = ctx.evidence
                for key in ref.path[:-1]:
                    node = node.setdefault(key, {})
                node[ref.path[-1]] = value
            else:
                ctx.values[ref.name] = value
        return ctx

    def gaps(self, points: list[tuple]) -> dict[tuple[int, int], tuple[tuple, tuple]]:
        """(axis, grade lost) → the first point with no grade and the nearest worse point that has it."""
        found = {}
        for a in (a for a, axis in enumerate(self.axes) if axis.ordered):
            step = self.axes[a].better
            for p in (p for p in points if not self.holding(p)):
                below = range(p[a] - 1, -1, -1) if step >= 0 else range(p[a] + 1, self.sizes[a])
                q = next((q for q in (_moved(p, a, i) for i in below) if self.holding(q)), None)
                if q is None or (step == 0 and not any(self.holding(_moved(p, a, i))
                                                       for i in range(p[a] + 1, self.sizes[a]))):
                    continue  # without a better direction, only a hole between two graded values is a gap
                found.setdefault((a, self.holding(q)[0]), (p, q))
        return found

    def inversions(self, points: list[tuple]) -> dict[tuple[int, int, int], tuple[tuple, tuple]]:
        """(axis, grade, lower grade) → a graded point and the next graded point that is better on that axis
        alone but gets the lower grade (grades are listed best first, so a lower grade has a higher index)."""
        found = {}
        for a in (a for a, axis in enumerate(self.axes) if axis.ordered and axis.better):
            step = self.axes[a].better
            ahead = (lambda p: range(p[a] + 1, self.sizes[a])) if step > 0 else (lambda p: range(p[a] - 1, -1, -1))
            for p in points:
                held = self.holding(p)
                if not held:
                    continue
                q = next((q for q in (_moved(p, a, i) for i in ahead(p)) if self.holding(q)), None)
                if q is not None and self.holding(q)[0] > held[0]:
                    found.setdefault((a, held[0], self.holding(q)[0]), (p, q))
        return found

    def overlaps(self, points: list[tuple]) -> dict[tuple[int, int], tuple]:
        found = {}
        for p in points:
            for pair in itertools.combinations(self.holding(p), 2):
                found.setdefault(pair, p)
        return found

    def value(self, a: int, point: tuple) -> str:
        return format_value(self.axes[a].values[point[a]], self.axes[a].type)

    def where(self, point: tuple, only: set | None = None) -> str:
        """The values of `point` (of the axes whose refs are in `only`, if given)."""
        return ", ".join(f"{axis.name} = {self.value(a, point)}" for a, axis in enumerate(self.axes)
                         if only is None or axis.ref in only)


def _moved(point: tuple, a: int, i: int) -> tuple:
    return point[:a] + (i,) + point[a + 1:]


def _spread(total: int, limit: int) -> list[int]:
    """Every index up to `total`, or `limit` of them spread evenly by a step coprime with `total`."""
    if total <= limit:
        return list(range(total))
    step = int(total * Decimal("0.6180339887")) or 1   # the golden ratio spreads the steps evenly
    while math.gcd(step, total) != 1:
        step += 1
    return sorted(i * step % total for i in range(limit))


def _reads(expr: ast.Expr, found: dict, sign: int = 1, variable=None) -> bool:
    """Record the variables a clause compares, with their constants; False if it reads anything else.
    `sign` is -1 under a `not`, which turns a lower bound into an upper one. `variable` tells what may be
    varied (by default what a grade condition compares)."""
    variable = variable or _variable
    if isinstance(expr, ast.Logic):
        return all([_reads(operand, found, sign, variable) for operand in expr.operands])
    if isinstance(expr, ast.Not):
        return _reads(expr.operand, found, -sign, variable)
    if isinstance(expr, ast.Boolean):
        return True
    if variable(expr) and expr.type.kind == "bool":
        found.setdefault(expr.ref, Compared(expr.type))
        return True
    if isinstance(expr, ast.Compare):
        bound = {">": 1, ">=": 1, "<": -1, "<=": -1}.get(expr.op, 0)
        sides = [(expr.left, [expr.right], bound), (expr.right, [expr.left], -bound)]
    elif isinstance(expr, ast.Within):
        sides = [(expr.value, [expr.lower, expr.upper], 0)]
    elif isinstance(expr, ast.Member):
        sides = [(expr.value, expr.options, 0)]
    else:
        return False
    for subject, others, bound in sides:
        constants = [_constant(other, subject.type) for other in others]
        if variable(subject) and subject.type.kind != "bool" and None not in constants:
            compared = found.setdefault(subject.ref, Compared(subject.type))
            compared.constants.update(constants)
            compared.votes += sign * bound
            return True
    return False


def _variable(expr: ast.Expr) -> bool:
    """`score`, the variant, or a let holding a number or true/false: what the analysis varies."""
    ref = expr.ref if isinstance(expr, ast.Name) else None
    return isinstance(ref, (ast.ScoreRef, ast.VariantRef)) or \
        (isinstance(ref, ast.LetRef) and expr.type.kind in ("number", "bool"))


def _constant(expr: ast.Expr, subject: Type):
    """A literal in the unit of the value it is compared with (a text for the variant), or None."""
    if subject.kind == "string":
        return expr.value if isinstance(expr, ast.String) else None
    sign = -1 if isinstance(expr, ast.Negate) else 1
    number = expr.operand if sign == -1 else expr
    if subject.kind != "number" or not isinstance(number, ast.Number):
        return None
    if number.type.unit.compatible(subject.unit):
        return sign * convert(number.value, number.type.unit.factor_to(subject.unit))
    return Decimal(0) if number.value == 0 else None  # a bare 0 fits any unit


def _axis(ref: ast.Ref, compared: Compared, model) -> Axis:
    type_ = compared.type
    if type_.kind == "bool":
        return Axis(ref, type_, [False, True], 0)
    if type_.kind == "string":
        return Axis(ref, type_, [option.value for option in model.variant.options], 0)
    low, high = _bounds(ref, type_, model)
    ends = sorted(compared.constants)
    values = set(ends) | {(a + b) / 2 for a, b in zip(ends, ends[1:])}
    values |= {Decimal(0) if ends[0] > 0 else ends[0] - 1, ends[-1] + 1}  # beyond the ends; 0 reads naturally
    values |= {v for v in (low, high) if v is not None}
    values = sorted(v for v in values if (low is None or v >= low) and (high is None or v <= high))
    # A higher score is better by definition; a let is better the way most of its comparisons point.
    better = 1 if isinstance(ref, ast.ScoreRef) else (compared.votes > 0) - (compared.votes < 0)
    return Axis(ref, type_, values, better)


def _bounds(ref: ast.Ref, type_: Type, model) -> tuple[Decimal | None, Decimal | None]:
    """The values a variable can take: the score from 0 to the maximum; a let that is `min(…, 100%)` or
    `max(0, …)` of a constant up to or down to it. Beyond these the table needs no grade."""
    if isinstance(ref, ast.ScoreRef):
        return Decimal(0), (model.grades.max if model.grades.max > 0 else None)
    let = next(let for let in model.lets if let.name == ref.name)
    expr = let.expr
    if let.when is not None or not (isinstance(expr, ast.Call) and expr.function in ("min", "max")):
        return None, None  # outside its `when` a let is 0, whatever its formula's bounds
    limits = [c for c in (_constant(arg, type_) for arg in expr.args) if c is not None]
    if not limits:
        return None, None
    return (None, min(limits)) if expr.function == "min" else (max(limits), None)


OTHER_TEXT = "…"  # a text none of the constants compared with a text value is: every other text acts alike


def _varied_in_tiers(expr: ast.Expr) -> bool:
    """What a tier analysis varies: an evidence value (not inside a list), a parameter, a let or the variant,
    holding a number, a text or true/false."""
    ref = expr.ref if isinstance(expr, (ast.Name, ast.Field)) else None
    if isinstance(ref, ast.EvidenceRef) and not all(isinstance(key, str) for key in ref.path):
        return False
    return isinstance(ref, (ast.EvidenceRef, ast.ParamRef, ast.LetRef, ast.VariantRef)) and \
        expr.type.kind in ("number", "string", "bool")


def _tier_axis(ref: ast.Ref, compared: Compared, model) -> Axis:
    """The values of a variable that tell every tier condition apart: each constant and bound, one value
    between each neighbouring pair and one beyond each end, within the bounds the variable has."""
    type_ = compared.type
    if type_.kind == "bool":
        return Axis(ref, type_, [False, True], 0)
    if type_.kind == "string":
        other = [] if type_.enum else [OTHER_TEXT]
        return Axis(ref, type_, list(type_.enum or sorted(compared.constants)) + other, 0)
    low, high, choices, source = _limits(ref, type_, model)
    if choices:
        return Axis(ref, type_, sorted(choices), 0, f"{_name(ref)} is one of "
                    f"{', '.join(format_value(c, type_) for c in sorted(choices))} ({source})")
    ends = sorted(set(compared.constants) | {bound for bound, _ in (low, high) if bound is not None})
    values = set(ends) | {(a + b) / 2 for a, b in zip(ends, ends[1:])}
    values |= {Decimal(0) if ends[0] > 0 else ends[0] - 1, ends[-1] + 1}
    values = sorted(v for v in values if _within(v, low, high))
    shown = [f"at least {format_value(low[0], type_)}" if low[1] else f"more than {format_value(low[0], type_)}"
             ] if low[0] is not None else []
    shown += [f"at most {format_value(high[0], type_)}" if high[1] else f"less than {format_value(high[0], type_)}"
              ] if high[0] is not None else []
    return Axis(ref, type_, values, 0, f"{_name(ref)} is {' and '.join(shown)} ({source})" if shown else "")


def _within(value: Decimal, low: tuple, high: tuple) -> bool:
    (lo, lo_closed), (hi, hi_closed) = low, high
    return (lo is None or value > lo or (lo_closed and value == lo)) and \
        (hi is None or value < hi or (hi_closed and value == hi))


def _name(ref: ast.Ref) -> str:
    return "evidence." + ".".join(ref.path) if isinstance(ref, ast.EvidenceRef) else ref.name


def _limits(ref: ast.Ref, type_: Type, model) -> tuple[tuple, tuple, list, str]:
    """A number's bounds, each (value or None, closed), or the values it is chosen from, and what sets them:
    the evidence schema, the parameter's declaration, or a let's `min`/`max`."""
    none = (None, True)
    if isinstance(ref, ast.EvidenceRef):
        root = node = model.schema or {}
        for key in ref.path:
            node = resolve(node, root).get("properties", {}).get(key, {})
        node = resolve(node, root)

        def bound(closed: str, open_: str):
            if isinstance(node.get(closed), (int, float, Decimal)) and not isinstance(node.get(closed), bool):
                return Decimal(str(node[closed])), True
            if isinstance(node.get(open_), (int, float, Decimal)) and not isinstance(node.get(open_), bool):
                return Decimal(str(node[open_])), False
            return none
        return bound("minimum", "exclusiveMinimum"), bound("maximum", "exclusiveMaximum"), [], "the evidence schema"
    if isinstance(ref, ast.ParamRef):
        param = model.params[ref.name]
        if param.choices:
            choices = [_constant(choice, type_) for choice in param.choices]
            return none, none, [c for c in choices if c is not None], "the parameter's allowed values"
        if param.range is not None:
            low, high = _constant(param.range.lower, type_), _constant(param.range.upper, type_)
            return (low, param.range.lower_closed), (high, param.range.upper_closed), [], "the parameter's range"
        return none, none, [], ""
    let = next(let for let in model.lets if let.name == ref.name)
    expr = let.expr
    named = expr.ref if isinstance(expr, (ast.Name, ast.Field)) and let.when is None else None
    if isinstance(named, ast.EvidenceRef) and _varied_in_tiers(expr) and expr.type.unit == type_.unit:
        low, high, choices, _ = _limits(named, type_, model)  # `let share = evidence.share`: the field's bounds
        return low, high, choices, f"the evidence schema, as {_name(named)}"
    low, high = _bounds(ref, type_, model)
    return (low, True), (high, True), [], "its formula"
