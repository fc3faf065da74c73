"""Gap advice as a plan: each change the gap analysis offers, with all its effects, ranked; and a combined plan.

The gap analysis (checker.evaluation.gap) finds, condition by condition, the smallest change to one input
that meets it. One change often does more than that: 3,000 MWh of green power raises the renewable share,
lowers the residual emissions (so the offset ratio rises) and earns points. So each change is applied to the
evidence and the ruleset evaluated again, as `check --set` would, and the action records everything that
moved: the conditions between the application and the target grade it meets (and any it breaks), the
points gained, the outcome and grade it leads to.

Actions (one change each) are ranked by whether they reach the target grade, then most points, then most
conditions met. The combined plan is the fewest changes a bounded search finds among the TOP best actions
(sets of up to MAX_STEPS), its last change then made as small as the others leave necessary; it is given
only when the evaluation of all its changes together, made on the original evidence, reaches the target
grade. Every evaluation again works out only what its changes feed (`known`), and only what the advice reads
of it: evaluate's `outlook` (score, outcome, grade, the statuses of the requirements and of the target's
clauses), no Result; a whole Result only for the evidence the plan's last change is sized on again.

Conditions are recorded by reference (REFERENCE), in data; the words are the outputs'.
"""
from __future__ import annotations

import decimal
import itertools
from decimal import Decimal

from ..language.ast import ScoreRef
from ..language.compile import Program
from ..pointer import format_pointer, get, patched
from ..records import Frozen
from .evaluate import CONTEXT, ZERO, Known, Outlook, evaluate, outlook, own_context
from .result import FAIL, MET, Result

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any, Callable

MAX_STEPS = 4  # changes in a combined plan: more is a project, not advice
TOP = 6  # the best actions a plan is combined from: at most 56 sets of 2 to 4 of them
# What results record of a condition that names it (an action's `fixes` and `breaks`): the rest of a condition
# entry of the gap is its status, its value now and its advice.
REFERENCE = ("condition", "requirement", "subject", "label", "required", "unit")
MAX_POINTERS = 4096  # pointer texts kept (`_pointer_text`): paths into long lists are many
_POINTERS: dict[tuple, str] = {}


class Edit(Frozen):
    """One concrete change of one evidence input: a field set to a new value, or an item added to a list."""

    path: tuple  # the field, or the list an item is added to
    kind: str  # raise, lower, add
    before: Any  # the value now; None for a new item
    after: Any  # the new value, or the new item
    amount: Decimal  # the size of the change, in `unit`
    unit: str | None
    field: str | None  # for add: the field of the new item that is set
    like: str | None  # for add: the item the new one copies
    label: dict | None  # what the input is, from the evidence schema: {zh, en}
    __match_args__ = ("path", "kind", "before", "after", "amount", "unit", "field", "like", "label")

    def __init__(self, path: tuple, kind: str, before: Any, after: Any, amount: Decimal, unit: str | None,
                 field: str | None = None, like: str | None = None, label: dict | None = None):
        self.__dict__.update(path=path, kind=kind, before=before, after=after, amount=amount, unit=unit,
                             field=field, like=like, label=label)

    @property
    def key(self) -> tuple:
        return (self.path, self.kind, repr(self.after))

    def apply(self, evidence: dict) -> dict:
        path = self.path
        if len(path) == 2 and type(evidence) is dict:
            # Most edits set a field of an object of the evidence, or add to a list there: the two objects copied
            # at once, as `written` copies them.
            outer, last = path
            inner = evidence.get(outer)
            if type(inner) is dict and type(outer) is str and type(last) is str:
                copy = dict(evidence)
                inner = copy[outer] = dict(inner)
                inner[last] = appended(inner.get(last), self.after) if self.kind == "add" else self.after
                return copy
        if self.kind == "add":
            return written(evidence, path, lambda items: appended(items, self.after))[0]
        return written(evidence, path, lambda _: self.after)[0]

    def record(self) -> dict:
        """As results record it; `pointer`, `from` and `to` are those of a what-if (`check --set`) change."""
        return {"pointer": _pointer_text(self.path) + ("/-" if self.kind == "add" else ""), "from": self.before,
                "to": self.after, "kind": self.kind, "amount": self.amount, "unit": self.unit,
                "field": self.field, "like": self.like, "label": self.label}


def _pointer_text(path: tuple) -> str:
    """`format_pointer(path)`, kept for the few paths edits are made at (the same fields, application after
    application)."""
    text = _POINTERS.get(path)
    if text is None:
        text = format_pointer(path)
        if len(_POINTERS) < MAX_POINTERS:
            _POINTERS[path] = text
    return text


def written(document, parts: tuple, new: Callable[[Any], Any]) -> tuple:
    """(a copy of `document` with `new(value there)` at `parts`, the container it is in, the last part): the
    containers on the way copied (`copied_to`), or made by `patched` when one is missing (or refused, saying why)."""
    found = copied_to(document, parts)
    if found is None:
        copy = patched(document, parts, new(get(document, parts)))
        return copy, get(copy, parts[:-1]), parts[-1]
    copy, parent, last = found
    parent[last] = new(parent[last] if type(parent) is list else parent.get(last))
    return copy, parent, last


def appended(items, item) -> list:
    """A new list: `items` (if a list) and `item` after them."""
    return [*(items if isinstance(items, list) else []), item]


def copied_to(document, parts: tuple) -> tuple | None:
    """(a copy of `document`, its container at `parts[:-1]`, the last part): the containers on the way copied, as
    `pointer.patched` copies them, so that setting the last part there leaves `document` as it was. None when a
    container on the way is missing, or is not the kind its next part steps into (`patched` handles those);
    this is the quick way for the edits the gap tries again and again."""
    if not parts:
        return None
    top = node = _container_copy(document)
    for at, part in enumerate(parts):
        if type(node) is dict and type(part) is str:
            if at == len(parts) - 1:
                return top, node, part
            child = _container_copy(node.get(part))
        elif type(node) is list and type(part) is int and 0 <= part < len(node):
            if at == len(parts) - 1:
                return top, node, part
            child = _container_copy(node[part])
        else:
            return None
        if child is None:
            return None
        node[part] = child
        node = child
    return None


def _container_copy(node):
    kind = type(node)
    return dict(node) if kind is dict else list(node) if kind is list else None


class Advisor:
    """What `advise` asks of the gap analysis (checker.evaluation.gap) of one application: the changes it offers
    for other evidence, what a change leaves as it was, how results name a condition, and whether changes to
    evidence numbers can reach the target at all."""

    def __init__(self, analysis, target: int, offered: Callable[[dict, Result, tuple], list[Edit]],
                 conditions: list[dict] = ()):
        self.analysis, self.offered = analysis, offered
        program = analysis.plan.program
        # The conditions an action can meet or break, as `blocking` writes them: a requirement's and the target's
        # clauses', in order.
        self.texts = ([f"{c.node.id}: {c.node.condition.text}" for c in program.requirements],
                      [c.node.text for c in program.grades[target].clauses])
        self.sources = {text: (c.node.condition, c) for text, c in zip(self.texts[0], program.requirements)}
        self.sources.update({text: (c.node, None) for text, c in zip(self.texts[1], program.grades[target].clauses)})
        # The gap's entries of the conditions that stand before the target name them as an action's reference
        # does (their status, value now and advice aside): what most actions fix, not worked out again.
        self.references: dict[str, dict] = {entry["condition"]: {key: entry[key] for key in REFERENCE}
                                            for entry in conditions}
        self.kept: dict = {}  # (lets, items) a change feeds → what it leaves (`known`)
        self.target = target
        # For `beyond_reach`, worked out on first use (`_ceiling`): the criteria's points in the application's own
        # evaluation, and the score below which the target is out of reach.
        self._worked_out = False
        self._own_points: list | None = None
        self._bar: tuple | None = None

    def known(self, pointers: list[tuple]) -> Known | None:
        """What a change at `pointers` leaves as it was in the application's own evaluation; one for all changes
        that feed the same lets and items."""
        plan = self.analysis.plan
        fed = plan.fed(pointers)
        if fed not in self.kept:
            self.kept[fed] = plan.known(self.analysis.result, self.analysis.values, fed)
        return self.kept[fed]

    def reference(self, condition: str) -> dict:
        """How results name the condition written `condition` (see REFERENCE)."""
        if condition not in self.references:
            self.references[condition] = self.analysis.reference(*self.sources[condition])
        return self.references[condition]

    def blocking(self, requirements: list[str], clauses: list[str]) -> list[str]:
        """What stands between an evaluation and the target, from the statuses of its `requirements` and of the
        target's `clauses`: failed requirements and unmet clauses."""
        texts, clause_texts = self.texts
        failed = [text for text, status in zip(texts, requirements) if status == FAIL] if FAIL in requirements else []
        return failed + [text for text, status in zip(clause_texts, clauses) if status != MET]

    def within_reach(self) -> bool:
        """False when changes to evidence numbers cannot reach the target (its points are assessed ones)."""
        return not self.analysis.assessed_only

    def beyond_reach(self, actions: list[dict]) -> bool:
        """True when the changes of `actions` (one each, with its outlook alone) certainly do not reach the target
        together, by what they can score (`score_bound`): then the search need not evaluate them again. So it
        is when every grade up to the target has a clause `score > b`, `score >= b` or `score == b` that is
        false at every score up to the bound (`_ceiling`)."""
        ceiling = self._ceiling()
        bound = self.score_bound(actions) if ceiling is not None else None
        return bound is not None and (bound < ceiling[0] or (bound == ceiling[0] and ceiling[1]))

    def score_bound(self, actions: list[dict]) -> Decimal | None:
        """The most the changes of `actions` (one each, with its outlook alone) can score together; None when a
        change may feed everything. A criterion fed by none of the changes keeps the application's own record,
        and one fed by one change only gets the record it has with that change alone (nothing it reads is fed
        by the others). Only a criterion fed by two or more changes is unknown: it scores at most its maximum.
        The evaluation adds the points in criteria order, rounding each sum; rounding is monotone, so the same
        additions of the bounds bound the score (and are the score when no criterion is fed twice)."""
        self._ceiling()
        if self._own_points is None:
            return None
        points, seen, criteria = list(self._own_points), set(), self.analysis.plan.criteria
        for action in actions:
            scored = self._scored(action)
            if scored is None:
                return None
            for at, gained in scored:
                points[at] = criteria[at].node.max if at in seen else gained
                seen.add(at)
        return sum(points, ZERO)

    def _scored(self, action: dict) -> tuple | None:
        """(number, points) of each criterion the action's change feeds, with that change alone; None when it
        may feed everything. Kept in the action."""
        found = action.get("scored", False)
        if found is False:
            plan = self.analysis.plan
            fed = plan.feeds(action["edits"][0].path)
            records = action["result"].criteria
            found = action["scored"] = None if fed is None else tuple(
                (at, records[at][1]) for at, criterion in enumerate(plan.criteria) if criterion.node.id in fed[1])
        return found

    def _ceiling(self) -> tuple | None:
        """(bar, whether a score of `bar` itself is out of reach): every grade up to the target has a clause
        `score > b`, `score >= b` or `score == b` that is false at every score below the bar (and at it, if so
        said). Each grade is out of reach below its highest such bar (`score > b`: at b too); all of them
        below the lowest of those. None when a grade has no such clause (or the score is not known)."""
        if not self._worked_out:
            self._worked_out = True
            plan = self.analysis.plan
            program = plan.program
            own = self.analysis.result.records
            self._own_points = [record[1] for record in own[1]] if own is not None else None
            bars = []
            for grade in program.grades[:self.target + 1]:
                clauses = [plan.clause(c.node) for c in grade.clauses]
                found = [(bar, c.op == ">") for c in clauses
                         if c.kind == "compare" and isinstance(c.subject.ref, ScoreRef) and c.op in (">", ">=", "==")
                         for bar in [c.bounds[0](self.analysis.own())] if type(bar) is Decimal]
                bars.append(max(found) if found else None)
            if bars and None not in bars and program.model.sections and self._own_points is not None:
                self._bar = min(bars)
        return self._bar


def advise(program: Program, evidence: dict, result: Result, params: dict, target: int, edits: list[Edit],
           advisor: Advisor) -> tuple[list[dict], dict | None]:
    """The ranked actions of `edits` and the combined plan reaching grade number `target` (None if none is found).

    Every evaluation again works out only what its changes feed (`advisor.known`), as an outlook.
    """
    def changed(made: list[Edit]) -> tuple[dict, Known | None]:
        """The application's own evidence with the changes `made`, and what they leave as it was."""
        evidence_now = evidence
        for edit in made:
            evidence_now = edit.apply(evidence_now)
        return evidence_now, advisor.known([e.path for e in made])

    def effects(made: list[Edit]) -> dict:
        """What the changes `made` decide (evaluate's outlook), compared with the application's own evaluation."""
        changed_evidence, kept = changed(made)
        after = outlook(program, changed_evidence, params=params, known=kept, grade=target, own=own)
        after_open = advisor.blocking(after.requirements, after.clauses)
        gained = after.score - result.score if after.score is not None and result.score is not None else None
        return {"edits": made, "result": after,
                "fixes": [c for c in opened if c not in after_open],
                "breaks": [c for c in after_open if c not in opened], "points": gained,
                "reaches": after.grade is not None and after.rank <= target}

    def evaluated(made: list[Edit]) -> tuple[dict, Result]:
        """The evidence with the changes `made`, and its whole evaluation (for the gap analysis of it)."""
        changed_evidence, kept = changed(made)
        provenance = {"ruleset": result.ruleset, "evidence": result.evidence, "tool": result.tool}
        return changed_evidence, evaluate(program, changed_evidence, params=params, provenance=provenance,
                                          date=result.date, known=kept)

    # In the evaluation's decimal context itself, not gap_to's copy of it: an outlook then need not set it.
    saved = decimal.getcontext()
    decimal.setcontext(CONTEXT)
    try:
        own = own_context(program, evidence, params)  # its parameters and variant, for every outlook
        # What stands before the target now: once, not per change.
        opened = advisor.blocking([i.status for i in result.requirements],
                                  [c.status for c in result.grades[target].conditions])
        found = [effects([edit]) for edit in edits]
        useful = sorted((a for a in found if a["fixes"] or (a["points"] or 0) > 0),
                        key=lambda a: (not a["reaches"], -(a["points"] or 0), -len(a["fixes"])))
        actions = [_action(a, advisor) for a in useful]
        plan = _search(useful, opened, advisor, effects)
        if plan is None:
            return actions, None
        plan = _tightened(plan, advisor, effects, evaluated)
        final = plan["result"]
        return actions, {"changes": [e.record() for e in plan["edits"]], "outcome": final.outcome,
                         "grade": _grade(final), "score": final.score,
                         "search": {"actions": TOP, "changes": MAX_STEPS}}
    finally:
        decimal.setcontext(saved)


def _search(useful: list[dict], opened: list[str], advisor: Advisor, tried: Callable[[list[Edit]], dict]) -> dict | None:
    """The fewest changes among the TOP best actions that together reach the target, each set evaluated again
    as one what-if (at most MAX_STEPS changes); among sets of one size, the best-ranked actions first.

    A set is tried only if each condition other than the score is met by one of its actions alone (points
    add up across actions; a condition's clause is met by an action sized for it), no two of its changes
    set the same field, and what its changes can score together leaves the target within reach (a bound worked
    out from each action's own outlook, `Advisor.beyond_reach`: most sets fall short of the score)."""
    if not advisor.within_reach():
        return None
    for action in useful:
        if action["reaches"] and not action["breaks"]:
            return action
    pool = useful[:TOP]
    needed = [c for c in opened if advisor.reference(c)["subject"] != "score"]
    for size in range(2, MAX_STEPS + 1):
        for chosen in itertools.combinations(pool, size):
            fields = [a["edits"][0].path for a in chosen if a["edits"][0].kind != "add"]
            if len(set(fields)) < len(fields):
                continue
            if not all(any(c in a["fixes"] for a in chosen) for c in needed) or advisor.beyond_reach(chosen):
                continue
            combined = tried([a["edits"][0] for a in chosen])
            if combined["reaches"]:
                return combined
    return None


def _tightened(plan: dict, advisor: Advisor, effects: Callable[[list[Edit]], dict],
               evaluated: Callable[[list[Edit]], tuple[dict, Result]]) -> dict:
    """The plan with its last change made as small as the others leave necessary: each action was sized alone,
    and together they may do more than the target needs (3,000 MWh of green power lowers the residual
    emissions, so fewer removals are needed). The analysis of the evidence with the other changes made offers
    the smaller change; it is kept only if the plan with it, evaluated again, still reaches the target."""
    *others, last = plan["edits"]
    if not others:
        return plan
    smaller = [e for e in advisor.offered(*evaluated(others), (last.path, last.kind))
               if e.path == last.path and e.kind == last.kind and e.amount < last.amount]
    for edit in sorted(smaller, key=lambda e: e.amount):
        tried = effects([*others, edit])
        if tried["reaches"]:
            return tried
    return plan


def _grade(result: Result | Outlook) -> dict | None:
    grade = result.grade or result.provisional_grade
    return {"id": grade["id"], "label": grade["label"]} if grade else None


def _action(found: dict, advisor: Advisor) -> dict:
    after = found["result"]
    return {"changes": [e.record() for e in found["edits"]],
            "fixes": [advisor.reference(c) for c in found["fixes"]],
            "breaks": [advisor.reference(c) for c in found["breaks"]],
            "points": found["points"], "score": after.score, "outcome": after.outcome, "grade": _grade(after)}
