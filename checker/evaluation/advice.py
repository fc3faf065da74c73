"""Gap advice as a plan: each change the gap analysis offers, with all its effects, ranked; and a combined plan.

The gap analysis (checker.evaluation.gap) finds, condition by condition, the smallest change to one input
that meets it. One change often does more than that: 3,000 MWh of green power raises the renewable share,
lowers the residual emissions (so the offset ratio rises) and earns points. So each change is applied to the
evidence and the ruleset evaluated again, as `check --set` would, and the action records everything that
moved: the conditions between the application and the target grade it meets (and any it breaks), the
points gained, the outcome and grade it leads to.

Actions are ranked by fewest changes, then whether they reach the target grade, then most points, then most
conditions met. The combined plan takes the best action, evaluates again, and repeats from the changed
evidence while conditions remain (at most MAX_STEPS changes); it is given only when the evaluation of all its
changes together, made on the original evidence, reaches the target grade.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from ..language.compile import Program
from ..pointer import format_pointer, get, patched
from .evaluate import evaluate, let_values
from .result import FAIL, MET, Result

MAX_STEPS = 4  # changes in a combined plan: more is a project, not advice


@dataclass(frozen=True)
class Edit:
    """One concrete change of one evidence input: a field set to a new value, or an item added to a list."""

    path: tuple  # the field, or the list an item is added to
    kind: str  # raise, lower, add
    before: Any  # the value now; None for a new item
    after: Any  # the new value, or the new item
    amount: Decimal  # the size of the change, in `unit`
    unit: str | None
    field: str | None = None  # for add: the field of the new item that is set
    like: str | None = None  # for add: the item the new one copies
    label: dict | None = None  # what the input is, from the evidence schema: {zh, en}

    @property
    def key(self) -> tuple:
        return (self.path, self.kind, repr(self.after))

    def apply(self, evidence: dict) -> dict:
        if self.kind == "add":
            items = get(evidence, self.path)
            return patched(evidence, self.path, [*(items if isinstance(items, list) else []), self.after])
        return patched(evidence, self.path, self.after)

    def record(self) -> dict:
        """As results record it; `pointer`, `from` and `to` are those of a what-if (`check --set`) change."""
        return {"pointer": format_pointer(self.path) + ("/-" if self.kind == "add" else ""), "from": self.before,
                "to": self.after, "kind": self.kind, "amount": self.amount, "unit": self.unit,
                "field": self.field, "like": self.like, "label": self.label}


def advise(program: Program, evidence: dict, result: Result, params: dict, target: int, edits: list[Edit],
           offered: Callable[[dict, Result], list[Edit]],
           known: Callable[[dict, list[tuple]], dict | None]) -> tuple[list[dict], dict | None]:
    """The ranked actions of `edits` and the combined plan reaching grade number `target` (None if none is found).

    `offered(evidence, result)` is the gap analysis's list of changes for other evidence, for the plan's
    later steps. `known(values, pointers)`: of the lets' values on some evidence, those a change at
    `pointers` leaves as they are (checker.evaluation.gap.Plan.known), so that each evaluation again works
    out only what the change feeds.
    """
    provenance = {"ruleset": result.ruleset, "evidence": result.evidence, "tool": result.tool}
    values: dict[int, tuple] = {}  # each result changes start from (kept alive: ids stay theirs), its lets' values

    def run(start: Result, changed: dict, made: list[Edit]) -> Result:
        if id(start) not in values:
            values[id(start)] = (start, let_values(program, start))
        kept = known(values[id(start)][1], [e.path for e in made])
        return evaluate(program, changed, params=params, provenance=provenance, date=result.date, known=kept)

    def effects(before_open: list[str], start: Result, base: dict, edit: Edit) -> dict:
        changed = edit.apply(base)
        after = run(start, changed, [edit])
        after_open = _open(program, after, target)
        gained = after.score - start.score if after.score is not None and start.score is not None else None
        return {"edits": [edit], "evidence": changed, "result": after,
                "fixes": [c for c in before_open if c not in after_open],
                "breaks": [c for c in after_open if c not in before_open],
                "points": gained, "reaches": _reaches(after, target)}

    opened = _open(program, result, target)  # what stands before the target now: once, not per change
    found = [effects(opened, result, evidence, edit) for edit in edits]
    useful = sorted((a for a in found if a["fixes"] or (a["points"] or 0) > 0),
                    key=lambda a: (len(a["edits"]), not a["reaches"], -(a["points"] or 0), -len(a["fixes"])))
    actions = [_action(a) for a in useful]

    # The plan: the best next change, again and again, from the evidence as changed so far.
    steps, base, now, options = [], evidence, result, useful
    while not _reaches(now, target) and len(steps) < MAX_STEPS:
        options = [a for a in options if not a["breaks"]]
        if not options:
            return actions, None
        best = min(options, key=lambda a: (not a["reaches"], -len(a["fixes"]), -(a["points"] or 0)))
        steps = _merged(steps, best["edits"][-1])
        base, now = best["evidence"], best["result"]
        opened = _open(program, now, target)
        options = [a for a in (effects(opened, now, base, e) for e in offered(base, now))
                   if a["fixes"] or (a["points"] or 0) > 0]
    if not steps or not _reaches(now, target):
        return actions, None
    checked = evidence
    for edit in steps:
        checked = edit.apply(checked)
    final = run(result, checked, steps)  # the plan as one what-if on the original evidence: given only if it holds
    if not _reaches(final, target):
        return actions, None
    return actions, {"changes": [e.record() for e in steps], "outcome": final.outcome,
                     "grade": _grade(final), "score": final.score}


def _open(program: Program, result: Result, target: int) -> list[str]:
    """What stands between `result` and grade number `target`: failed requirements and unmet clauses."""
    failed = [f"{c.node.id}: {c.node.condition.text}" for c, item in zip(program.requirements, result.requirements)
              if item.status == FAIL]
    return failed + [c.node.text for c, item in zip(program.grades[target].clauses, result.grades[target].conditions)
                     if item.status != MET]


def _reaches(result: Result, target: int) -> bool:
    """Graded at the target grade or above it (grades are listed highest first)."""
    ids = [g.id for g in result.grades]
    return result.grade is not None and ids.index(result.grade["id"]) <= target


def _grade(result: Result) -> dict | None:
    grade = result.grade or result.provisional_grade
    return {"id": grade["id"], "label": grade["label"]} if grade else None


def _action(found: dict) -> dict:
    after = found["result"]
    return {"changes": [e.record() for e in found["edits"]], "fixes": found["fixes"], "breaks": found["breaks"],
            "points": found["points"], "score": after.score, "outcome": after.outcome, "grade": _grade(after)}


def _merged(steps: list[Edit], edit: Edit) -> list[Edit]:
    """`steps` then `edit`; a second change of the same field becomes one change from its first value."""
    for i, earlier in enumerate(steps):
        if edit.kind != "add" and earlier.kind != "add" and earlier.path == edit.path:
            amount = edit.after - earlier.before
            joined = dataclasses.replace(earlier, after=edit.after, amount=abs(amount),
                                         kind="raise" if amount > 0 else "lower")
            return [*steps[:i], joined, *steps[i + 1:]]
    return [*steps, edit]
