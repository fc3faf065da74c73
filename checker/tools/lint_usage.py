"""Lint beyond the grade table: declarations nothing uses, divisions by a value outside its boundary, and an
evidence schema that does not follow the conventions of docs/evidence.md."""
from __future__ import annotations

from ..evidence.conventions import convention_problems
from ..language import ast
from ..language.diagnostics import Diagnostic


def lint_unused(ruleset) -> list[Diagnostic]:
    """`unused-param`, `unused-function`, `unused-import`, and `unused-let` for a let that nothing reads and
    that has no label (a labelled one is a value the result shows, which is a use)."""
    module = ruleset.module
    if module is None:
        return []
    read: set[tuple[type, str]] = set()
    for decl in module.declarations:
        for node in decl.walk():
            ref = getattr(node, "ref", None)
            if isinstance(ref, (ast.LetRef, ast.ParamRef, ast.FunctionRef, ast.TableRef, ast.LibraryRef)):
                read.add((type(ref), ref.name))
                if "." in ref.name:  # `alias.name`: the import is used
                    read.add((ast.LibraryRef, ref.name.split(".", 1)[0]))
    found = []
    for decl in module.declarations:
        if isinstance(decl, ast.Let) and decl.label is None and (ast.LetRef, decl.name) not in read:
            found.append(_unused("unused-let", f"let '{decl.name}' is read by nothing and, with no label, shown "
                                               "to no reader", decl))
        elif isinstance(decl, ast.Param) and (ast.ParamRef, decl.name) not in read:
            found.append(_unused("unused-param", f"parameter '{decl.name}' is read by nothing", decl))
        elif isinstance(decl, ast.FunctionDecl) and (ast.FunctionRef, decl.name) not in read:
            found.append(_unused("unused-function", f"function '{decl.name}' is called by nothing", decl))
        elif isinstance(decl, ast.Import) and (ast.LibraryRef, decl.alias) not in read:
            found.append(_unused("unused-import", f"library '{decl.alias}' is imported but nothing of it is read",
                                 decl))
    return found


def lint_boundary(ruleset) -> list[Diagnostic]:
    """`boundary-division`: a division by a `let … when COND`, which is 0 outside COND, so the division fails
    there; unless the division is read only where COND holds (inside `if COND then …`, or in a let or item
    with the same `when`)."""
    module = ruleset.module
    if module is None:
        return []
    bounded = {d.name: d.when.text for d in module.declarations if isinstance(d, ast.Let) and d.when is not None}
    found = []

    def visit(node: ast.Node, guards: frozenset) -> None:
        when = getattr(node, "when", None)  # a let, requirement or criterion read only where it holds
        if isinstance(when, ast.Expr):
            guards = guards | {when.text}
        if isinstance(node, ast.Conditional):
            visit(node.condition, guards)
            visit(node.then, guards | {node.condition.text})
            visit(node.otherwise, guards)
            return
        if isinstance(node, ast.Arith) and node.op == "/" and isinstance(node.right.ref, ast.LetRef):
            condition = bounded.get(node.right.ref.name)
            if condition is not None and condition not in guards:
                found.append(Diagnostic(
                    "boundary-division", f"`{node.text}` divides by '{node.right.ref.name}', which is 0 where "
                    f"`{condition}` does not hold: there the division fails", node.span,
                    hint=f"write `if {condition} then {node.text} else …`", severity="warning"))
        for child in node.children():
            visit(child, guards)

    for decl in module.declarations:
        visit(decl, frozenset())
    return found


def _unused(code: str, message: str, decl: ast.Node) -> Diagnostic:
    return Diagnostic(code, message, decl.span, hint="remove it, or use it", severity="warning")


SHOWN = 8  # places named in the schema warning; the rest are counted


def lint_schema(ruleset) -> list[Diagnostic]:
    """`schema-convention`: one warning, at the header's `evidence` line, listing where the ruleset's evidence
    schema departs from the conventions (every number has x-unit, every field its zh/en description, …)."""
    problems = convention_problems(ruleset.schema) if ruleset.schema else []
    if not problems:
        return []
    entry = next((m for m in ruleset.module.header.meta if m.key == "evidence"), None) if ruleset.module else None
    listed = "; ".join(problems[:SHOWN]) + (f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")
    return [Diagnostic("schema-convention", f"the evidence schema departs from the conventions of docs/evidence.md "
                                            f"in {len(problems)} place{'s' * (len(problems) > 1)}: {listed}",
                       entry.span if entry else None, hint="`carbon-check schema --scaffold` writes one that "
                       "follows them", severity="warning")]
