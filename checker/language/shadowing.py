"""Literal conditions compared exactly: shadowed tiers (whether every value a later tier accepts is taken by
an earlier one) and the values a parameter allows.

Only simple conditions are compared (a constant bound, an interval, a set of texts, `true`); for any other
condition the answer is "not shown to be shadowed".
"""
from __future__ import annotations

from fractions import Fraction

from ..language import ast
from ..language.units import ONE, UnitError, parse_unit


def literal_value(expr: ast.Expr) -> tuple[Fraction, tuple] | None:
    """A literal quantity as an exact fraction of its dimension's base unit."""
    if isinstance(expr, ast.Number):
        try:
            unit = parse_unit(expr.unit) if expr.unit else ONE
        except UnitError:
            return None
        return Fraction(expr.value) * unit.scale, unit.dimension
    if isinstance(expr, ast.Negate):
        inner = literal_value(expr.operand)
        return (-inner[0], inner[1]) if inner else None
    return None


def _accepted(condition: ast.Expr):
    """The values a simple condition accepts: ("*",) for `true`; (subject, {texts}) for `x == "t"` and
    `x in {"t", …}`; (subject, low, low_closed, high, high_closed) for `x op constant`, `x == constant`
    and `x in (a, b]`, each bound an exact fraction of its dimension's base unit."""
    if isinstance(condition, ast.Boolean) and condition.value:
        return ("*",)
    if isinstance(condition, ast.Member) and all(isinstance(o, ast.String) for o in condition.options):
        return (condition.value.text, frozenset(o.value for o in condition.options))
    if isinstance(condition, ast.Compare) and condition.op != "!=":
        subject = condition.left.text
        if isinstance(condition.right, ast.String):
            return (subject, frozenset([condition.right.value])) if condition.op == "==" else None
        bound = literal_value(condition.right)
        if bound is None:
            return None
        if condition.op == "==":
            return (subject, bound, True, bound, True)
        if condition.op in (">", ">="):
            return (subject, bound, condition.op == ">=", None, True)
        return (subject, None, True, bound, condition.op == "<=")
    if isinstance(condition, ast.Within):
        low, high = literal_value(condition.lower), literal_value(condition.upper)
        if low is None or high is None:
            return None
        return (condition.value.text, low, condition.lower_closed, high, condition.upper_closed)
    return None


def implies(later: ast.Expr, earlier: ast.Expr) -> bool:
    """True when every value `later` accepts is accepted by `earlier` too (so `later` is shadowed)."""
    a, b = _accepted(later), _accepted(earlier)
    if a is None or b is None:
        return False
    if b[0] == "*":
        return True
    if a[0] != b[0] or len(a) != len(b):
        return False
    if len(a) == 2:
        return a[1] <= b[1]
    _, a_low, a_low_closed, a_high, a_high_closed = a
    _, b_low, b_low_closed, b_high, b_high_closed = b
    # Bounds in different dimensions are a unit error reported elsewhere; a bare 0 is 0 in any unit.
    if len({bound[1] for bound in (a_low, a_high, b_low, b_high) if bound is not None and bound[0] != 0}) > 1:
        return False
    if b_low is not None:
        if a_low is None or a_low[0] < b_low[0] or (a_low[0] == b_low[0] and a_low_closed and not b_low_closed):
            return False
    if b_high is not None:
        if a_high is None or a_high[0] > b_high[0] or (a_high[0] == b_high[0] and a_high_closed and not b_high_closed):
            return False
    return True


def allowed(param: ast.Param, value: ast.Expr) -> bool:
    """Whether a literal value is among those a parameter allows; True when that cannot be told at load."""
    if param.choices:
        if isinstance(value, ast.String):
            return value.value in {c.value for c in param.choices if isinstance(c, ast.String)}
        given = literal_value(value)
        return given is None or given in {literal_value(c) for c in param.choices}
    if param.range is not None:
        bounds = [b for b in (param.range.lower, param.range.upper) if b is not None]
        given, limits = literal_value(value), [literal_value(b) for b in bounds]
        if given is None or None in limits or any(given[1] != limit[1] for limit in limits):
            return True  # not literal, or in another unit: the unit error is reported elsewhere
        low = literal_value(param.range.lower) if param.range.lower is not None else None
        high = literal_value(param.range.upper) if param.range.upper is not None else None
        above = low is None or given[0] > low[0] or (param.range.lower_closed and given[0] == low[0])
        below = high is None or given[0] < high[0] or (param.range.upper_closed and given[0] == high[0])
        return above and below
    return True
