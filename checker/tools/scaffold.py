"""`schema --scaffold`: a starting evidence schema from the evidence paths a ruleset reads.

Read from the syntax tree alone (the ruleset need not load yet: it has no schema). Each path's type and
unit are inferred from how it is used — compared with `80%` or `26000 tCO2e`, given to a text function,
aggregated, tested as a condition, declared by `let x in UNIT = evidence.path` — and the schema follows the
conventions the shipped schemas follow (evidence/conventions.py), with zh/en description placeholders to
fill in. Units are solved through `*` and `/` as well: in `let e in tCO2e = evidence.mass * evidence.factor`
with the mass in t, the factor is in tCO2e/t. Since one use can settle the unit another needs, the rules
are read again until nothing more is learnt. A path read unconditionally (not under a `when`, a branch of
`if`, the right of `and`/`or`, `??` or `present()`) is `required`.
"""
from __future__ import annotations

from pathlib import Path

from ..catalogue import both
from ..evaluation.ruleset import read_source
from ..evidence.conventions import DRAFT_2020_12
from ..language import ast
from ..language.diagnostics import RulesetError
from ..language.functions import FUNCTIONS
from ..language.parse import parse
from ..language.units import MAGNITUDES, ONE, Unit, UnitError, known_symbols, parse_unit
from ..resources import resource_dir

ITEM = "[]"  # a path step into the items of a list
KINDS = {"text": "string", "number": "number", "plain": "number", "date": "date", "bool": "boolean"}


ROUNDS = 8  # readings of the rules at most: each round can only settle units the one before made known


class _Uses:
    def __init__(self, module: ast.Module, libraries: dict[str, ast.Module]):
        self.hints: dict[tuple, dict] = {}  # path → {"kind", "unit", "enum"}
        self.required: set[tuple] = set()
        declared = [(f"{alias}.", d) for alias, library in libraries.items() for d in library.declarations]
        declared += [("", d) for d in module.declarations]
        # The ruleset's own functions (their arguments are typed), and the declared units of lets, parameters
        # and tables (by the name the rules use: `alias.name` for a library's), which settle units of evidence.
        self.functions = {d.name: d for _, d in declared if isinstance(d, ast.FunctionDecl)}
        self.units = {prefix + d.name: d.unit for prefix, d in declared
                      if isinstance(d, (ast.Let, ast.Param, ast.Table)) and d.unit}
        self.tables = {prefix + d.name: d for prefix, d in declared if isinstance(d, ast.Table)}
        # `let cn = evidence.goods.cn_code`: where the rules use `cn`, they use that path.
        self.aliases = {d.name: path for d in module.declarations
                        if isinstance(d, ast.Let) and (path := _path(d.expr, {}))}

    def note(self, path: tuple, kind: str | None = None, unit: str | None = None, enum=None,
             required: bool = False) -> None:
        hint = self.hints.setdefault(path, {})
        if kind and (hint.get("kind") in (None, "number") or kind != "number"):
            hint["kind"] = kind
        if unit and not hint.get("unit"):
            hint["unit"] = unit
        if enum:
            hint["enum"] = sorted(set(hint.get("enum", [])) | set(enum))
        if required:  # and so is every object on the way to it
            self.required.update(path[:i] for i in range(1, len(path) + 1))


def scaffold(module: ast.Module, libraries: dict[str, ast.Module] | None = None) -> dict:
    """The starting schema of the evidence `module` reads; `libraries` (alias → parsed library) give the units
    and keys of the tables it imports."""
    uses = _Uses(module, libraries or {})
    for _ in range(ROUNDS):
        before = repr(uses.hints)
        _read(module, uses)
        if repr(uses.hints) == before:
            break
    title = next((m.value for m in module.header.meta if m.key == "title"), None)
    words = both("scaffold", "evidence", name={"en": title.en or title.zh if title else module.header.id,
                                               "zh": title.zh if title else module.header.id})
    schema = {"$schema": DRAFT_2020_12, "title": f"Evidence for {module.header.id}",
              "description": words["en"], "x-description-zh": words["zh"]}
    schema.update(_node((), uses))
    return schema


def imported(module: ast.Module, path: Path) -> dict[str, ast.Module]:
    """The libraries `module` (read from `path`) imports, parsed, looked for where loading looks for them;
    one that cannot be read or parsed is left out: the scaffold then knows less of its tables."""
    found = {}
    for decl in module.declarations:
        if isinstance(decl, ast.Import):
            for candidate in (path.parent / decl.path, resource_dir("rulesets") / decl.path):
                try:
                    found[decl.alias] = parse(read_source(candidate), decl.path)
                    break
                except RulesetError:  # not there, unreadable or not parsed
                    continue
    return found


def _read(module: ast.Module, uses: _Uses) -> None:
    """One reading of the rules, noting what each use says of the evidence paths."""
    for decl in module.declarations:
        if isinstance(decl, ast.Let):
            _visit(decl.expr, uses.aliases, uses, True, None, decl.unit)
            if decl.when is not None:
                _visit(decl.when, uses.aliases, uses, True, "boolean")
        elif isinstance(decl, ast.Variant):
            _visit(decl.selector, uses.aliases, uses, True, "string")
            path = _path(decl.selector, uses.aliases)
            if path is not None:
                uses.note(path, "string", enum=[o.value for o in decl.options])
        elif isinstance(decl, ast.Requirement):
            if decl.when is not None:
                _visit(decl.when, uses.aliases, uses, True, "boolean")
            _visit(decl.condition, uses.aliases, uses, decl.when is None, "boolean")
        elif isinstance(decl, ast.Section):
            for criterion in decl.criteria:
                _criterion(criterion, uses)
        elif isinstance(decl, ast.Grades):
            for grade in decl.grades:
                _visit(grade.condition, uses.aliases, uses, False, "boolean")


def _criterion(criterion: ast.Criterion, uses: _Uses) -> None:
    unconditional = criterion.when is None
    if criterion.when is not None:
        _visit(criterion.when, uses.aliases, uses, True, "boolean")
    scoring = criterion.scoring
    if isinstance(scoring, ast.Tiers):
        for i, tier in enumerate(scoring.tiers):
            if tier.condition is not None:
                _visit(tier.condition, uses.aliases, uses, unconditional and i == 0, "boolean")
    elif isinstance(scoring, ast.Scale):
        for part in (scoring.value, scoring.start, scoring.end):
            _visit(part, uses.aliases, uses, unconditional, "number")
    elif isinstance(scoring, ast.Points):
        _visit(scoring.value, uses.aliases, uses, unconditional, "number")
    elif isinstance(scoring, ast.Assessed):
        if scoring.source is None:
            uses.note(("assessments", criterion.id), "number", "1", required=False)
        else:
            _visit(scoring.source, uses.aliases, uses, unconditional, "number")


def _path(expr: ast.Expr, env: dict) -> tuple | None:
    """The evidence path an expression names (`evidence.a.b`, `s.mass` for s bound to a list's items)."""
    if isinstance(expr, ast.Name):
        if expr.name in env:
            return env[expr.name]
        return () if expr.name == "evidence" else None
    if isinstance(expr, ast.Field):
        base = _path(expr.base, env)
        return None if base is None else (*base, expr.name)
    if isinstance(expr, ast.Index):
        base = _path(expr.base, env)
        return None if base is None else (*base, ITEM)
    return None


def _literal(expr: ast.Expr) -> tuple[str, str | None] | None:
    if isinstance(expr, ast.Negate):
        expr = expr.operand
    if isinstance(expr, ast.Number):
        return "number", expr.unit
    if isinstance(expr, ast.String):
        return "string", None
    if isinstance(expr, ast.Boolean):
        return "boolean", None
    return None


def _visit(expr, env: dict, uses: _Uses, required: bool, wanted: str | None = None, unit: str | None = None) -> None:
    """Note every evidence path under `expr`; `wanted` is the kind the place of `expr` asks for, `unit` the
    unit a number there is in (`let x in tCO2e = a + sum(…)`: through sums, branches and defaults)."""
    if expr is None:
        return
    path = _path(expr, env)
    if path is not None:
        if path:
            uses.note(path, wanted or ("number" if unit else None), unit, required=required)
        if isinstance(expr, ast.Index):
            for key in expr.keys:
                _visit(key, env, uses, required, "number")
        return
    if isinstance(expr, (ast.Compare, ast.Member, ast.Within)):
        sides = [expr.left, expr.right] if isinstance(expr, ast.Compare) else \
            [expr.value, *expr.options] if isinstance(expr, ast.Member) else [expr.value, expr.lower, expr.upper]
        known = next((lit for lit in map(_literal, sides) if lit is not None), None)
        # The unit of any side (a literal, a let, a parameter, evidence whose unit is known) is every side's.
        same = next((u for u in (_unit_of(side, env, uses) for side in sides) if u is not None), None)
        for side in sides:
            side_path = _path(side, env)
            if side_path and known:
                # The texts it is compared with are the values the rules know: a starting enum.
                enum = [o.value for o in sides if isinstance(o, ast.String)] if known[0] == "string" else None
                uses.note(side_path, known[0], known[1], enum, required)
            numeric = same is not None and (known is None or known[0] == "number")
            _visit(side, env, uses, required, "number" if numeric and side_path else None,
                   _symbol(same) if numeric else None)
    elif isinstance(expr, ast.Logic):
        for i, operand in enumerate(expr.operands):
            _visit(operand, env, uses, required and i == 0, "boolean")
    elif isinstance(expr, ast.Not):
        _visit(expr.operand, env, uses, required, "boolean")
    elif isinstance(expr, ast.Conditional):
        _visit(expr.condition, env, uses, required, "boolean")
        _visit(expr.then, env, uses, False, wanted, unit)
        _visit(expr.otherwise, env, uses, False, wanted, unit)
    elif isinstance(expr, ast.Coalesce):
        fallback = _literal(expr.fallback)
        value_path = _path(expr.value, env)
        if value_path and fallback:
            uses.note(value_path, fallback[0], fallback[1])
        _visit(expr.value, env, uses, False, wanted, unit)
        _visit(expr.fallback, env, uses, required, wanted, unit)
    elif isinstance(expr, ast.Arith):
        # What each side must be in for the whole to be in `unit`, given the other side's unit.
        want = _parsed(unit)
        left, right = _unit_of(expr.left, env, uses), _unit_of(expr.right, env, uses)
        if expr.op in "+-":
            wanted_units = (want or right, want or left)
        elif expr.op == "*":
            wanted_units = (_over(want, right), _over(want, left))
        else:
            wanted_units = (_times(want, right), _over(left, want))
        for side, side_unit in zip((expr.left, expr.right), wanted_units):
            _visit(side, env, uses, required, "number", _symbol(side_unit))
    elif isinstance(expr, ast.Negate):
        _visit(expr.operand, env, uses, required, "number", unit)
    elif isinstance(expr, ast.Aggregate):
        source = _path(expr.source, env)
        if source:
            uses.note(source, "array", required=required)
        inner = dict(env)
        if source is not None:
            inner[expr.variable] = (*source, ITEM)
        item = {"any": "boolean", "all": "boolean", "count": None}.get(expr.function, "number")
        for name, let in zip(expr.let_names, expr.lets):  # `sum(e for … let e = …)`: e is in the sum's unit
            summed = item == "number" and isinstance(expr.item, ast.Name) and expr.item.name == name
            _visit(let, inner, uses, False, "number" if summed else None, unit if summed else None)
        _visit(expr.where, inner, uses, False, "boolean")
        _visit(expr.item, inner, uses, False, item, unit if item == "number" else None)
    elif isinstance(expr, ast.Call) and expr.function in uses.functions:
        for arg, argument in zip(expr.args, uses.functions[expr.function].arguments):
            _visit(arg, env, uses, required, KINDS[argument.kind], argument.unit)
    elif isinstance(expr, ast.Call):
        function = FUNCTIONS.get(expr.function)
        for i, arg in enumerate(expr.args):
            kind = function.kind_of(i) if function else None
            if kind == "list":
                arg_path = _path(arg, env)
                if arg_path:
                    uses.note(arg_path, "array", required=required)
                    numeric = expr.function not in ("any", "all", "count")
                    uses.note((*arg_path, ITEM), "number" if numeric else "boolean" if expr.function != "count"
                              else None, unit if numeric else None)
                continue
            arg_path = _path(arg, env)
            if expr.function == "present" and arg_path:
                # Provided and not blank: most often a text, unless another use says what it is.
                uses.hints.setdefault(arg_path, {})["guess"] = "string"
            same = function is not None and function.result == "same" and kind == "number"
            _visit(arg, env, uses, required and expr.function != "present",
                   KINDS.get(kind) if kind not in (None, "any", "table") else None, unit if same else None)
    elif isinstance(expr, ast.Index):  # a table lookup: a row's key, then a column's name
        table = uses.tables.get(_name(expr.base))
        numbers = table is not None and table.rows and all(not isinstance(row.key, str) for row in table.rows)
        for i, key in enumerate(expr.keys):
            _visit(key, env, uses, required, "number" if i == 0 and numbers else "string")
    else:
        for child in expr.children():
            _visit(child, env, uses, required)


def _name(expr: ast.Expr) -> str | None:
    """The name a let, parameter or table is read by: `name`, or `alias.name` for a library's."""
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Field) and isinstance(expr.base, ast.Name):
        return f"{expr.base.name}.{expr.name}"
    return None


def _parsed(symbol: str | None) -> Unit | None:
    try:
        return parse_unit(symbol) if symbol else None
    except UnitError:
        return None


def _plain(unit: Unit) -> Unit:
    """% and other dimensionless units multiply like 1: `mass * share` is in the mass's unit."""
    return ONE if unit.dimensionless else unit


def _times(a: Unit | None, b: Unit | None) -> Unit | None:
    if a is None or b is None:
        return None
    return a if b == ONE else _plain(a).times(_plain(b))


def _over(a: Unit | None, b: Unit | None) -> Unit | None:
    if a is None or b is None:
        return None
    return a if b == ONE else _plain(a).over(_plain(b))


def _symbol(unit: Unit | None) -> str | None:
    """A unit as `x-unit` can write it (`tCO2e/t`, `万元`), or None when it cannot (`t·km`)."""
    if unit is None:
        return None
    if unit.dimensionless:
        return {1: "1", ONE.scale / 100: "%"}.get(unit.scale)
    return next((symbol for symbol in (unit.symbol, *_spellings(unit.dimension))
                 if (written := _parsed(symbol)) is not None and
                 (written.scale, written.dimension) == (unit.scale, unit.dimension)), None)


def _spellings(dimension: tuple) -> list[str]:
    """The ways to write a unit of this dimension as one symbol or one symbol over another."""
    atoms = [s for s in known_symbols() if s != "%"]
    atoms += [prefix + s for prefix in MAGNITUDES for s in atoms if _parsed(prefix + s) is not None]

    def of(dim: str) -> list[str]:
        return [a for a in atoms if _parsed(a).dimension == ((dim, 1),)]
    if len(dimension) == 1 and dimension[0][1] == 1:
        return of(dimension[0][0])
    if len(dimension) == 2 and sorted(e for _, e in dimension) == [-1, 1]:
        top, bottom = (d for d, e in sorted(dimension, key=lambda de: -de[1]))
        return [f"{a}/{b}" for a in of(top) for b in of(bottom)]
    return []


def _unit_of(expr: ast.Expr, env: dict, uses: _Uses) -> Unit | None:
    """The unit an expression is known to be in, from what is known so far; None if not yet known."""
    if isinstance(expr, ast.Negate):
        return _unit_of(expr.operand, env, uses)
    if isinstance(expr, ast.Number):
        return _parsed(expr.unit or "1")
    path = _path(expr, env)
    if path is not None:
        return _parsed(uses.hints.get(path, {}).get("unit"))
    if isinstance(expr, (ast.Name, ast.Field)):
        return _parsed(uses.units.get(_name(expr)))
    if isinstance(expr, ast.Index):
        table = uses.tables.get(_name(expr.base))
        return _parsed(table.unit) if table is not None else None
    if isinstance(expr, ast.Arith):
        left, right = _unit_of(expr.left, env, uses), _unit_of(expr.right, env, uses)
        return (left or right) if expr.op in "+-" else _times(left, right) if expr.op == "*" else _over(left, right)
    if isinstance(expr, ast.Conditional):
        return _unit_of(expr.then, env, uses) or _unit_of(expr.otherwise, env, uses)
    if isinstance(expr, ast.Coalesce):
        return _unit_of(expr.value, env, uses) or _unit_of(expr.fallback, env, uses)
    if isinstance(expr, ast.Aggregate) and expr.function in ("sum", "min", "max", "avg"):
        source = _path(expr.source, env)
        inner = {**env, expr.variable: (*source, ITEM)} if source is not None else env
        return _unit_of(expr.item, inner, uses)
    if isinstance(expr, ast.Call) and expr.function in uses.functions:
        return _parsed(uses.functions[expr.function].unit)
    if isinstance(expr, ast.Call) and expr.args and getattr(FUNCTIONS.get(expr.function), "result", None) == "same":
        first = expr.args[0]
        listed = _path(first, env) if FUNCTIONS[expr.function].kind_of(0) == "list" else None
        return _parsed(uses.hints.get((*listed, ITEM), {}).get("unit")) if listed else _unit_of(first, env, uses)
    return None


def _node(path: tuple, uses: _Uses) -> dict:
    children = sorted({p[len(path)] for p in uses.hints if len(p) > len(path) and p[:len(path)] == path})
    where = "/".join(path) or "the evidence"
    words = both("scaffold", "field", where=where)
    described = {"description": words["en"], "x-description-zh": words["zh"]}
    if ITEM in children:
        return {"type": "array", **described, "maxItems": 1000, "items": _node((*path, ITEM), uses)}
    if children:
        node = {"type": "object", **({} if not path else described), "additionalProperties": False,
                "properties": {name: _node((*path, name), uses) for name in children}}
        required = [name for name in children if (*path, name) in uses.required]
        if required:
            node["required"] = required
        return node
    hint = uses.hints.get(path, {})
    kind = hint.get("kind") or hint.get("guess")
    if kind == "boolean":
        return {"type": "boolean", **described, "examples": [True]}
    if kind == "date":
        return {"type": "string", "format": "date", **described, "maxLength": 10, "examples": ["2024-12-31"]}
    if kind == "string":
        if hint.get("enum"):
            return {"type": "string", **described, "enum": hint["enum"], "examples": hint["enum"][:1]}
        return {"type": "string", **described, "maxLength": 200, "examples": ["(to be filled in)"]}
    if kind == "array":
        return {"type": "array", **described, "maxItems": 1000, "items": {"type": "number", **described,
                                                                         "x-unit": "1", "examples": [0]}}
    # A number, or a value whose use says nothing: a plain number until the writer says otherwise.
    return {"type": "number", **described, "x-unit": hint.get("unit") or "1", "examples": [0]}
