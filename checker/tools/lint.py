"""Grade-table lint: points where no grade holds although a worse point is graded, points where a better value
gets a lower grade, and grades that overlap.

Grade conditions compare `score`, lets and the variant with constants. Between two neighbouring constants
every such comparison keeps its truth value, so evaluating the compiled clauses at each constant, at one
point between each pair and at one point beyond each end covers every case the table tells apart. A clause
that reads anything else (evidence, a parameter, arithmetic) is not varied: it is taken as holding, so what
is reported still happens whenever it holds, and a note says so.
"""
from __future__ import annotations

import decimal
import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from ..language import ast
from ..language.compile import Context
from ..language.diagnostics import Diagnostic
from ..evaluation.evaluate import CONTEXT
from ..evaluation.result import format_value
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

    @property
    def name(self) -> str:
        return self.ref.name

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


class _Table:
    """The grade conditions evaluated on a grid of points, each point a tuple of indices into the axes."""

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
            ctx = Context({}, {})
            for axis, i in zip(self.axes, point):
                if isinstance(axis.ref, ast.ScoreRef):
                    ctx.score = axis.values[i]
                elif isinstance(axis.ref, ast.VariantRef):
                    ctx.variant = axis.values[i]
                else:
                    ctx.values[axis.ref.name] = axis.values[i]
            self.memo[point] = tuple(g for g, clauses in enumerate(self.conditions)
                                     if all(clause(ctx) is True for clause in clauses))
        return self.memo[point]

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

    def where(self, point: tuple) -> str:
        return ", ".join(f"{axis.name} = {self.value(a, point)}" for a, axis in enumerate(self.axes))


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


def _reads(expr: ast.Expr, found: dict, sign: int = 1) -> bool:
    """Record the variables a clause compares, with their constants; False if it reads anything else.
    `sign` is -1 under a `not`, which turns a lower bound into an upper one."""
    if isinstance(expr, ast.Logic):
        return all([_reads(operand, found, sign) for operand in expr.operands])
    if isinstance(expr, ast.Not):
        return _reads(expr.operand, found, -sign)
    if isinstance(expr, ast.Boolean):
        return True
    if _variable(expr) and expr.type.kind == "bool":
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
        if _variable(subject) and subject.type.kind != "bool" and None not in constants:
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
    expr = next(let.expr for let in model.lets if let.name == ref.name)
    if not (isinstance(expr, ast.Call) and expr.function in ("min", "max")):
        return None, None
    limits = [c for c in (_constant(arg, type_) for arg in expr.args) if c is not None]
    if not limits:
        return None, None
    return (None, min(limits)) if expr.function == "min" else (max(limits), None)
