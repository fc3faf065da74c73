"""Lint beyond the grade table: declarations nothing uses, and an evidence schema that does not follow the
conventions of docs/evidence.md."""
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
