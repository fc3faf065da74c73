"""The operations compiled closures are made of: reading the evidence, three-valued logic, operations that
propagate unknown values, exact unit conversions and aggregation over lists.

Each takes and returns closures `ctx -> value`; a value is a Decimal, text, bool, date or an unknown
(Missing or Failure, see values.py), which flows through instead of raising.
"""
from __future__ import annotations

import decimal
from decimal import Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, Rounded
from collections.abc import Callable

from ..language import ast
from ..language.functions import parse_date, show
from ..language.types import Type
from ..language.units import convert
from ..language.values import OUTSIDE, UNKNOWN, Failure, Missing, combine

Fn = Callable[["Any"], "Any"]
ZERO = Decimal(0)


def kleene(values, decisive: bool):
    """Three-valued `or` (decisive true) or `and` (decisive false), stopping at the first deciding value."""
    unknown = []
    for value in values:
        if value is decisive:
            return decisive
        if value is not (not decisive):
            unknown.append(value)
    return combine(*unknown) if unknown else (not decisive)


def strict(operation: Callable, fns: list[Fn]) -> Fn:
    """An operation whose result is unknown when any operand is."""
    if len(fns) == 1:
        (a,) = fns

        def unary(ctx):
            v = a(ctx)
            return v if isinstance(v, UNKNOWN) else operation(v)
        return unary
    if len(fns) == 2:
        a, b = fns
        # A literal operand (`x >= 80%`, `100% - x`) is known: neither called nor checked.
        if is_known_constant(b):
            y = b.constant

            def binary_constant_right(ctx):
                x = a(ctx)
                return combine(x, y) if isinstance(x, UNKNOWN) else operation(x, y)
            return binary_constant_right
        if is_known_constant(a):
            x = a.constant

            def binary_constant_left(ctx):
                y = b(ctx)
                return combine(x, y) if isinstance(y, UNKNOWN) else operation(x, y)
            return binary_constant_left

        def binary(ctx):
            x, y = a(ctx), b(ctx)
            if isinstance(x, UNKNOWN) or isinstance(y, UNKNOWN):
                return combine(x, y)
            return operation(x, y)
        return binary

    def nary(ctx):
        values = [f(ctx) for f in fns]
        if any_unknown(values):
            return combine(*values)
        return operation(*values)
    return nary


def any_unknown(values: list) -> bool:
    for value in values:  # a plain loop: any() over a generator costs more than the checks
        if isinstance(value, UNKNOWN):
            return True
    return False


def bounded(applies: Fn, compute: Fn) -> Fn:
    """A `let … when COND`: its value while COND holds, OUTSIDE (a 0) when it does not, unknown while COND is."""
    def inside(ctx):
        holds = applies(ctx)
        if holds is True:
            return compute(ctx)
        return OUTSIDE if holds is False else holds
    return inside


def constant(value) -> Fn:
    """A closure that always gives `value`, marked so that operations on it can use the value directly."""
    def constant(ctx):
        return value
    constant.constant = value
    return constant


def is_known_constant(fn: Fn) -> bool:
    return hasattr(fn, "constant") and not isinstance(fn.constant, UNKNOWN)


# Folding a literal's conversion must not round: then it equals what evaluation would compute.
EXACT = decimal.Context(prec=34, traps=[Inexact, Rounded, InvalidOperation, DivisionByZero, Overflow])


def converter(compute: Fn, factor) -> Fn:
    """`compute`'s value multiplied by an exact unit factor; a literal's (`100%`, `0 MWh`) once, here."""
    if factor == 1:
        return compute
    if is_known_constant(compute):
        try:
            with decimal.localcontext(EXACT):
                return constant(convert(compute.constant, factor))
        except decimal.DecimalException:
            pass
    # The steps of units.convert, with the factor's Decimals made once.
    numerator, denominator = Decimal(factor.numerator), Decimal(factor.denominator)
    if denominator == 1:
        def multiplied(ctx):
            value = compute(ctx)
            return value if isinstance(value, UNKNOWN) else value * numerator
        return multiplied
    if numerator == 1:
        def divided(ctx):
            value = compute(ctx)
            return value if isinstance(value, UNKNOWN) else value / denominator
        return divided
    return lambda ctx: scaled(compute(ctx), factor)


def scaled(value, factor):
    return value if isinstance(value, UNKNOWN) else convert(value, factor)


def coerce(value, type_: Type):
    if type_ is not None and type_.kind == "date" and isinstance(value, str):
        return parse_date(value)
    return value


def evidence_getter(path: tuple[str, ...], type_: Type) -> Fn:
    missing = Missing((ast.pointer_of(path),))
    # Most paths are one to three keys deep: unrolled, they skip the loop (which also steps into lists
    # and reads dates).
    unrolled = not (type_ is not None and type_.kind == "date") and all(isinstance(k, str) for k in path)
    if unrolled and len(path) == 1:
        (k1,) = path

        def get1(ctx):
            node = ctx.evidence
            node = node.get(k1) if isinstance(node, dict) else None  # any mapping a caller passes
            return missing if node is None else node
        return get1
    if unrolled and len(path) == 2:
        k1, k2 = path

        def get2(ctx):
            node = ctx.evidence
            node = node.get(k1) if isinstance(node, dict) else None
            node = node.get(k2) if isinstance(node, dict) else None
            return missing if node is None else node
        return get2
    if unrolled and len(path) == 3:
        k1, k2, k3 = path

        def get3(ctx):
            node = ctx.evidence
            node = node.get(k1) if isinstance(node, dict) else None
            node = node.get(k2) if isinstance(node, dict) else None
            node = node.get(k3) if isinstance(node, dict) else None
            return missing if node is None else node
        return get3

    def get(ctx):
        node = ctx.evidence
        for key in path:
            node = step(node, key)
            if node is None:
                return missing
        return coerce(node, type_)
    return get


def step(node, key):
    """One key (a text) or list position (a number) further into the evidence, or None."""
    if isinstance(key, int):
        return node[key] if isinstance(node, list) and -len(node) <= key < len(node) else None
    return node.get(key) if isinstance(node, dict) else None  # any mapping a caller passes


def var_getter(name: str, path: tuple[str, ...], type_: Type) -> Fn:
    suffix = ast.pointer_of(path)
    if not (type_ is not None and type_.kind == "date") and len(path) == 1 and isinstance(path[0], str):
        # `s.mass`: the common case, unrolled
        (k1,) = path

        def get1(ctx):
            node, pointer = ctx.vars[name]
            node = node.get(k1) if isinstance(node, dict) else None
            return Missing((pointer + suffix,)) if node is None else node
        return get1

    def get(ctx):
        node, pointer = ctx.vars[name]
        for key in path:
            node = step(node, key)
            if node is None:
                return Missing((pointer + suffix,))
        return coerce(node, type_)
    return get


def aggregate(function: str, source, variable: str | None, item: Fn | None, where: Fn | None,
              lets: tuple[tuple[str, Fn], ...] = ()) -> Fn:
    """`function` over the list `source` gives; each item bound to `variable`, then each of `lets` worked out
    and bound in order, then the item kept if `where` holds and `item` computed."""
    deciding = {"any": True, "all": False}.get(function)  # the item value after which any/all need no more

    def items(ctx) -> list:
        """Each item's value (or the item itself without an item expression), up to a deciding one."""
        found, pointer = source(ctx)
        if isinstance(found, UNKNOWN):
            return [found]
        if variable is None:
            return [element if element is not None else Missing((f"{pointer}/{index}",))
                    for index, element in enumerate(found)]
        values = []
        # An enclosing aggregation may use the same names: their bindings come back afterwards.
        outer = ctx.vars.get(variable)
        outer_lets = [(name, ctx.vars.get(name)) for name, _ in lets]
        try:
            for index, element in enumerate(found):
                here = f"{pointer}/{index}"
                ctx.vars[variable] = (element, here)
                for name, let in lets:
                    ctx.vars[name] = (let(ctx), here)
                if where is not None:
                    keep = where(ctx)
                    if keep is False:
                        continue
                    if keep is not True:
                        values.append(keep)
                        continue
                value = item(ctx) if item is not None else True
                values.append(value)
                if value is deciding:
                    break
        finally:
            for name, value in [*reversed(outer_lets), (variable, outer)]:
                if value is not None:
                    ctx.vars[name] = value
                else:
                    ctx.vars.pop(name, None)
        return values

    return lambda ctx: fold(function, items(ctx))


def fold(function: str, values: list):
    """An aggregation's result from its items' values (each possibly unknown)."""
    if function in ("any", "all"):
        return kleene(values, function == "any")
    unknown = [v for v in values if isinstance(v, UNKNOWN)]
    if unknown:
        return combine(*unknown)
    if function == "count":
        return Decimal(len(values))
    if function == "sum":
        return sum(values, ZERO)
    if not values:
        return Failure(f"{function}() of an empty list")
    if function == "avg":
        return sum(values, ZERO) / len(values)
    return min(values) if function == "min" else max(values)


def present(value) -> bool:
    if isinstance(value, Missing):
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


_NAMING_KEYS = ("id", "code", "serial", "serial_number", "number", "name")


def first_false(source, variable: str, item: Fn, where: Fn | None, lets: tuple[tuple[str, Fn], ...],
                describe: Callable[[int, str, str | None], str]) -> Fn:
    """For an `all(…)` that came out false: `describe(position from 1, pointer, name)` of the first item kept
    by the filter whose value is false, the item's name being its first text field that names it (`id`,
    `code`, `serial`, … or a key ending `_id`, `_code`, `_no`); None when there is none."""
    def find(ctx):
        found, pointer = source(ctx)
        if not isinstance(found, list):
            return None
        outer, ctx.vars = ctx.vars, dict(ctx.vars)
        try:
            for index, element in enumerate(found):
                here = f"{pointer}/{index}"
                ctx.vars[variable] = (element, here)
                for name, let in lets:
                    ctx.vars[name] = (let(ctx), here)
                if (where is None or where(ctx) is True) and item(ctx) is False:
                    return describe(index + 1, here, _name_of(element))
        finally:
            ctx.vars = outer
        return None
    return find


def _name_of(element) -> str | None:
    if not isinstance(element, dict):
        return None
    return next((value for key, value in element.items() if isinstance(value, str) and value.strip()
                 and (key in _NAMING_KEYS or key.endswith(("_id", "_code", "_no")))), None)


def table_cell(table_name: str, data: dict, columns: list | None, keys: list):
    """The cell of a table at known keys (a row, and a column if the table has columns), or why there is none."""
    row = data.get(keys[0])
    if row is None:
        return Failure(f"table {table_name} has no row {show(keys[0])}")
    column = 0
    if columns:
        if keys[1] not in columns:
            return Failure(f"table {table_name} has no column {show(keys[1])}")
        column = columns.index(keys[1])
    cell = row[column]
    if cell is None:
        return Failure(f"table {table_name} gives no value for {', '.join(show(v) for v in keys)}")
    return cell
