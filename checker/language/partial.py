"""Straight-line code for evaluating again only part of an application: what the gap analysis asks after a
change to some evidence inputs (checker.evaluation.levers.Plan makes them, one writer per ruleset, only for
the changes tried often once the ruleset is in steady use: compiling one costs more than a few uses save).

The gap's advice evaluates many small changes of one application. Each changes only the lets, items and
grade clauses its inputs feed; the rest keep the application's own values. These functions are written by
codegen's writers (the same expressions, records and exactness as `Program.run`) for one set of what is fed:

- `Partial.outlook`: the records of the requirements and criteria, the score and every grade clause's truth
  value, worked out again only for what is fed; the others are passed in, from the application's own
  evaluation (its `Result.records`).
- `Partial.subject`: the lets a clause's subject needs that an input feeds, in order, and then the subject:
  one probe of the gap's analysis.

Safety as in codegen: the source is built from the checked syntax tree only; every value of a ruleset or of
its evidence is a constant of the namespace, never source text.
"""
from __future__ import annotations

import types

from ..language import ast
from .codegen import HELPERS, RunWriter, Unsupported, Writer, functions_of, tuple_of


class Partial:
    """The partial functions of one program, written by one writer: one `run` writer's analysis of the program
    (which lets only one item reads) for all of them, and one namespace of constants, grown as they are made."""

    def __init__(self, program, compiler, records: dict):
        self.program = program
        self.w = Writer(compiler)
        self.run = RunWriter(self.w, program, records)

    def outlook(self, lets: frozenset, items: frozenset, clauses: set) -> types.FunctionType | None:
        """`f(ctx, R, C, H)` → (requirement records, criterion records, each grade's clause values (a tuple per
        grade), score, the set of the items' statuses), for evidence changed only where it feeds the lets named
        `lets` and the requirements and criteria whose ids are in `items`; the grade clauses numbered in
        `clauses` (in the order of every grade's clauses) are decided again. R, C and H are the application's
        own records, in `Program.run`'s order: what is not fed is taken from them. `ctx` holds the changed
        evidence, the parameters, the variant and the lets' values before the change (a copy: the lets fed are
        written into it). None when a construct is not supported (the closures then do it)."""
        w, run, program = self.w, self.run, self.program
        w.local, w.prelude, w.paths = {}, [], {}
        try:
            body: list[str] = []
            for let in program.lets:
                # As in `run`: a let no item reads is not needed; one read only by an item with a `when` is
                # worked out there (when that item is fed).
                if let.node.name in lets and not let.reported and let.node.name not in run.guarded:
                    run.let(let, body, 1)
            own = [w.fresh() for _ in program.requirements]
            requirements = [run.requirement(r, body) if r.node.id in items else kept
                            for r, kept in zip(program.requirements, own)]
            criteria_compiled = [c for s in program.sections for c in s.criteria]
            own_criteria = [w.fresh() for _ in criteria_compiled]
            criteria = [run.criterion(c, body) if c.node.id in items else kept
                        for c, kept in zip(criteria_compiled, own_criteria)]
            score = "None"
            if program.model.grades:
                score = w.assign(" + ".join([run.zero, *(f"{c}[1]" for c in criteria)]), body, 1)
                body.append(f"    ctx.score = {score}")
                w.local[("score",)] = score
            own_clauses = [w.fresh() for grade in program.grades for _ in grade.clauses]
            grades, at = [], 0
            for grade in program.grades:
                holds = []
                for clause in grade.clauses:
                    holds.append(w.expr(clause.node, {}, body, 1) if at in clauses else own_clauses[at])
                    at += 1
                grades.append(tuple_of(holds))
            lines = w.path_lines(None, []) + w.prelude
        except Unsupported:
            return None
        finally:
            w.local, w.prelude, w.paths = None, [], {}
        unpack = [f"    {tuple_of(names)} = {given}" for names, given in
                  ((own, "R"), (own_criteria, "C"), (own_clauses, "H")) if names]
        statuses = "{" + ", ".join(f"{r}[0]" for r in requirements + criteria) + "}" if requirements + criteria \
            else w.constant(frozenset())
        result = f"({tuple_of(requirements)}, {tuple_of(criteria)}, {tuple_of(grades)}, {score}, {statuses})"
        return self._compiled(["def f(ctx, R, C, H):", *unpack, *lines, *body, f"    return {result}"])

    def subject(self, lets: list, subject: ast.Expr, moved: tuple | None = None) -> types.FunctionType | None:
        """`f(ctx)` → `subject`'s value, after working out `lets` (compiled lets, in order) into `ctx.values`;
        the other lets it reads are the context's. None when a construct is not supported.

        With `moved` (an evidence path): `f(ctx, x)`, reading `x` as the evidence at that path and keeping the lets
        it works out in its own variables, so that one context, left as it was, serves every probe. None then
        also when the code reads a container of that path or inside it (they would not show `x`), or hands `ctx`
        to a closure (which reads the evidence and the lets there)."""
        w = self.w
        w.local, w.prelude, w.paths = {}, [], {}
        try:
            body: list[str] = []
            for let in lets:
                if moved is None:
                    self.run.let(let, body, 1)
                else:
                    w.local[("let", let.node.name)] = w.let(let.node, body, 1)
            value = w.expr(subject, {}, body, 1)
            lines = w.path_lines(None, [])
            if moved is not None:
                node = _argument(w.local, moved, lines + w.prelude + body)
                if node is None:
                    return None
                lines.append(f"    {node} = x")
            lines += w.prelude
        except Unsupported:
            return None
        finally:
            w.local, w.prelude, w.paths = None, [], {}
        return self._compiled(["def f(ctx):" if moved is None else "def f(ctx, x):", *lines, *body,
                               f"    return {value}"])

    def _compiled(self, lines: list[str]) -> types.FunctionType:
        namespace = {"__builtins__": {}, **HELPERS, **{f"c{n}": value for n, value in enumerate(self.w.constants)}}
        return functions_of("\n".join([*lines, ""]), "<generated partial evaluation>", namespace)["f"]


def _argument(local: dict, moved: tuple, lines: list) -> str | None:
    """The variable that holds the evidence at `moved` in generated code (its `local` names, its `lines`), when
    the code reads that path and no other that holds it or lies inside it, and hands `ctx` to no closure."""
    node = local.get(("path", moved))
    reads = [key[1] for key in local if key[0] == "evidence"]
    if node is None or moved not in reads or any("(ctx" in line for line in lines):
        return None
    if any(path != moved and (path[:len(moved)] == moved or moved[:len(path)] == path) for path in reads):
        return None
    return node
