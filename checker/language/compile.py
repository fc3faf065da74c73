"""Compile phase: typed model → Python closures that evaluate one application.

Every unit conversion the check phase found necessary is resolved here into
an exact factor, so evaluation only does Decimal arithmetic. Nothing a ruleset
says can reach Python: the closures are built from a fixed set of operations.
"""
from __future__ import annotations

import decimal
import operator
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, Rounded
from typing import Any, Callable

from ..language import ast
from ..language.check import Model
from ..evaluation.result import ItemInfo
from ..language.functions import FUNCTIONS, Function, parse_date, show
from ..language.types import Type
from ..language.units import ONE, convert, parse_unit
from ..language.values import UNKNOWN, Failure, Missing, combine

Fn = Callable[[Any], Any]
ZERO = Decimal(0)


class Context:
    """What one evaluation reads and writes: evidence, parameters, computed values."""

    __slots__ = ("evidence", "params", "values", "vars", "score", "variant")

    def __init__(self, evidence: dict, params: dict):
        self.evidence = evidence
        self.params = params
        self.values: dict[str, Any] = {}
        self.vars: dict[str, tuple[Any, str]] = {}
        self.score = None
        self.variant = None


@dataclass
class Input:
    """A value an item's condition reads directly, recorded for its explanation."""

    name: str
    type: Type
    get: Fn
    let: str | None = None  # the let it names, if any


@dataclass
class CompiledLet:
    node: ast.Let
    evaluate: Fn
    inputs: list[Input]
    reported: bool  # no item reads it: its own missing evidence is reported (e.g. a fine's range)
    type: Type  # in the declared unit, if any
    item: ItemInfo


@dataclass
class CompiledRequirement:
    node: ast.Requirement
    when: Fn | None
    condition: Fn
    waiver: Fn | None
    inputs: list[Input]
    item: ItemInfo


@dataclass
class CompiledTier:
    points: Decimal
    condition: Fn | None
    text: str


@dataclass
class CompiledCriterion:
    node: ast.Criterion
    when: Fn | None
    method: str  # tiers, scale, assessed, points
    tiers: list[CompiledTier]
    value: Fn | None  # scale value, assessed points or points expression
    start: Fn | None
    end: Fn | None
    inputs: list[Input]
    item: ItemInfo


@dataclass
class CompiledClause:
    text: str
    condition: Fn
    inputs: list[Input]
    node: ast.Expr
    item: ItemInfo


@dataclass
class CompiledGrade:
    node: ast.Grade
    clauses: list[CompiledClause]
    label: dict


@dataclass
class CompiledSection:
    node: ast.Section
    criteria: list[CompiledCriterion]
    label: dict


@dataclass
class Program:
    model: Model
    params: dict[str, tuple[Type, Fn | None]]  # qualified name → type, default
    lets: list[CompiledLet]
    variant: Fn | None
    requirements: list[CompiledRequirement]
    sections: list[CompiledSection]
    grades: list[CompiledGrade]


def compile_model(model: Model) -> Program:
    return Compiler(model).program()


class Compiler:
    def __init__(self, model: Model):
        self.model = model
        self.tables = {name: _table_data(t) for name, t in model.tables.items()}
        self.let_types = {let.name: let.expr.type for let in model.lets}

    def program(self) -> Program:
        m = self.model
        params = {}
        for name, param in m.params.items():
            default = self.expr(param.default) if param.default is not None else None
            unit_type = Type("number", parse_unit(param.unit)) if param.unit else (
                param.default.type if param.default is not None else Type("number", ONE))
            params[name] = (unit_type, default)
        read_by_items = _lets_read_by_items(m)
        lets = [self.compiled_let(let, let.name not in read_by_items) for let in m.lets]
        requirements = [self.requirement(r) for r in m.requirements]
        sections = [CompiledSection(s, [self.criterion(c, s.id) for c in s.criteria], label_of(s.label))
                    for s in m.sections]
        grades = [CompiledGrade(g, [self.clause(c) for c in _clauses(g.condition)], label_of(g.label))
                  for g in (m.grades.grades if m.grades else [])]
        variant = self.expr(m.variant.selector) if m.variant else None
        return Program(m, params, lets, variant, requirements, sections, grades)

    # Each item's result constants (ItemInfo) are made here, once, instead of in every evaluation.
    def compiled_let(self, let: ast.Let, reported: bool) -> CompiledLet:
        inputs, type_ = self.inputs(let.expr), _let_type(let)
        return CompiledLet(let, self.let(let), inputs, reported, type_, ItemInfo(
            "value", let.name, label_of(let.label), let.cite, inputs, {"type": type_, "formula": let.expr.text}))

    def requirement(self, r: ast.Requirement) -> CompiledRequirement:
        inputs = self.inputs(r.condition)
        return CompiledRequirement(r, self.optional(r.when), self.expr(r.condition),
                                   self.waiver(r.id) if r.waivable else None, inputs,
                                   ItemInfo("requirement", r.id, label_of(r.label), r.cite, inputs,
                                            {"condition": r.condition.text}))

    def clause(self, condition: ast.Expr) -> CompiledClause:
        inputs = self.inputs(condition)
        return CompiledClause(condition.text, self.expr(condition), inputs, condition,
                              ItemInfo("grade-condition", condition.text, None, None, inputs,
                                       {"condition": condition.text}))

    def optional(self, expr: ast.Expr | None) -> Fn | None:
        return self.expr(expr) if expr is not None else None

    def waiver(self, item_id: str) -> Fn:
        def waiver(ctx):
            reasons = ctx.evidence.get("waivers")
            reason = reasons.get(item_id) if isinstance(reasons, dict) else None
            return reason if isinstance(reason, str) and reason.strip() else None
        return waiver

    def let(self, let: ast.Let) -> Fn:
        compute = self.expr(let.expr)
        if let.unit is None or let.expr.type.kind != "number":
            return compute
        return _converter(compute, let.expr.type.unit.factor_to(parse_unit(let.unit)))

    def criterion(self, c: ast.Criterion, section: str) -> CompiledCriterion:
        s = c.scoring
        when = self.optional(c.when)

        def compiled(method, tiers, value, start, end, inputs):
            return CompiledCriterion(c, when, method, tiers, value, start, end, inputs, ItemInfo(
                "criterion", c.id, label_of(c.label), c.cite, inputs, {}, c.max, method, section))
        if isinstance(s, ast.Tiers):
            tiers = [CompiledTier(t.points, self.optional(t.condition), t.condition.text if t.condition else "")
                     for t in s.tiers]
            inputs = []
            for t in s.tiers:
                if t.condition is not None:
                    inputs += [i for i in self.inputs(t.condition) if i.name not in {x.name for x in inputs}]
            return compiled("tiers", tiers, None, None, None, inputs)
        if isinstance(s, ast.Scale):
            unit = s.value.type.unit
            return compiled("scale", [], self.expr(s.value), self.converted(s.start, unit),
                            self.converted(s.end, unit), self.inputs(s.value))
        # Points are plain numbers: `points evidence.share * 10` with a share of 60% is 6 points, not 600.
        if isinstance(s, ast.Assessed):
            return compiled("assessed", [], self.converted(s.source, ONE), None, None, self.inputs(s.source))
        return compiled("points", [], self.converted(s.value, ONE), None, None, self.inputs(s.value))

    def converted(self, expr: ast.Expr, unit) -> Fn:
        compute = self.expr(expr)
        if expr.type is None or expr.type.kind != "number" or not expr.type.unit.compatible(unit):
            return compute
        return _converter(compute, expr.type.unit.factor_to(unit))

    # Inputs: the names and evidence paths an expression reads directly.
    def inputs(self, expr: ast.Expr) -> list[Input]:
        found: dict[str, Input] = {}
        for node in _input_nodes(expr):
            if node.text not in found:
                let = node.ref.name if isinstance(node.ref, ast.LetRef) else None
                found[node.text] = Input(node.text, node.type, self.expr(node), let)
        return list(found.values())

    # Expressions
    def expr(self, expr: ast.Expr) -> Fn:
        return getattr(self, "c_" + type(expr).__name__.lower())(expr)

    def c_number(self, expr: ast.Number) -> Fn:
        return _constant(expr.value)

    def c_string(self, expr: ast.String) -> Fn:
        return _constant(expr.value)

    def c_boolean(self, expr: ast.Boolean) -> Fn:
        return _constant(expr.value)

    def c_name(self, expr: ast.Name) -> Fn:
        return self._reference(expr)

    def c_field(self, expr: ast.Field) -> Fn:
        return self._reference(expr)

    def _reference(self, expr) -> Fn:
        ref = expr.ref
        if isinstance(ref, ast.EvidenceRef):
            return _evidence_getter(ref.path, expr.type)
        if isinstance(ref, ast.VarRef):
            return _var_getter(ref.name, ref.path, expr.type)
        if isinstance(ref, ast.LetRef):
            name = ref.name
            return lambda ctx: ctx.values[name]
        if isinstance(ref, ast.ParamRef):
            name = ref.name
            missing = Missing((f"param:{name}",))
            return lambda ctx: ctx.params.get(name, missing)
        if isinstance(ref, ast.ScoreRef):
            return lambda ctx: ctx.score
        if isinstance(ref, ast.VariantRef):
            return lambda ctx: ctx.variant
        raise AssertionError(f"unresolved reference {ref}")  # the check phase resolves every name

    def list_source(self, expr: ast.Expr) -> Callable[[Any], tuple[Any, str]]:
        ref = expr.ref
        if isinstance(ref, ast.EvidenceRef):
            get, pointer = _evidence_getter(ref.path, expr.type), ref.pointer
            return lambda ctx: (get(ctx), pointer)
        name, path = ref.name, ref.path
        get = _var_getter(name, path, expr.type)
        suffix = ast.pointer_of(path)
        return lambda ctx: (get(ctx), ctx.vars[name][1] + suffix)

    def c_index(self, expr: ast.Index) -> Fn:
        if expr.ref is not None:  # `list[2]`: a path into the evidence
            return self._reference(expr)
        if expr.base.type.kind == "list":
            return self.list_item(expr)
        table_name = expr.base.ref.name
        data = self.tables[table_name]
        keys = [self.expr(k) for k in expr.keys]
        columns = self.model.tables[table_name].columns

        def lookup(ctx):
            values = [k(ctx) for k in keys]
            if _any_unknown(values):
                return combine(*values)
            row = data.get(values[0])
            if row is None:
                return Failure(f"table {table_name} has no row {show(values[0])}")
            column = 0
            if columns:
                if values[1] not in columns:
                    return Failure(f"table {table_name} has no column {show(values[1])}")
                column = columns.index(values[1])
            cell = row[column]
            if cell is None:
                return Failure(f"table {table_name} gives no value for {', '.join(show(v) for v in values)}")
            return cell
        return lookup

    def list_item(self, expr: ast.Index) -> Fn:
        """`list[n]` with a computed n: the n-th item counting from 1, missing past the end."""
        source, position = self.list_source(expr.base), self.expr(expr.keys[0])

        def item(ctx):
            (found, pointer), n = source(ctx), position(ctx)
            if isinstance(found, UNKNOWN) or isinstance(n, UNKNOWN):
                return combine(found, n)
            if n < 1 or n != n.to_integral_value():
                return Failure(f"list positions are whole numbers counted from 1, not {n}")
            value = found[int(n) - 1] if n <= len(found) else None
            return Missing((f"{pointer}/{int(n) - 1}",)) if value is None else value
        return item

    def c_call(self, expr: ast.Call) -> Fn:
        function = FUNCTIONS[expr.function]
        return getattr(self, "call_" + function.form)(expr, function)

    def call_plain(self, expr: ast.Call, function: Function) -> Fn:
        return _strict(function.compute, [self.expr(a) for a in expr.args])

    call_date = call_plain

    def call_present(self, expr: ast.Call, function: Function) -> Fn:
        inner = self.expr(expr.args[0])
        return lambda ctx: _present(inner(ctx))

    def call_aggregate(self, expr: ast.Call, function: Function) -> Fn:
        return _aggregate(function.name, self.list_source(expr.args[0]), None, None, None)

    def call_extreme(self, expr: ast.Call, function: Function) -> Fn:
        if len(expr.args) == 1:
            return self.call_aggregate(expr, function)
        unit = expr.type.unit
        fns = [self.converted(a, unit) for a in expr.args]
        pick = min if function.name == "min" else max
        return _strict(lambda *v: pick(v), fns)

    def call_item(self, expr: ast.Call, function: Function) -> Fn:
        if expr.ref is not None:
            return self._reference(expr)
        source = self.list_source(expr.args[0])
        last = function.name == "last"

        def item(ctx):
            found, pointer = source(ctx)
            if isinstance(found, UNKNOWN):
                return found
            value = (found[-1] if last else found[0]) if found else None
            return Missing((f"{pointer}/{'-' if last else 0}",)) if value is None else value
        return item

    def call_has_row(self, expr: ast.Call, function: Function) -> Fn:
        rows = self.tables[expr.args[0].ref.name]
        return _strict(lambda key: key in rows, [self.expr(expr.args[1])])

    def call_latest(self, expr: ast.Call, function: Function) -> Fn:
        table_name = expr.args[0].ref.name
        data = self.tables[table_name]
        key = self.expr(expr.args[1])
        numeric = sorted(k for k in data if isinstance(k, Decimal))

        def latest(ctx):
            wanted = key(ctx)
            if isinstance(wanted, UNKNOWN):
                return wanted
            usable = [k for k in numeric if k <= wanted]
            if not usable:
                return Failure(f"table {table_name} has no row at or before {show(wanted)}")
            return data[usable[-1]][0]
        return latest

    def c_aggregate(self, expr: ast.Aggregate) -> Fn:
        source = self.list_source(expr.source)
        item = self.expr(expr.item)
        where = self.optional(expr.where)
        return _aggregate(expr.function, source, expr.variable, item, where)

    def c_negate(self, expr: ast.Negate) -> Fn:
        operand = self.expr(expr.operand)
        return _strict(lambda v: -v, [operand])

    def c_arith(self, expr: ast.Arith) -> Fn:
        left = self.expr(expr.left)
        right = self.converted(expr.right, expr.left.type.unit) if expr.op in "+-" else self.expr(expr.right)
        op = expr.op
        if op in "+-*":
            return _strict({"+": operator.add, "-": operator.sub, "*": operator.mul}[op], [left, right])
        text = expr.text

        def divide(ctx):
            a, b = left(ctx), right(ctx)
            if isinstance(a, UNKNOWN) or isinstance(b, UNKNOWN):
                return combine(a, b)
            if not b:
                return Failure(f"division by zero in `{text}`")
            try:
                return a / b
            except (DivisionByZero, InvalidOperation):
                return Failure(f"`{text}` cannot be computed")
        return divide

    def c_compare(self, expr: ast.Compare) -> Fn:
        left = self.expr(expr.left)
        right = self.expr(expr.right)
        if expr.left.type.kind == "number" and expr.right.type.kind == "number":
            right = self.converted(expr.right, expr.left.type.unit)
        operation = {"==": operator.eq, "!=": operator.ne, "<": operator.lt,
                     "<=": operator.le, ">": operator.gt, ">=": operator.ge}[expr.op]
        return _strict(operation, [left, right])

    def c_within(self, expr: ast.Within) -> Fn:
        unit = expr.value.type.unit
        value = self.expr(expr.value)
        lower, upper = self.converted(expr.lower, unit), self.converted(expr.upper, unit)
        low_ok = (lambda v, lo: v >= lo) if expr.lower_closed else (lambda v, lo: v > lo)
        high_ok = (lambda v, hi: v <= hi) if expr.upper_closed else (lambda v, hi: v < hi)
        return _strict(lambda v, lo, hi: low_ok(v, lo) and high_ok(v, hi), [value, lower, upper])

    def c_member(self, expr: ast.Member) -> Fn:
        value = self.expr(expr.value)
        unit = expr.value.type.unit if expr.value.type.kind == "number" else None
        options = [self.converted(o, unit) if unit else self.expr(o) for o in expr.options]
        if all(_is_known_constant(o) for o in options):  # `x in {3, 4}`: a fixed tuple
            fixed = tuple(o.constant for o in options)
            return _strict(lambda v: v in fixed, [value])
        return _strict(lambda v, *opts: v in opts, [value, *options])

    def c_logic(self, expr: ast.Logic) -> Fn:
        operands = [self.expr(o) for o in expr.operands]
        decisive = expr.op == "or"
        return lambda ctx: _kleene((operand(ctx) for operand in operands), decisive)

    def c_not(self, expr: ast.Not) -> Fn:
        operand = self.expr(expr.operand)
        return _strict(lambda v: not v, [operand])

    def c_coalesce(self, expr: ast.Coalesce) -> Fn:
        value = self.expr(expr.value)
        fallback = self.converted(expr.fallback, expr.value.type.unit) if expr.value.type.kind == "number" \
            else self.expr(expr.fallback)

        def coalesce(ctx):
            found = value(ctx)
            return fallback(ctx) if isinstance(found, Missing) else found
        return coalesce

    def c_conditional(self, expr: ast.Conditional) -> Fn:
        condition = self.expr(expr.condition)
        unit = expr.type.unit if expr.type.kind == "number" else None
        then = self.converted(expr.then, unit) if unit else self.expr(expr.then)
        otherwise = self.converted(expr.otherwise, unit) if unit else self.expr(expr.otherwise)

        def conditional(ctx):
            decided = condition(ctx)
            if decided is True:
                return then(ctx)
            if decided is False:
                return otherwise(ctx)
            return decided
        return conditional


def label_of(text: ast.Label | None) -> dict | None:
    """A label as results give it: English falls back to Chinese."""
    return {"zh": text.zh, "en": text.en or text.zh} if text is not None else None


def _let_type(let: ast.Let) -> Type:
    if let.unit is not None and let.expr.type.kind == "number":
        return Type("number", parse_unit(let.unit))
    return let.expr.type


def _lets_named(node) -> set[str]:
    """Every let an expression (or scoring rule) reads directly, at any depth."""
    return {n.ref.name for n in node.walk() if isinstance(n, ast.Expr) and isinstance(n.ref, ast.LetRef)}


def _lets_read_by_items(model: Model) -> set[str]:
    """The lets that requirements, criteria, grades or the variant read, directly or through other lets."""
    reads = {let.name: _lets_named(let.expr) for let in model.lets}
    items = [*model.requirements, *(c for s in model.sections for c in s.criteria),
             *(model.grades.grades if model.grades else []), *([model.variant] if model.variant else [])]
    pending = set().union(*(_lets_named(item) for item in items)) if items else set()
    used: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending |= reads.get(name, set())
    return used


def _clauses(condition: ast.Expr) -> list[ast.Expr]:
    """A grade's condition split at its top-level `and`, so each clause is reported on its own."""
    if isinstance(condition, ast.Logic) and condition.op == "and":
        return list(condition.operands)
    return [condition]


_INPUT_REFS = (ast.LetRef, ast.ParamRef, ast.EvidenceRef, ast.ScoreRef, ast.VariantRef)


def _is_input(expr) -> bool:
    """A named value an explanation shows: a let, parameter, evidence value, the score or the variant."""
    return isinstance(expr, ast.Expr) and isinstance(expr.ref, _INPUT_REFS) and expr.type is not None \
        and expr.type.kind not in ("list", "record", "table", "library")


def _input_nodes(expr: ast.Expr):
    """The inputs an expression reads directly; of an aggregation only its list (an item's values are not
    the expression's inputs)."""
    for node in expr.walk(prune=lambda n: _is_input(n) or isinstance(n, ast.Aggregate)):
        if _is_input(node):
            yield node
        elif isinstance(node, ast.Aggregate):
            yield from _input_nodes(node.source)


def _kleene(values, decisive: bool):
    """Three-valued `or` (decisive true) or `and` (decisive false), stopping at the first deciding value."""
    unknown = []
    for value in values:
        if value is decisive:
            return decisive
        if value is not (not decisive):
            unknown.append(value)
    return combine(*unknown) if unknown else (not decisive)


def _strict(operation: Callable, fns: list[Fn]) -> Fn:
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
        if _is_known_constant(b):
            y = b.constant

            def binary_constant_right(ctx):
                x = a(ctx)
                return combine(x, y) if isinstance(x, UNKNOWN) else operation(x, y)
            return binary_constant_right
        if _is_known_constant(a):
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
        if _any_unknown(values):
            return combine(*values)
        return operation(*values)
    return nary


def _any_unknown(values: list) -> bool:
    for value in values:  # a plain loop: any() over a generator costs more than the checks
        if isinstance(value, UNKNOWN):
            return True
    return False


def _constant(value) -> Fn:
    """A closure that always gives `value`, marked so that operations on it can use the value directly."""
    def constant(ctx):
        return value
    constant.constant = value
    return constant


def _is_known_constant(fn: Fn) -> bool:
    return hasattr(fn, "constant") and not isinstance(fn.constant, UNKNOWN)


# Folding a literal's conversion must not round: then it equals what evaluation would compute.
_EXACT = decimal.Context(prec=34, traps=[Inexact, Rounded, InvalidOperation, DivisionByZero, Overflow])


def _converter(compute: Fn, factor) -> Fn:
    """`compute`'s value multiplied by an exact unit factor; a literal's (`100%`, `0 MWh`) once, here."""
    if factor == 1:
        return compute
    if _is_known_constant(compute):
        try:
            with decimal.localcontext(_EXACT):
                return _constant(convert(compute.constant, factor))
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
    return lambda ctx: _scaled(compute(ctx), factor)


def _scaled(value, factor):
    return value if isinstance(value, UNKNOWN) else convert(value, factor)


def _coerce(value, type_: Type):
    if type_ is not None and type_.kind == "date" and isinstance(value, str):
        return parse_date(value)
    return value


def _evidence_getter(path: tuple[str, ...], type_: Type) -> Fn:
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
            node = _step(node, key)
            if node is None:
                return missing
        return _coerce(node, type_)
    return get


def _step(node, key):
    """One key (a text) or list position (a number) further into the evidence, or None."""
    if isinstance(key, int):
        return node[key] if isinstance(node, list) and -len(node) <= key < len(node) else None
    return node.get(key) if isinstance(node, dict) else None  # any mapping a caller passes


def _var_getter(name: str, path: tuple[str, ...], type_: Type) -> Fn:
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
            node = _step(node, key)
            if node is None:
                return Missing((pointer + suffix,))
        return _coerce(node, type_)
    return get


def _aggregate(function: str, source, variable: str | None, item: Fn | None, where: Fn | None) -> Fn:
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
        # An enclosing aggregation may use the same variable name: its binding comes back afterwards.
        outer = ctx.vars.get(variable)
        try:
            for index, element in enumerate(found):
                ctx.vars[variable] = (element, f"{pointer}/{index}")
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
            if outer is not None:
                ctx.vars[variable] = outer
            else:
                ctx.vars.pop(variable, None)
        return values

    if function == "count":
        def count(ctx):
            values = items(ctx)
            unknown = [v for v in values if isinstance(v, UNKNOWN)]
            return combine(*unknown) if unknown else Decimal(len(values))
        return count
    if function in ("any", "all"):
        decisive = function == "any"
        return lambda ctx: _kleene(items(ctx), decisive)

    def numeric(ctx):
        values = items(ctx)
        unknown = [v for v in values if isinstance(v, UNKNOWN)]
        if unknown:
            return combine(*unknown)
        if function == "sum":
            return sum(values, ZERO)
        if not values:
            return Failure(f"{function}() of an empty list")
        if function == "avg":
            return sum(values, ZERO) / len(values)
        return min(values) if function == "min" else max(values)
    return numeric


def _present(value) -> bool:
    if isinstance(value, Missing):
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def _table_data(table: ast.Table) -> dict:
    return {row.key: row.cells for row in table.rows}
