"""Compile phase, second step: the closures of compile.py written out as straight-line Python, for speed.

The closures say what each construct means; this module writes the same computation as the source of plain
Python functions, one per let, condition and scoring rule of a ruleset (the gap analysis evaluates them one by
one), and one, `run`, that decides every item of an application in one call (checker.evaluation.evaluate),
compiled with `compile()` once per loaded ruleset, when it is in steady use (`compile.Program.used`: a one-application command keeps the
closures, which cost less than compiling). A chain of closures calls a function per operation; the generated code computes the
operands into local variables and checks each for an unknown value inline.

Safety: the source is built only from the shape of the checked syntax tree. Every value a ruleset or its
evidence gives (numbers, texts, keys, names, units, messages) is handed to the code as a constant of its
namespace, c0, c1, …, and never written into the source; every identifier in it is generated (v1, c0, f0) or
one of the fixed helpers of HELPERS, and the only literals in it are the generator's own ('/', 0 and 1). The
functions are made from the compiled code objects (nothing is executed to define them) and run without
Python's builtins (`__builtins__` is empty), so they can reach only what HELPERS gives them.

Exactness: the code does the same Decimal operations, in the same order and the same decimal context (the
caller's), with the same unknown (missing or failed) values and short-circuits, as the closures. What it does
not cover is evaluated by its closure, handed in as a constant (`c3(ctx)`): calls of the ruleset's own
functions, `first`/`last`, `latest`, a list item at a computed position, and the parameters' defaults. A
closure cannot see the variables the generated code binds (`s` in `sum(s.mass for s in …)`), so an
aggregation whose body needs a closure is itself left to its closure.
"""
from __future__ import annotations

import bisect
import functools
import types
from decimal import Decimal, DivisionByZero, InvalidOperation

from ..language import ast
from ..language.functions import show
from ..language.runtime import coerce, constant, converter, fold, is_known_constant, present, scaled, table_cell
from ..language.units import ONE, parse_unit
from ..language.values import OUTSIDE, UNKNOWN, Failure, Missing, combine

# Everything generated code can name besides its own constants and variables.
HELPERS = {
    "UNKNOWN": UNKNOWN, "Missing": Missing, "Failure": Failure, "OUTSIDE": OUTSIDE, "combine": combine,
    "fold": fold, "present": present, "coerce": coerce, "scaled": scaled, "isinstance": isinstance,
    "enumerate": enumerate, "len": len, "str": str, "min": min, "max": max, "dict": dict, "list": list,
    "ZeroDivision": (DivisionByZero, InvalidOperation), "sum": sum, "bisect_right": bisect.bisect_right,
    "type": type, "Decimal": Decimal,
}
_COMPARE = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITH = {"+": "+", "-": "-", "*": "*"}
_LITERALS = (ast.Number, ast.String, ast.Boolean)
# Whether a value is unknown: most are Decimals, which type() tells at a quarter of isinstance's cost.
_UNKNOWN = "(type({0}) is not Decimal and isinstance({0}, UNKNOWN))"


def functions_of(source: str, filename: str, namespace: dict) -> dict[str, types.FunctionType]:
    """The top-level functions of generated `source`, by name, made from its compiled code objects with
    `namespace` as their globals: nothing is executed to define them."""
    module = compile(source, filename, "exec")
    return {code.co_name: types.FunctionType(code, namespace) for code in module.co_consts
            if isinstance(code, types.CodeType)}


class Unsupported(Exception):
    """A construct the generator leaves to its closure."""


def generate(program, compiler, records: dict | None = None) -> None:
    """Replace the closures of `program` (a compile.Program, made by `compiler`) that evaluate each let, the
    variant, and each requirement's, criterion's and grade clause's conditions by generated functions; with
    `records` (checker.evaluation.evaluate.RECORDS), also write `program.run`, which decides every item of an
    application in one call."""
    writer, replace = _write(program, compiler, records)
    functions = writer.compiled()
    for owner, attribute, name in replace:
        setattr(owner, attribute, functions[name])


def source_of(program, compiler, records: dict | None = None) -> str:
    """The source `generate` compiles for a program (to read it, and for tests)."""
    return _write(program, compiler, records)[0].source()


def _write(program, compiler, records: dict | None = None):
    writer = Writer(compiler)
    replace = []  # (object, attribute, generated function's name)
    if records is not None:
        replace.append((program, "run", writer.function(RunWriter(writer, program, records).write)))

    def add(owner, attribute, build):
        name = writer.function(build)
        if name is not None:
            replace.append((owner, attribute, name))

    for let in program.lets:
        add(let, "evaluate", functools.partial(writer.let, let.node))
    if program.variant is not None:
        add(program, "variant", writer.top(program.model.variant.selector))
    for requirement in program.requirements:
        node = requirement.node
        if node.when is not None:
            add(requirement, "when", writer.top(node.when))
        add(requirement, "condition", writer.top(node.condition))
    for section in program.sections:
        for criterion in section.criteria:
            _criterion(writer, criterion, add)
    for grade in program.grades:
        for clause in grade.clauses:
            add(clause, "condition", writer.top(clause.node))
    return writer, replace


def _criterion(writer, criterion, add) -> None:
    node = criterion.node
    scoring = node.scoring
    if node.when is not None:
        add(criterion, "when", writer.top(node.when))
    if isinstance(scoring, ast.Tiers):
        for tier, compiled in zip(scoring.tiers, criterion.tiers):
            if tier.condition is not None:
                add(compiled, "condition", writer.top(tier.condition))
    elif isinstance(scoring, ast.Scale):
        unit = scoring.value.type.unit
        add(criterion, "value", writer.top(scoring.value))
        add(criterion, "start", writer.top(scoring.start, unit))
        add(criterion, "end", writer.top(scoring.end, unit))
    elif isinstance(scoring, ast.Assessed) and scoring.source is not None:
        add(criterion, "value", writer.top(scoring.source, ONE))
    elif isinstance(scoring, ast.Points):
        add(criterion, "value", writer.top(scoring.value, ONE))


class Writer:
    """Generated functions of one ruleset, their constants and their source."""

    def __init__(self, compiler):
        self.compiler = compiler
        self.constants: list = []
        self.functions: list[str] = []  # the source of each function
        self.count = 0
        self.known: set[str] = set()  # operands that are never unknown (constants)
        # While the one function deciding every item (`run`) is written: the names its lets, the variant and
        # the score are held in, and the evidence paths and parameters it reads, each read once at its start.
        self.local: dict[tuple, str] | None = None
        self.prelude, self.paths = [], {}  # lines run starts with; path variable → [(key, child variable)]

    # --------------------------------------------------------------------------------------- the module
    def function(self, build) -> str | None:
        """A function `fN(ctx)` whose body `build(out)` writes; None when it is left to its closure."""
        out: list[str] = []
        try:
            result = build(out)
        except Unsupported:
            return None
        name = f"f{len(self.functions)}"
        self.functions.append("\n".join([f"def {name}(ctx):", *out, f"    return {result}", ""]))
        return name

    def source(self) -> str:
        return "\n".join(self.functions)

    def compiled(self) -> dict:
        """The generated functions by name, made from the compiled source's code objects: nothing is executed
        to define them, and their globals are the constants and HELPERS alone."""
        namespace = {"__builtins__": {}, **HELPERS, **{f"c{n}": value for n, value in enumerate(self.constants)}}
        return functions_of(self.source(), "<generated evaluation>", namespace)

    def constant(self, value) -> str:
        name = f"c{len(self.constants)}"
        self.constants.append(value)
        if not isinstance(value, UNKNOWN) and not callable(value):
            self.known.add(name)
        return name

    def fresh(self) -> str:
        self.count += 1
        return f"v{self.count}"

    # ------------------------------------------------------------------------------------- entry points
    def top(self, expr: ast.Expr, unit=None):
        """What writes an expression (in `unit`, if given) at the top of a function."""
        if unit is None:
            return lambda out: self.expr(expr, {}, out, 1)
        return lambda out: self.converted(expr, unit, {}, out, 1)

    def let(self, let: ast.Let, out: list, depth: int = 1) -> str:
        """A let in its declared unit; with `when`, OUTSIDE where its condition does not hold."""
        if let.when is None:
            return self._let_value(let, out, depth)
        holds = self.expr(let.when, {}, out, depth)
        result, indent = self.fresh(), "    " * depth
        out.append(f"{indent}if {holds} is True:")
        value = self._let_value(let, out, depth + 1)
        out += [f"{indent}    {result} = {value}", f"{indent}elif {holds} is False:", f"{indent}    {result} = OUTSIDE",
                f"{indent}else:", f"{indent}    {result} = {holds}"]
        return result

    def _let_value(self, let: ast.Let, out: list, depth: int) -> str:
        if let.unit is not None and let.expr.type.kind == "number":
            return self.scaled(let.expr, let.expr.type.unit.factor_to(parse_unit(let.unit)), {}, out, depth)
        return self.expr(let.expr, {}, out, depth)

    # -------------------------------------------------------------------------------------- expressions
    def expr(self, expr: ast.Expr, scope: dict, out: list, depth: int) -> str:
        """Code computing `expr` into a variable (or a constant), whose name is returned. `scope`: the
        variables bound by generated aggregations, name → (value variable, pointer variable)."""
        method = getattr(self, "g_" + type(expr).__name__.lower(), None)
        if method is not None:
            mark = len(out)
            try:
                return method(expr, scope, out, depth)
            except Unsupported:
                del out[mark:]
        if scope and any(isinstance(n, ast.Expr) and isinstance(n.ref, ast.VarRef) and n.ref.name in scope
                         for n in expr.walk()):
            raise Unsupported  # its closure would not see the variables bound here
        result = self.fresh()
        out.append(f"{'    ' * depth}{result} = {self.constant(self.compiler.expr(expr))}(ctx)")
        return result

    def converted(self, expr: ast.Expr, unit, scope: dict, out: list, depth: int) -> str:
        """`expr` in `unit` (Compiler.converted)."""
        if unit is None or expr.type is None or expr.type.kind != "number" or not expr.type.unit.compatible(unit):
            return self.expr(expr, scope, out, depth)
        return self.scaled(expr, expr.type.unit.factor_to(unit), scope, out, depth)

    def scaled(self, expr: ast.Expr, factor, scope: dict, out: list, depth: int) -> str:
        """`expr` multiplied by an exact unit factor (runtime.converter: a literal's folded once, here)."""
        if factor == 1:
            return self.expr(expr, scope, out, depth)
        if isinstance(expr, _LITERALS):
            folded = converter(constant(expr.value), factor)
            if is_known_constant(folded):
                return self.constant(folded.constant)
        value = self.expr(expr, scope, out, depth)
        if factor.denominator == 1:
            operation = f"{value} * {self.constant(Decimal(factor.numerator))}"
        elif factor.numerator == 1:
            operation = f"{value} / {self.constant(Decimal(factor.denominator))}"
        else:
            return self.assign(f"scaled({value}, {self.constant(factor)})", out, depth)
        return self.strict([value], operation, out, depth)

    def assign(self, code: str, out: list, depth: int) -> str:
        result = self.fresh()
        out.append(f"{'    ' * depth}{result} = {code}")
        return result

    def strict(self, operands: list[str], operation: str, out: list, depth: int) -> str:
        """`operation` on operands, unknown when one is (runtime.strict): a single unknown operand is the
        result itself, several are combined."""
        unknown = [o for o in operands if o not in self.known]
        if not unknown:
            return self.assign(operation, out, depth)
        if len(operands) == 1:
            return self.assign(f"{operands[0]} if {_UNKNOWN.format(operands[0])} else {operation}", out, depth)
        test = " or ".join(_UNKNOWN.format(o) for o in unknown)
        return self.assign(f"combine({', '.join(operands)}) if {test} else {operation}", out, depth)

    def g_number(self, expr, scope, out, depth) -> str:
        return self.constant(expr.value)

    g_string = g_boolean = g_number

    def g_name(self, expr, scope, out, depth) -> str:
        ref = expr.ref
        if self.local is not None:
            found = self.read_once(expr)
            if found is not None:
                return found
        if isinstance(ref, ast.EvidenceRef):
            return self.walk("ctx.evidence", ref.path, expr.type, self.constant(Missing((ref.pointer,))), out, depth)
        if isinstance(ref, ast.VarRef):
            if ref.name not in scope:
                raise Unsupported  # a function's argument: its body is a closure
            value, pointer = scope[ref.name]
            missing = f"Missing(({pointer} + {self.constant(ast.pointer_of(ref.path))},))"
            return self.walk(value, ref.path, expr.type, missing, out, depth)
        if isinstance(ref, ast.LetRef):
            return self.assign(f"ctx.values[{self.constant(ref.name)}]", out, depth)
        if isinstance(ref, ast.ParamRef):
            missing = self.constant(Missing((f"param:{ref.name}",)))
            return self.assign(f"ctx.params.get({self.constant(ref.name)}, {missing})", out, depth)
        if isinstance(ref, ast.ScoreRef):
            return self.assign("ctx.score", out, depth)
        if isinstance(ref, ast.VariantRef):
            return self.assign("ctx.variant", out, depth)
        raise Unsupported

    g_field = g_name

    def read_once(self, expr: ast.Expr) -> str | None:
        """In `run`: the variable holding a let, the variant, the score, a parameter or an evidence value (read
        at the start, each step of a path once); None for what is read otherwise."""
        ref, local = expr.ref, self.local
        if isinstance(ref, ast.LetRef):
            return local.get(("let", ref.name))
        if isinstance(ref, ast.VariantRef):
            return local.get(("variant",))
        if isinstance(ref, ast.ScoreRef):
            return local.get(("score",))
        if isinstance(ref, ast.ParamRef):
            key = ("param", ref.name)
            if key not in local:
                missing = self.constant(Missing((f"param:{ref.name}",)))
                local[key] = self.assign(f"ctx.params.get({self.constant(ref.name)}, {missing})", self.prelude, 1)
            return local[key]
        if not isinstance(ref, ast.EvidenceRef):
            return None
        path, date = ref.path, expr.type is not None and expr.type.kind == "date"
        key = ("evidence", path, date)
        if key in local:
            return local[key]
        if not all(isinstance(k, str) or type(k) is int for k in path):
            raise Unsupported
        node = self.step(path)
        missing = self.constant(Missing((ref.pointer,)))
        found = self.fresh()
        if date:
            self.prelude.append(f"    {found} = {missing} if {node} is None else coerce({node}, {self.constant(expr.type)})")
        else:
            self.prelude.append(f"    {found} = {missing} if {node} is None else {node}")
        local[key] = found
        return found

    def step(self, path: tuple) -> str:
        """In `run`'s start: the variable holding what `path` leads to in the evidence, None where it leads
        nowhere (runtime.evidence_getter)."""
        key = ("path", path)
        if key in self.local:
            return self.local[key]
        node = self.fresh()
        self.paths[node] = []
        if path:
            self.paths[self.step(path[:-1])].append((path[-1], node))
        self.local[key] = node
        return node

    def path_lines(self, node: str | None, out: list, depth: int = 1) -> list:
        """`run`'s start: from the evidence (`node` None) or `node` to the paths read under it, a mapping's kind
        tested once for all its keys read (what runtime.evidence_getter does step by step)."""
        if node is None:
            node = self.local.get(("path", ()))
            return [] if node is None else self.path_lines(node, [f"    {node} = ctx.evidence"])
        indent, children = "    " * depth, self.paths[node]
        named = [(key, child) for key, child in children if isinstance(key, str)]
        if named:
            out.append(f"{indent}if isinstance({node}, dict):")
            for key, child in named:
                out.append(f"{indent}    {child} = {node}.get({self.constant(key)})")
                self.path_lines(child, out, depth + 1)
            out += [f"{indent}else:", f"{indent}    {' = '.join(self.under(named))} = None"]
        for key, child in children:
            if not isinstance(key, str):
                k = self.constant(key)
                out.append(f"{indent}{child} = {node}[{k}] if isinstance({node}, list) and -len({node}) <= {k} "
                           f"< len({node}) else None")
                self.path_lines(child, out, depth)
        return out

    def under(self, children: list) -> list[str]:  # the variables of `children` and of every path under them
        return [name for _, child in children for name in (child, *self.under(self.paths[child]))]

    def walk(self, start: str, path: tuple, type_, missing: str, out: list, depth: int) -> str:
        """A path into the evidence or an item (runtime.evidence_getter, var_getter): keys into mappings,
        positions into lists; `missing` where it leads nowhere."""
        node, indent = self.fresh(), "    " * depth
        out.append(f"{indent}{node} = {start}")
        for key in path:
            k = self.constant(key)
            if isinstance(key, str):
                out.append(f"{indent}{node} = {node}.get({k}) if isinstance({node}, dict) else None")
            elif type(key) is int:
                out.append(f"{indent}{node} = {node}[{k}] if isinstance({node}, list) and -len({node}) <= {k} "
                           f"< len({node}) else None")
            else:
                raise Unsupported
        out.append(f"{indent}if {node} is None:")
        out.append(f"{indent}    {node} = {missing}")
        if type_ is not None and type_.kind == "date":
            out.append(f"{indent}else:")
            out.append(f"{indent}    {node} = coerce({node}, {self.constant(type_)})")
        return node

    def list_source(self, expr: ast.Expr, scope: dict, out: list, depth: int) -> tuple[str, str]:
        """A list and its pointer (Compiler.list_source)."""
        ref = expr.ref
        if isinstance(ref, ast.EvidenceRef) and self.local is not None:
            return self.read_once(expr), self.constant(ref.pointer)
        if isinstance(ref, ast.EvidenceRef):
            found = self.walk("ctx.evidence", ref.path, expr.type, self.constant(Missing((ref.pointer,))), out, depth)
            return found, self.constant(ref.pointer)
        if isinstance(ref, ast.VarRef) and ref.name in scope:
            value, pointer = scope[ref.name]
            suffix = self.constant(ast.pointer_of(ref.path))
            found = self.walk(value, ref.path, expr.type, f"Missing(({pointer} + {suffix},))", out, depth)
            return found, f"({pointer} + {suffix})"
        raise Unsupported

    def g_index(self, expr, scope, out, depth) -> str:
        if expr.ref is not None:  # `list[2]`: a path into the evidence
            return self.g_name(expr, scope, out, depth)
        if expr.base.type.kind == "list":
            raise Unsupported
        table = expr.base.ref.name
        lookup = self.constant(functools.partial(table_cell, table, self.compiler.tables[table],
                                                 self.compiler.model.tables[table].columns))
        # Each cell by its keys, looked up at once; runtime.table_cell says why where there is none.
        data, columns = self.compiler.tables[table], self.compiler.model.tables[table].columns
        if len(expr.keys) != (2 if columns else 1):
            raise Unsupported
        keys = [self.expr(k, scope, out, depth) for k in expr.keys]
        if columns:
            cells = {(row, column): cell for row, cells in data.items() for column, cell in zip(columns, cells)
                     if cell is not None}
        else:
            cells = {row: cells[0] for row, cells in data.items() if cells[0] is not None}
        key = f"({', '.join(keys)},)" if columns else keys[0]
        unknown = [k for k in keys if k not in self.known]
        cell, indent = self.fresh(), "    " * depth
        if unknown:
            test = " or ".join(_UNKNOWN.format(k) for k in unknown)
            out += [f"{indent}if {test}:", f"{indent}    {cell} = combine({', '.join(keys)})", f"{indent}else:"]
            indent += "    "
        out += [f"{indent}{cell} = {self.constant(cells)}.get({key})", f"{indent}if {cell} is None:",
                f"{indent}    {cell} = {lookup}([{', '.join(keys)}])"]
        return cell

    def g_call(self, expr, scope, out, depth) -> str:
        from ..language.functions import FUNCTIONS
        if isinstance(expr.ref, ast.FunctionRef):
            raise Unsupported
        function = FUNCTIONS[expr.function]
        if function.form in ("plain", "date"):
            args = [self.expr(a, scope, out, depth) for a in expr.args]
            return self.strict(args, f"{self.constant(function.compute)}({', '.join(args)})", out, depth)
        if function.form == "present":  # runtime.present
            value = self.expr(expr.args[0], scope, out, depth)
            return self.assign(f"False if isinstance({value}, Missing) else (not not {value}.strip()) if "
                               f"isinstance({value}, str) else True", out, depth)
        if function.form == "latest":  # Compiler.call_latest: the last row at or before the key
            table = expr.args[0].ref.name
            data = self.compiler.tables[table]
            numeric = sorted(k for k in data if isinstance(k, Decimal))
            wanted, result, indent = self.expr(expr.args[1], scope, out, depth), self.fresh(), "    " * depth
            at = self.fresh()
            out += [f"{indent}if {_UNKNOWN.format(wanted)}:", f"{indent}    {result} = {wanted}", f"{indent}else:",
                    f"{indent}    {at} = bisect_right({self.constant(tuple(numeric))}, {wanted})",
                    f"{indent}    {result} = {self.constant(tuple(data[k][0] for k in numeric))}[{at} - 1] if {at} else "
                    f"Failure({self.constant(f'table {table} has no row at or before ')} + "
                    f"{self.constant(show)}({wanted}))"]
            return result
        if function.form == "has_row":
            key = self.expr(expr.args[1], scope, out, depth)
            rows = self.constant(self.compiler.tables[expr.args[0].ref.name])
            return self.strict([key], f"{key} in {rows}", out, depth)
        if function.form == "extreme" and len(expr.args) > 1:
            args = [self.converted(a, expr.type.unit, scope, out, depth) for a in expr.args]
            pick = "min" if function.name == "min" else "max"
            return self.strict(args, f"{pick}(({', '.join(args)},))", out, depth)
        if function.form in ("aggregate", "extreme"):  # over the list itself: `sum(evidence.monthly)`
            found, pointer = self.list_source(expr.args[0], scope, out, depth)
            values, indent = self.fresh(), "    " * depth
            out += [f"{indent}if {_UNKNOWN.format(found)}:", f"{indent}    {values} = [{found}]",
                    f"{indent}else:",
                    f"{indent}    {values} = [e if e is not None else Missing(({pointer} + '/' + str(i),)) "
                    f"for i, e in enumerate({found})]"]
            return self.assign(f"fold({self.constant(function.name)}, {values})", out, depth)
        raise Unsupported

    def g_aggregate(self, expr, scope, out, depth) -> str:
        """runtime.aggregate: each item bound to the variable, then each `let`, the filter, the item's value."""
        found, pointer = self.list_source(expr.source, scope, out, depth)
        values, index, element = self.fresh(), self.fresh(), self.fresh()
        indent, inner_indent = "    " * depth, "    " * (depth + 2)
        if expr.function == "sum":  # the items' known values and their unknown ones, apart
            known, unknown = self.fresh(), self.fresh()
            values = unknown
            out += [f"{indent}{known} = []", f"{indent}if {_UNKNOWN.format(found)}:",
                    f"{indent}    {unknown} = [{found}]", f"{indent}else:", f"{indent}    {unknown} = []"]
        else:
            out += [f"{indent}if {_UNKNOWN.format(found)}:", f"{indent}    {values} = [{found}]", f"{indent}else:",
                    f"{indent}    {values} = []"]
        out.append(f"{indent}    for {index}, {element} in enumerate({found}):")
        # An item's pointer is written out only where something is missing: the expression, not a variable.
        here = f"({pointer} + '/' + str({index}))"
        inner = {**scope, expr.variable: (element, here)}
        for name, let in zip(expr.let_names, expr.lets):
            inner = {**inner, name: (self.expr(let, inner, out, depth + 2), here)}
        if expr.where is not None:
            keep = self.expr(expr.where, inner, out, depth + 2)
            out += [f"{inner_indent}if {keep} is False:", f"{inner_indent}    continue",
                    f"{inner_indent}if {keep} is not True:", f"{inner_indent}    {values}.append({keep})",
                    f"{inner_indent}    continue"]
        value = self.expr(expr.item, inner, out, depth + 2) if expr.item is not None else "True"
        if expr.function == "sum":  # runtime.fold: the unknown values combined, in order, or the sum
            out += [f"{inner_indent}if {_UNKNOWN.format(value)}:", f"{inner_indent}    {unknown}.append({value})",
                    f"{inner_indent}else:", f"{inner_indent}    {known}.append({value})"]
            return self.assign(f"combine(*{unknown}) if {unknown} else sum({known}, {self.constant(Decimal(0))})",
                               out, depth)
        out.append(f"{inner_indent}{values}.append({value})")
        # The value after which no more is needed: true for `any`, false for `all` (runtime.aggregate).
        deciding = {"any": "True", "all": "False"}.get(expr.function)
        if deciding is not None:
            out += [f"{inner_indent}if {value} is {deciding}:", f"{inner_indent}    break"]
        return self.assign(f"fold({self.constant(expr.function)}, {values})", out, depth)

    def g_negate(self, expr, scope, out, depth) -> str:
        operand = self.expr(expr.operand, scope, out, depth)
        return self.strict([operand], f"-{operand}", out, depth)

    def g_not(self, expr, scope, out, depth) -> str:
        operand = self.expr(expr.operand, scope, out, depth)
        return self.strict([operand], f"not {operand}", out, depth)

    def g_arith(self, expr, scope, out, depth) -> str:
        left = self.expr(expr.left, scope, out, depth)
        if expr.op in "+-":
            right = self.converted(expr.right, expr.left.type.unit, scope, out, depth)
        else:
            right = self.expr(expr.right, scope, out, depth)
        if expr.op in _ARITH:
            return self.strict([left, right], f"{left} {_ARITH[expr.op]} {right}", out, depth)
        if expr.op != "/":
            raise Unsupported
        # Compiler.c_arith's divide: unknown operands first, then a zero divisor, then the division.
        result, indent = self.fresh(), "    " * depth
        unknown = [o for o in (left, right) if o not in self.known]
        zero = self.constant(f"division by zero in `{expr.text}`")
        cannot = self.constant(f"`{expr.text}` cannot be computed")
        if unknown:
            test = " or ".join(_UNKNOWN.format(o) for o in unknown)
            out += [f"{indent}if {test}:", f"{indent}    {result} = combine({left}, {right})",
                    f"{indent}elif not {right}:"]
        else:
            out.append(f"{indent}if not {right}:")
        out += [f"{indent}    {result} = Failure({zero})", f"{indent}else:", f"{indent}    try:",
                f"{indent}        {result} = {left} / {right}", f"{indent}    except ZeroDivision:",
                f"{indent}        {result} = Failure({cannot})"]
        return result

    def g_compare(self, expr, scope, out, depth) -> str:
        left = self.expr(expr.left, scope, out, depth)
        if expr.left.type.kind == "number" and expr.right.type.kind == "number":
            right = self.converted(expr.right, expr.left.type.unit, scope, out, depth)
        else:
            right = self.expr(expr.right, scope, out, depth)
        return self.strict([left, right], f"{left} {_COMPARE[expr.op]} {right}", out, depth)

    def g_within(self, expr, scope, out, depth) -> str:
        unit = expr.value.type.unit
        value = self.expr(expr.value, scope, out, depth)
        lower = self.converted(expr.lower, unit, scope, out, depth)
        upper = self.converted(expr.upper, unit, scope, out, depth)
        low = f"{value} {'>=' if expr.lower_closed else '>'} {lower}"
        high = f"{value} {'<=' if expr.upper_closed else '<'} {upper}"
        return self.strict([value, lower, upper], f"({low} and {high})", out, depth)

    def g_member(self, expr, scope, out, depth) -> str:
        value = self.expr(expr.value, scope, out, depth)
        unit = expr.value.type.unit if expr.value.type.kind == "number" else None
        options = [self.converted(o, unit, scope, out, depth) for o in expr.options]
        if all(o in self.known for o in options):  # `x in {3, 4}`: a fixed tuple
            fixed = self.constant(tuple(self.constants[int(o[1:])] for o in options))
            return self.strict([value], f"{value} in {fixed}", out, depth)
        return self.strict([value, *options], f"{value} in ({', '.join(options)},)", out, depth)

    def g_logic(self, expr, scope, out, depth) -> str:
        """Three-valued `and`/`or` (runtime.kleene): stops at the first deciding operand; otherwise the
        unknown operands combined, or the other truth value."""
        decisive = "True" if expr.op == "or" else "False"
        other = "False" if expr.op == "or" else "True"
        result = self.fresh()
        seen: list[str] = []
        level = depth
        for operand in expr.operands:
            value = self.expr(operand, scope, out, level)
            seen.append(value)
            indent = "    " * level
            out += [f"{indent}if {value} is {decisive}:", f"{indent}    {result} = {decisive}", f"{indent}else:"]
            level += 1
        indent = "    " * level
        settled = " and ".join(f"{v} is {other}" for v in seen)
        out.append(f"{indent}{result} = {other} if {settled} else "
                   f"combine(*[v for v in ({', '.join(seen)},) if v is not {other}])")
        return result

    def g_coalesce(self, expr, scope, out, depth) -> str:
        value = self.expr(expr.value, scope, out, depth)
        result, indent = self.fresh(), "    " * depth
        out.append(f"{indent}if type({value}) is not Decimal and isinstance({value}, Missing):")
        unit = expr.value.type.unit if expr.value.type.kind == "number" else None
        fallback = self.converted(expr.fallback, unit, scope, out, depth + 1)
        out += [f"{indent}    {result} = {fallback}", f"{indent}else:", f"{indent}    {result} = {value}"]
        return result

    def g_conditional(self, expr, scope, out, depth) -> str:
        condition = self.expr(expr.condition, scope, out, depth)
        unit = expr.type.unit if expr.type.kind == "number" else None
        result, indent = self.fresh(), "    " * depth
        out.append(f"{indent}if {condition} is True:")
        then = self.converted(expr.then, unit, scope, out, depth + 1)
        out += [f"{indent}    {result} = {then}", f"{indent}elif {condition} is False:"]
        otherwise = self.converted(expr.otherwise, unit, scope, out, depth + 1)
        out += [f"{indent}    {result} = {otherwise}", f"{indent}else:", f"{indent}    {result} = {condition}"]
        return result


class RunWriter:
    """`run(ctx)`: every let that an item reads, the variant, each requirement, criterion and grade clause of a
    program decided in one function, in the order and with the results of checker.evaluation.evaluate._records (the records
    `RECORDS` there describe). Lets, the variant and the score are local variables, also put in the context for
    the closures it calls and for the result's explanations; each evidence path is read once, at the start."""

    def __init__(self, writer: Writer, program, records: dict):
        self.w, self.program, self.records = writer, program, records
        c = writer.constant
        self.unknown = c(records["unknown"])
        self.zero = c(records["ZERO"])
        self.passed = c((records["PASS"], None, None, True))
        self.failed = c((records["FAIL"], None, None, True))
        self.waived = c(records["WAIVED"])
        self.guarded = _guarded(program)

    def write(self, out: list) -> str:
        w, program = self.w, self.program
        w.local, w.prelude, w.paths = {}, [], {}
        try:
            body: list[str] = []
            if program.variant is not None:
                variant = w.expr(program.model.variant.selector, {}, body, 1)
                body.append(f"    ctx.variant = {variant}")
                w.local[("variant",)] = variant
            for let in program.lets:
                # A let no item reads is worked out when the result's values are first read; one that only an
                # item with a `when` reads, where that holds.
                if not let.reported and let.node.name not in self.guarded:
                    self.let(let, body, 1)
            requirements = [self.requirement(r, body) for r in program.requirements]
            criteria = [self.criterion(c, body) for s in program.sections for c in s.criteria]
            score = "None"
            if program.model.grades:
                score = w.assign(" + ".join([self.zero, *(f"{c}[1]" for c in criteria)]), body, 1)
                body.append(f"    ctx.score = {score}")
                w.local[("score",)] = score
            clauses, grades = [], []
            for grade in program.grades:
                holds = [w.expr(clause.node, {}, body, 1) for clause in grade.clauses]
                clauses += holds
                grades.append(self.grade(holds, body))
            out += w.path_lines(None, []) + w.prelude + body
        finally:
            w.local, w.prelude, w.paths = None, [], {}
        statuses = "{" + ", ".join(f"{r}[0]" for r in requirements + criteria) + "}" if requirements + criteria \
            else w.constant(frozenset())
        return f"({tuple_of(requirements)}, {tuple_of(criteria)}, {tuple_of(clauses)}, {tuple_of(grades)}, {statuses}, {score})"

    def let(self, let, out: list, depth: int) -> None:
        w = self.w
        value = w.let(let.node, out, depth)
        out.append(f"{'    ' * depth}ctx.values[{w.constant(let.node.name)}] = {value}")
        w.local[("let", let.node.name)] = value

    def when(self, node, points, decide, out: list) -> str:
        """The record of an item with an optional `when`: `decide(out, depth)` writes what it is when it holds;
        `points`: the item's points when it does not (None for a requirement)."""
        w = self.w
        if node.when is None:
            return decide(out, 1)
        not_applicable = w.constant((self.records["NOT_APPLICABLE"], points, None, False))
        points = "None" if points is None else self.zero
        applies = w.expr(node.when, {}, out, 1)
        record = w.fresh()
        out.append(f"    if {applies} is True:")
        mine = [let for let in self.program.lets if self.guarded.get(let.node.name) is node]
        for let in mine:
            self.let(let, out, 2)
        decided = decide(out, 2)
        for let in mine:  # read nowhere else
            del w.local[("let", let.node.name)]
        out += [f"        {record} = {decided}", f"    elif {applies} is False:",
                f"        {record} = {not_applicable}",
                "    else:", f"        {record} = {self.unknown}({applies}, {points}, False)"]
        return record

    def requirement(self, compiled, out: list) -> str:
        w = self.w

        def decide(out, depth):
            holds, record = w.expr(compiled.node.condition, {}, out, depth), w.fresh()
            indent, inner = "    " * depth, "    " * (depth + 1)
            out += [f"{indent}if {holds} is True:", f"{inner}{record} = {self.passed}", f"{indent}else:"]
            if compiled.waiver is not None:
                waiver = w.fresh()
                out += [f"{inner}{waiver} = {w.constant(compiled.waiver)}(ctx)", f"{inner}if {waiver}:",
                        f"{inner}    {record} = ({self.waived}, None, {waiver}, True)", f"{inner}elif {holds} is False:"]
            else:
                out.append(f"{inner}if {holds} is False:")
            out += [f"{inner}    {record} = {self.failed}", f"{inner}else:",
                    f"{inner}    {record} = {self.unknown}({holds}, None, True)"]
            return record
        return self.when(compiled.node, None, decide, out)

    def criterion(self, compiled, out: list) -> str:
        w, records = self.w, self.records
        node = compiled.node
        maximum, scoring = node.max, node.scoring
        record, top = w.fresh(), w.constant(maximum)
        met, not_met, partly = (w.constant(records[s]) for s in ("MET", "NOT_MET", "PARTLY_MET"))
        cent, up = w.constant(records["CENT"]), w.constant(records["ROUND_HALF_UP"])

        def tiers(out, depth):
            for number, tier in enumerate(compiled.tiers, 1):
                indent = "    " * depth
                decided = w.constant((records["points_status"](tier.points, maximum), tier.points, number, True))
                if tier.condition is None:
                    out.append(f"{indent}{record} = {decided}")
                    return record
                holds = w.expr(scoring.tiers[number - 1].condition, {}, out, depth)
                out += [f"{indent}if {holds} is True:", f"{indent}    {record} = {decided}",
                        f"{indent}elif {holds} is not False:", f"{indent}    {record} = {self.unknown}({holds}, "
                        f"{self.zero}, True)", f"{indent}else:"]
                depth += 1
            none = w.constant((records["points_status"](records["ZERO"], maximum), records["ZERO"], None, True))
            out.append(f"{'    ' * depth}{record} = {none}")
            return record

        def points(value, out, indent):
            """The record of a criterion whose points are `value` (known, within 0 and the maximum)."""
            return (f"{indent}{record} = ({met}, {value}, None, True) if {value} == {top} else ({not_met}, {value}, "
                    f"None, True) if {value} == {self.zero} else ({partly}, {value}, None, True)")

        def scale(out, depth):  # evaluate.scale_record, its usual case inline
            unit = scoring.value.type.unit
            value, indent = w.expr(scoring.value, {}, out, depth), "    " * depth
            out += [f"{indent}if {_UNKNOWN.format(value)}:",
                    f"{indent}    {record} = {self.unknown}({value}, {self.zero}, True)", f"{indent}else:"]
            start = w.converted(scoring.start, unit, {}, out, depth + 1)
            end = w.converted(scoring.end, unit, {}, out, depth + 1)
            exact, span = w.fresh(), f"({end} - {start})"
            ends = [e for e in (start, end) if e not in w.known]
            if not ends:  # both ends constants: their distance worked out once, as evaluation would
                distance = records["CONTEXT"].subtract(w.constants[int(end[1:])], w.constants[int(start[1:])])
                span = w.constant(distance) if distance else span
            test = " or ".join([*(_UNKNOWN.format(e) for e in ends), f"{start} == {end}"])
            out += [f"{indent}    if {test}:",
                    f"{indent}        {record} = {w.constant(functools.partial(records['scale'], maximum))}"
                    f"({value}, {start}, {end})", f"{indent}    else:",
                    f"{indent}        {exact} = {top} * ({value} - {start}) / {span}",
                    f"{indent}        {exact} = min(max({self.zero}, {exact}), {top}).quantize({cent}, rounding={up})",
                    points(exact, out, indent + "        ")]
            return record

        def other(out, depth):  # assessed or points: plain numbers (evaluate.assessed_record, points_record)
            value = w.converted(scoring.source if compiled.method == "assessed" else scoring.value, ONE, {}, out,
                                depth)
            check = w.constant(functools.partial(records[compiled.method], maximum))
            indent = "    " * depth
            if compiled.method == "assessed":
                out += [f"{indent}if not {_UNKNOWN.format(value)} and {self.zero} <= {value} <= {top}:",
                        points(value, out, indent + "    "), f"{indent}else:", f"{indent}    {record} = {check}({value})"]
            else:
                out.append(f"{indent}{record} = {check}({value})")
            return record
        decide = {"tiers": tiers, "scale": scale}.get(compiled.method, other)
        return self.when(node, records["ZERO"], decide, out)

    def grade(self, holds: list[str], out: list) -> str:
        """A grade's status (evaluate.grade_status), decided inline when its clauses all hold or one does not."""
        w, records = self.w, self.records
        false = " or ".join(f"{h} is False" for h in holds) or "False"
        true = " and ".join(f"{h} is True" for h in holds) or "True"
        return w.assign(f"{w.constant(records['NOT_MET'])} if {false} else {w.constant(records['MET'])} if {true} "
                        f"else {w.constant(records['grade_status'])}(({', '.join(holds)},))", out, 1)


def tuple_of(names: list[str]) -> str:
    """The source of a tuple of these names."""
    return f"({', '.join(names)},)" if names else "()"


def _guarded(program) -> dict:
    """The lets read only by one requirement's condition or one criterion's scoring, that item having a `when`:
    let name → the item's node."""
    from ..language.compile import lets_named  # compile imports this module
    readers: dict[str, list] = {}
    for let in program.lets:
        for name in lets_named(let.node):
            readers.setdefault(name, []).append(None)
    if program.variant is not None:
        for name in lets_named(program.model.variant.selector):
            readers.setdefault(name, []).append(None)
    for grade in program.grades:
        for name in lets_named(grade.node.condition):
            readers.setdefault(name, []).append(None)
    items = [(r.node, r.node.condition) for r in program.requirements] + \
        [(c.node, c.node.scoring) for s in program.sections for c in s.criteria]
    for node, decided in items:
        if node.when is not None:
            for name in lets_named(node.when):
                readers.setdefault(name, []).append(None)
        for name in lets_named(decided):
            readers.setdefault(name, []).append(node if node.when is not None else None)
    return {name: found[0] for name, found in readers.items() if len(found) == 1 and found[0] is not None}
