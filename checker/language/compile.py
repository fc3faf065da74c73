"""Compile phase: typed model → Python closures that evaluate one application.

Every unit conversion the check phase found necessary is resolved here into
an exact factor, so evaluation only does Decimal arithmetic. Nothing a ruleset
says can reach Python: the closures are built from a fixed set of operations.
"""
from __future__ import annotations

import functools
import operator
from decimal import Decimal, DivisionByZero, InvalidOperation

from ..language import ast
from ..language.check import Model
from ..language.functions import FUNCTIONS, Function, show
from ..language.types import Type
from ..language.codegen import generate
from ..language.units import ONE, parse_unit
from ..language.runtime import (Fn, aggregate, any_unknown, bounded, constant, converter, evidence_getter, first_false,
                                table_cell,
                                is_known_constant, kleene, present, strict, var_getter)
from ..language.values import UNKNOWN, Failure, Missing, combine
from ..records import ReadOnly, Record, Shared

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any, Callable


class ItemInfo(Shared):
    """What a result item is, whatever the application: worked out once, when the ruleset is compiled, and
    shared by every result of the ruleset: read-only, its label, cite, detail, inputs and witnesses too."""

    kind: str  # requirement, criterion, grade-condition, value
    id: str
    label: ReadOnly | None
    cite: ReadOnly | None
    inputs: tuple  # the values it reads (Input, below)
    detail: ReadOnly  # the detail no application changes (a condition's text, a value's type and formula)
    max: Decimal | None
    method: str | None
    section: str | None
    witnesses: tuple  # for each `all(…)` it reads, ctx → its first false item
    # What writing the item in a result needs that no application changes (checker.evaluation.result), worked
    # out when first written; neither compared nor shown.
    written: Any
    __compared__ = ("kind", "id", "label", "cite", "inputs", "detail", "max", "method", "section", "witnesses")
    __slots__ = __match_args__ = __compared__ + ("written",)
    __later__ = ("written",)

    def __init__(self, kind, id, label, cite, inputs, detail, max=None, method=None, section=None, witnesses=None,
                 written=None):
        self.settle(kind, id, label, cite, tuple(inputs), ReadOnly(detail), max, method, section,
                    () if witnesses is None else tuple(witnesses), written)


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


class Input(Shared):
    """A value an item's condition reads directly, recorded for its explanation (shared: read-only)."""

    name: str
    type: Type
    get: Fn
    let: str | None  # the let it names, if any
    __match_args__ = ("name", "type", "get", "let")

    def __init__(self, name, type, get, let=None):
        self.settle(name, type, get, let)


class CompiledLet(Record):
    node: ast.Let
    evaluate: Fn
    inputs: list[Input]
    reported: bool  # no item reads it: its own missing evidence is reported (e.g. a fine's range)
    type: Type  # in the declared unit, if any
    item: ItemInfo
    when: Fn | None  # `let … when COND`: outside COND the value is OUTSIDE (not applicable, 0)
    __match_args__ = ("node", "evaluate", "inputs", "reported", "type", "item", "when")

    def __init__(self, node, evaluate, inputs, reported, type, item, when=None):
        self.node, self.evaluate, self.inputs, self.reported = node, evaluate, inputs, reported
        self.type, self.item, self.when = type, item, when


class CompiledRequirement(Record):
    node: ast.Requirement
    when: Fn | None
    condition: Fn
    waiver: Fn | None
    inputs: list[Input]
    item: ItemInfo
    __match_args__ = ("node", "when", "condition", "waiver", "inputs", "item")

    def __init__(self, node, when, condition, waiver, inputs, item):
        self.node, self.when, self.condition, self.waiver, self.inputs, self.item = (
            node, when, condition, waiver, inputs, item)


class CompiledTier(Record):
    points: Decimal
    condition: Fn | None
    text: str
    __match_args__ = ("points", "condition", "text")

    def __init__(self, points, condition, text):
        self.points, self.condition, self.text = points, condition, text


class CompiledCriterion(Record):
    node: ast.Criterion
    when: Fn | None
    method: str  # tiers, scale, assessed, points
    tiers: list[CompiledTier]
    value: Fn | None  # scale value, assessed points or points expression
    start: Fn | None
    end: Fn | None
    inputs: list[Input]
    item: ItemInfo
    __match_args__ = ("node", "when", "method", "tiers", "value", "start", "end", "inputs", "item")

    def __init__(self, node, when, method, tiers, value, start, end, inputs, item):
        self.node, self.when, self.method, self.tiers, self.value = node, when, method, tiers, value
        self.start, self.end, self.inputs, self.item = start, end, inputs, item


class CompiledClause(Record):
    text: str
    condition: Fn
    inputs: list[Input]
    node: ast.Expr
    item: ItemInfo
    __match_args__ = ("text", "condition", "inputs", "node", "item")

    def __init__(self, text, condition, inputs, node, item):
        self.text, self.condition, self.inputs, self.node, self.item = text, condition, inputs, node, item


class CompiledGrade(Record):
    node: ast.Grade
    clauses: list[CompiledClause]
    label: ReadOnly
    cite: ReadOnly | None
    record: ReadOnly  # how a result (its `grade`) names the grade: {"id", "label"}, shared by every result
    __match_args__ = ("node", "clauses", "label")

    def __init__(self, node, clauses, label):
        self.node, self.clauses, self.label = node, clauses, label
        self.cite, self.record = label_of(node.cite), ReadOnly({"id": node.id, "label": label})


class CompiledSection(Record):
    node: ast.Section
    criteria: list[CompiledCriterion]
    label: ReadOnly
    cite: ReadOnly | None
    __match_args__ = ("node", "criteria", "label")

    def __init__(self, node, criteria, label):
        self.node, self.criteria, self.label, self.cite = node, criteria, label, label_of(node.cite)


class Program(Record):
    model: Model
    params: dict[str, tuple[Type, Fn | None]]  # qualified name → type, default
    lets: list[CompiledLet]
    variant: Fn | None
    requirements: list[CompiledRequirement]
    sections: list[CompiledSection]
    grades: list[CompiledGrade]
    # name → the check a supplied value must pass (`in [0%, 100%]`, `in {"AR5", "AR6"}`): None or why not
    allowed: dict[str, Callable[[Any], str | None]]
    # Generating the straight-line code costs about as much as a hundred evaluations by the closures, which a
    # one-application command never makes: it is made once the program is in steady use (`used`).
    generate_later: Callable[[], None] | None
    uses: int
    # ctx → what each item decided (checker.evaluation.evaluate._records), in one generated function; None
    # until the generated code is made, and in a program compiled without its records.
    run: Callable | None
    # The parameters' values when none is supplied, if every default is a constant (else None).
    defaults: dict | None
    # These four are neither compared nor shown.
    __compared__ = ("model", "params", "lets", "variant", "requirements", "sections", "grades", "allowed")
    __match_args__ = __compared__ + ("generate_later", "uses", "run", "defaults")

    def __init__(self, model, params, lets, variant, requirements, sections, grades, allowed=None,
                 generate_later=None, uses=0, run=None, defaults=None):
        self.model, self.params, self.lets, self.variant = model, params, lets, variant
        self.requirements, self.sections, self.grades = requirements, sections, grades
        self.allowed = {} if allowed is None else allowed
        self.generate_later, self.uses, self.run, self.defaults = generate_later, uses, run, defaults

    def used(self) -> None:
        """Count one evaluation; the generated code replaces the closures at the GENERATE_AFTER-th."""
        if self.generate_later is not None:
            self.uses += 1
            if self.uses >= GENERATE_AFTER:
                generate_later, self.generate_later = self.generate_later, None
                generate_later()


GENERATE_AFTER = 64


def compile_model(model: Model, generated: bool | None = None, records: dict | None = None) -> Program:
    """The closures of a checked model, and the straight-line Python written from the model (codegen.py: the
    same results, faster) that replaces those evaluating an application: once the program is in steady use
    (None, the default), at once (True) or never (False). With `records` (checker.evaluation.evaluate.RECORDS)
    the generated code includes `Program.run`, deciding every item in one call."""
    compiler = Compiler(model)
    program = compiler.program()
    if generated:
        generate(program, compiler, records)
    elif generated is None:
        program.generate_later = functools.partial(generate, program, compiler, records)
    return program


class Compiler:
    def __init__(self, model: Model):
        self.model = model
        self.tables = {name: _table_data(t) for name, t in model.tables.items()}
        self.let_types = {let.name: let.expr.type for let in model.lets}
        self.bodies: dict[str, Fn] = {}  # the ruleset's functions, compiled

    def program(self) -> Program:
        m = self.model
        params = {}
        for name, param in m.params.items():
            default = self.expr(param.default) if param.default is not None else None
            unit_type = Type("number", parse_unit(param.unit)) if param.unit else (
                param.default.type if param.default is not None else Type("number", ONE))
            if param.choices and all(isinstance(c, ast.String) for c in param.choices):
                unit_type = Type("string", enum=tuple(c.value for c in param.choices))
            params[name] = (unit_type, default)
        read_by_items = _lets_read_by_items(m)
        lets = [self.compiled_let(let, let.name not in read_by_items) for let in m.lets]
        requirements = [self.requirement(r) for r in m.requirements]
        sections = [CompiledSection(s, [self.criterion(c, s.id) for c in s.criteria], label_of(s.label))
                    for s in m.sections]
        grades = [CompiledGrade(g, [self.clause(c) for c in conjuncts(g.condition)], label_of(g.label))
                  for g in (m.grades.grades if m.grades else [])]
        variant = self.expr(m.variant.selector) if m.variant else None
        allowed = {name: self.allowed(param, params[name][0]) for name, param in m.params.items()
                   if param.range or param.choices}
        program = Program(m, params, lets, variant, requirements, sections, grades, allowed)
        if all(default is None or is_known_constant(default) for _, default in params.values()):
            program.defaults = {name: default.constant for name, (_, default) in params.items() if default is not None}
        return program

    def allowed(self, param: ast.Param, type_: Type) -> Callable[[Any], str | None]:
        """The check of a supplied value against the parameter's range or allowed values."""
        unit = type_.unit if type_.kind == "number" else None
        literal = (lambda e: self.converted(e, unit)(None)) if unit else (lambda e: self.expr(e)(None))
        if param.choices:
            choices = [literal(c) for c in param.choices]
            listed = ", ".join(c.text for c in param.choices)
            return lambda value: None if value in choices else f"must be one of {listed}"
        within = param.range
        low = literal(within.lower) if within.lower is not None else None
        high = literal(within.upper) if within.upper is not None else None
        if low is not None and high is not None:
            shown = f"in {'[' if within.lower_closed else '('}{within.lower.text}, {within.upper.text}" \
                    f"{']' if within.upper_closed else ')'}"
        else:  # one side only: `>= 0 t`
            bound = within.lower if low is not None else within.upper
            shown = f"{'>' if low is not None else '<'}{'=' if within.lower_closed or within.upper_closed else ''} " \
                    f"{bound.text}"

        def check(value):
            above = low is None or value > low or (within.lower_closed and value == low)
            below = high is None or value < high or (within.upper_closed and value == high)
            return None if above and below else f"must be {shown}"
        return check

    # Each item's result constants (ItemInfo) are made here, once, instead of in every evaluation.
    def compiled_let(self, let: ast.Let, reported: bool) -> CompiledLet:
        inputs, type_ = self.inputs(let.expr), _let_type(let)
        detail = {"type": type_, "formula": let.expr.text, **({"when": let.when.text} if let.when else {})}
        return CompiledLet(let, self.let(let), inputs, reported, type_, ItemInfo(
            "value", let.name, label_of(let.label), label_of(let.cite), inputs, detail), self.optional(let.when))

    def requirement(self, r: ast.Requirement) -> CompiledRequirement:
        inputs = self.inputs(r.condition)
        return CompiledRequirement(r, self.optional(r.when), self.expr(r.condition),
                                   self.waiver(r.id) if r.waivable else None, inputs,
                                   ItemInfo("requirement", r.id, label_of(r.label), label_of(r.cite), inputs,
                                            {"condition": r.condition.text}, witnesses=self.witnesses(r.condition)))

    def clause(self, condition: ast.Expr) -> CompiledClause:
        inputs = self.inputs(condition)
        return CompiledClause(condition.text, self.expr(condition), inputs, condition,
                              ItemInfo("grade-condition", condition.text, None, None, inputs,
                                       {"condition": condition.text}, witnesses=self.witnesses(condition)))

    def witnesses(self, condition: ast.Expr) -> list[Fn]:
        """For each `all(x for x in list …)` in a condition: the first item that made it false, named."""
        found = []
        for node in condition.walk(prune=lambda n: isinstance(n, ast.Aggregate)):
            if isinstance(node, ast.Aggregate) and node.function == "all":
                lets = tuple((name, self.expr(let)) for name, let in zip(node.let_names, node.lets))

                def describe(number, pointer, name, of=node.source.text, item=node.item.text):
                    return f"item {number} of {of} ({pointer}{', ' + name if name else ''}): `{item}` is false"
                found.append(first_false(self.list_source(node.source), node.variable, self.expr(node.item),
                                         self.optional(node.where), lets, describe))
        return found

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
        if let.unit is not None and let.expr.type.kind == "number":
            compute = converter(compute, let.expr.type.unit.factor_to(parse_unit(let.unit)))
        return compute if let.when is None else bounded(self.expr(let.when), compute)

    def criterion(self, c: ast.Criterion, section: str) -> CompiledCriterion:
        s = c.scoring
        when = self.optional(c.when)

        def compiled(method, tiers, value, start, end, inputs):
            return CompiledCriterion(c, when, method, tiers, value, start, end, inputs, ItemInfo(
                "criterion", c.id, label_of(c.label), label_of(c.cite), inputs, {}, c.max, method, section))
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
        return converter(compute, expr.type.unit.factor_to(unit))

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
        return constant(expr.value)

    def c_string(self, expr: ast.String) -> Fn:
        return constant(expr.value)

    def c_boolean(self, expr: ast.Boolean) -> Fn:
        return constant(expr.value)

    def c_name(self, expr: ast.Name) -> Fn:
        return self._reference(expr)

    def c_field(self, expr: ast.Field) -> Fn:
        return self._reference(expr)

    def _reference(self, expr) -> Fn:
        ref = expr.ref
        if isinstance(ref, ast.EvidenceRef):
            return evidence_getter(ref.path, expr.type)
        if isinstance(ref, ast.VarRef):
            return var_getter(ref.name, ref.path, expr.type)
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
            get, pointer = evidence_getter(ref.path, expr.type), ref.pointer
            return lambda ctx: (get(ctx), pointer)
        name, path = ref.name, ref.path
        get = var_getter(name, path, expr.type)
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
            if any_unknown(values):
                return combine(*values)
            return table_cell(table_name, data, columns, values)
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
        if isinstance(expr.ref, ast.FunctionRef):
            return self.call_user(expr, self.model.functions[expr.ref.name])
        function = FUNCTIONS[expr.function]
        return getattr(self, "call_" + function.form)(expr, function)

    def call_user(self, expr: ast.Call, function: ast.FunctionDecl) -> Fn:
        """A call of the ruleset's own function: its arguments, each in its declared unit, are the only names
        its body sees (the caller's aggregation variables are put aside while it runs)."""
        body = self.function_body(function)
        names = [argument.name for argument in function.arguments]
        args = [self.converted(arg, parse_unit(argument.unit) if argument.unit else ONE)
                if argument.kind == "number" else self.expr(arg) for arg, argument in zip(expr.args, function.arguments)]

        def call(ctx):
            bound = {name: (arg(ctx), "") for name, arg in zip(names, args)}
            outer, ctx.vars = ctx.vars, bound
            try:
                return body(ctx)
            finally:
                ctx.vars = outer
        return call

    def function_body(self, function: ast.FunctionDecl) -> Fn:
        if function.name not in self.bodies:  # compiled once; the check phase refused recursion
            compute = self.expr(function.expr)
            if function.unit is not None and function.expr.type.kind == "number":
                compute = converter(compute, function.expr.type.unit.factor_to(parse_unit(function.unit)))
            self.bodies[function.name] = compute
        return self.bodies[function.name]

    def call_plain(self, expr: ast.Call, function: Function) -> Fn:
        return strict(function.compute, [self.expr(a) for a in expr.args])

    call_date = call_plain

    def call_present(self, expr: ast.Call, function: Function) -> Fn:
        inner = self.expr(expr.args[0])
        return lambda ctx: present(inner(ctx))

    def call_aggregate(self, expr: ast.Call, function: Function) -> Fn:
        return aggregate(function.name, self.list_source(expr.args[0]), None, None, None)

    def call_extreme(self, expr: ast.Call, function: Function) -> Fn:
        if len(expr.args) == 1:
            return self.call_aggregate(expr, function)
        unit = expr.type.unit
        fns = [self.converted(a, unit) for a in expr.args]
        pick = min if function.name == "min" else max
        return strict(lambda *v: pick(v), fns)

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
        return strict(lambda key: key in rows, [self.expr(expr.args[1])])

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
        lets = tuple((name, self.expr(let)) for name, let in zip(expr.let_names, expr.lets))
        return aggregate(expr.function, source, expr.variable, item, where, lets)

    def c_negate(self, expr: ast.Negate) -> Fn:
        operand = self.expr(expr.operand)
        return strict(lambda v: -v, [operand])

    def c_arith(self, expr: ast.Arith) -> Fn:
        left = self.expr(expr.left)
        right = self.converted(expr.right, expr.left.type.unit) if expr.op in "+-" else self.expr(expr.right)
        op = expr.op
        if op in "+-*":
            return strict({"+": operator.add, "-": operator.sub, "*": operator.mul}[op], [left, right])
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
        return strict(operation, [left, right])

    def c_within(self, expr: ast.Within) -> Fn:
        unit = expr.value.type.unit
        value = self.expr(expr.value)
        lower, upper = self.converted(expr.lower, unit), self.converted(expr.upper, unit)
        low_ok = (lambda v, lo: v >= lo) if expr.lower_closed else (lambda v, lo: v > lo)
        high_ok = (lambda v, hi: v <= hi) if expr.upper_closed else (lambda v, hi: v < hi)
        return strict(lambda v, lo, hi: low_ok(v, lo) and high_ok(v, hi), [value, lower, upper])

    def c_member(self, expr: ast.Member) -> Fn:
        value = self.expr(expr.value)
        unit = expr.value.type.unit if expr.value.type.kind == "number" else None
        options = [self.converted(o, unit) if unit else self.expr(o) for o in expr.options]
        if all(is_known_constant(o) for o in options):  # `x in {3, 4}`: a fixed tuple
            fixed = tuple(o.constant for o in options)
            return strict(lambda v: v in fixed, [value])
        return strict(lambda v, *opts: v in opts, [value, *options])

    def c_logic(self, expr: ast.Logic) -> Fn:
        operands = [self.expr(o) for o in expr.operands]
        decisive = expr.op == "or"
        return lambda ctx: kleene((operand(ctx) for operand in operands), decisive)

    def c_not(self, expr: ast.Not) -> Fn:
        operand = self.expr(expr.operand)
        return strict(lambda v: not v, [operand])

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


def label_of(text: ast.Label | None) -> ReadOnly | None:
    """A label (or cite) as results give it: English falls back to Chinese. Read-only: every result of the
    ruleset shares it."""
    return ReadOnly(zh=text.zh, en=text.en or text.zh) if text is not None else None


def _let_type(let: ast.Let) -> Type:
    if let.unit is not None and let.expr.type.kind == "number":
        return Type("number", parse_unit(let.unit))
    return let.expr.type


def lets_named(node) -> set[str]:
    """Every let an expression (or scoring rule) reads directly, at any depth."""
    return {n.ref.name for n in node.walk() if isinstance(n, ast.Expr) and isinstance(n.ref, ast.LetRef)}


def _lets_read_by_items(model: Model) -> set[str]:
    """The lets that requirements, criteria, grades or the variant read, directly or through other lets."""
    reads = {let.name: lets_named(let) for let in model.lets}  # its `when` too
    items = [*model.requirements, *(c for s in model.sections for c in s.criteria),
             *(model.grades.grades if model.grades else []), *([model.variant] if model.variant else [])]
    pending = set().union(*(lets_named(item) for item in items)) if items else set()
    used: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in used:
            used.add(name)
            pending |= reads.get(name, set())
    return used


def conjuncts(condition: ast.Expr) -> list[ast.Expr]:
    """A condition split at its top-level `and`: a grade reports each clause on its own, lint weighs each."""
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


def _table_data(table: ast.Table) -> dict:
    return {row.key: row.cells for row in table.rows}
