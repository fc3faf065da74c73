"""`schema --scaffold`: a starting evidence schema from the evidence paths a ruleset reads.

Read from the syntax tree alone (the ruleset need not load yet: it has no schema). Each path's type and
unit are inferred from how it is used — compared with `80%` or `26000 tCO2e`, given to a text function,
aggregated, tested as a condition, declared by `let x in UNIT = evidence.path` — and the schema follows the
conventions the shipped schemas follow (evidence/conventions.py), with zh/en description placeholders to
fill in. A path read unconditionally (not under a `when`, a branch of `if`, the right of `and`/`or`, `??`
or `present()`) is `required`.
"""
from __future__ import annotations

from ..catalogue import both
from ..evidence.conventions import DRAFT_2020_12
from ..language import ast
from ..language.functions import FUNCTIONS

ITEM = "[]"  # a path step into the items of a list
KINDS = {"text": "string", "number": "number", "plain": "number", "date": "date", "bool": "boolean"}


class _Uses:
    def __init__(self, functions: dict[str, ast.FunctionDecl]):
        self.hints: dict[tuple, dict] = {}  # path → {"kind", "unit", "enum"}
        self.required: set[tuple] = set()
        self.functions = functions  # the ruleset's own: their arguments are typed

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


def scaffold(module: ast.Module) -> dict:
    """The starting schema of the evidence `module` reads."""
    uses = _Uses({d.name: d for d in module.declarations if isinstance(d, ast.FunctionDecl)})
    for decl in module.declarations:
        if isinstance(decl, ast.Let):
            _visit(decl.expr, {}, uses, True, None, decl.unit)
        elif isinstance(decl, ast.Variant):
            _visit(decl.selector, {}, uses, True, "string")
            path = _path(decl.selector, {})
            if path is not None:
                uses.note(path, "string", enum=[o.value for o in decl.options])
        elif isinstance(decl, ast.Requirement):
            if decl.when is not None:
                _visit(decl.when, {}, uses, True, "boolean")
            _visit(decl.condition, {}, uses, decl.when is None, "boolean")
        elif isinstance(decl, ast.Section):
            for criterion in decl.criteria:
                _criterion(criterion, uses)
        elif isinstance(decl, ast.Grades):
            for grade in decl.grades:
                _visit(grade.condition, {}, uses, False, "boolean")
    title = next((m.value for m in module.header.meta if m.key == "title"), None)
    words = both("scaffold", "evidence", name={"en": title.en or title.zh if title else module.header.id,
                                               "zh": title.zh if title else module.header.id})
    schema = {"$schema": DRAFT_2020_12, "title": f"Evidence for {module.header.id}",
              "description": words["en"], "x-description-zh": words["zh"]}
    schema.update(_node((), uses))
    return schema


def _criterion(criterion: ast.Criterion, uses: _Uses) -> None:
    unconditional = criterion.when is None
    if criterion.when is not None:
        _visit(criterion.when, {}, uses, True, "boolean")
    scoring = criterion.scoring
    if isinstance(scoring, ast.Tiers):
        for i, tier in enumerate(scoring.tiers):
            if tier.condition is not None:
                _visit(tier.condition, {}, uses, unconditional and i == 0, "boolean")
    elif isinstance(scoring, ast.Scale):
        for part in (scoring.value, scoring.start, scoring.end):
            _visit(part, {}, uses, unconditional, "number")
    elif isinstance(scoring, ast.Points):
        _visit(scoring.value, {}, uses, unconditional, "number")
    elif isinstance(scoring, ast.Assessed):
        if scoring.source is None:
            uses.note(("assessments", criterion.id), "number", "1", required=False)
        else:
            _visit(scoring.source, {}, uses, unconditional, "number")


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
        for side in sides:
            side_path = _path(side, env)
            if side_path and known:
                # The texts it is compared with are the values the rules know: a starting enum.
                enum = [o.value for o in sides if isinstance(o, ast.String)] if known[0] == "string" else None
                uses.note(side_path, known[0], known[1], enum, required)
            _visit(side, env, uses, required)
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
        for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
            known = _literal(other)
            side_path = _path(side, env)
            if side_path and known and expr.op in "+-":
                uses.note(side_path, "number", known[1], required=required)
            _visit(side, env, uses, required, "number", unit if expr.op in "+-" else None)
    elif isinstance(expr, ast.Negate):
        _visit(expr.operand, env, uses, required, "number", unit)
    elif isinstance(expr, ast.Aggregate):
        source = _path(expr.source, env)
        if source:
            uses.note(source, "array", required=required)
        inner = dict(env)
        if source is not None:
            inner[expr.variable] = (*source, ITEM)
        for name, let in zip(expr.let_names, expr.lets):
            _visit(let, inner, uses, False)
        _visit(expr.where, inner, uses, False, "boolean")
        item = {"any": "boolean", "all": "boolean", "count": None}.get(expr.function, "number")
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
            if expr.function == "present" and arg_path and not uses.hints.get(arg_path, {}).get("kind"):
                uses.note(arg_path, "string")  # provided and not blank: most often a text
            same = function is not None and function.result == "same" and kind == "number"
            _visit(arg, env, uses, required and expr.function != "present",
                   KINDS.get(kind) if kind not in (None, "any", "table") else None, unit if same else None)
    else:
        for child in expr.children():
            _visit(child, env, uses, required)


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
    kind = hint.get("kind")
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
