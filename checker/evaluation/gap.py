"""The factory's question: what a grade still needs, and the smallest change to one input that meets it.

`gap_to` lists the conditions of a target grade that do not hold, each with its current and required
value and, where the condition is linear (or a ratio of linear functions) in one evidence quantity, the
smallest change to that one input that meets it. The change is found by re-evaluating the lets that
input feeds (the others keep the application's values) with the input moved by two probe steps,
fitting f(δ) = (a + bδ) / (1 + dδ) exactly, solving f(δ) = required, and verifying the solution by one
more evaluation; a condition that is not of that shape is listed with what it needs and no action.

The analysis of a ruleset's conditions (checker.evaluation.levers.Plan) is worked out once and kept by the
loaded Ruleset. The
advice is recorded in both languages, in the words of the message catalogue (group `action`).
"""
from __future__ import annotations

import decimal
import operator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ..catalogue import LANGS
from ..language import ast
from ..language.compile import Context, Program
from ..language.schema import resolve
from ..language.values import OUTSIDE, UNKNOWN
from ..pointer import get, patched
from ..records import Record
from .levers import MAX_KEPT, Clause, Lever, Plan
from .advice import REFERENCE, Advisor, Edit, advise, appended, written
from .evaluate import CONTEXT, let_values
from .numbers import unit_symbol
from .result import FAIL, INELIGIBLE, MET, MISSING, NOT_MET, PARTLY_MET, Result, plain

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any, Callable

# Probe steps, in the input's own unit: small beside real quantities, so both fall on the same linear
# piece of a `max(…, 0)` or `min(…, 100%)` the input passes through.
PROBES = (Decimal(1), Decimal(2))  # the arithmetic (`settle`, `_mobius_root`) leaves out products by the first
MAX_ACTIONS = 3  # single-input changes offered per condition
CENT = Decimal("0.01")  # points are kept to the cent: `score > 90` needs 90.01
PLACES = tuple(Decimal(1).scaleb(-places) for places in range(13))  # a short decimal has at most 12 places
TINY = Decimal("1e-20")  # how near a solution a short decimal lies to be tried (`_on_boundary`)
HALF_PLACE = Decimal("0.5e-12")  # a tolerance below this holds one multiple of 10^-12 at most (`_on_boundary`)
ROUNDED = Decimal("0.0001")  # a solution that is no short decimal is rounded to 4 places (`_rounded`)
COMPARE = {">=": operator.ge, ">": operator.gt, "==": operator.eq, "<=": operator.le, "<": operator.lt,
           "!=": operator.ne}


# ---------------------------------------------------------------------------------------------- gap

def gap_to(ruleset, evidence: dict, result: Result, params: dict | None = None,
           target: str | None = None) -> dict | None:
    """The gap between `result` and a grade: the next one above it, or the grade `target` names.

    None when the ruleset has no grades or nothing ranks above the current grade. For an ineligible
    application the target is the grade its conditions already reach (the lowest grade if none),
    and the failed requirements come first: they are what stands between it and any grade.
    Raises ValueError for an unknown `target`.
    """
    program: Program = ruleset.program
    grades = result.grades
    if not grades:
        return None
    ids = [g.id for g in grades]
    if target is not None:
        if target not in ids:
            raise ValueError(f"ruleset {ruleset.id} has no grade '{target}' (grades: {', '.join(ids)})")
        chosen = ids.index(target)
    elif result.outcome == INELIGIBLE:
        chosen = next((i for i, g in enumerate(grades) if g.status == MET), len(grades) - 1)
    else:
        current = result.grade or result.provisional_grade
        if current is not None and ids.index(current["id"]) == 0:
            return None
        chosen = ids.index(current["id"]) - 1 if current is not None else len(grades) - 1
    values = _parameters(program, params or {})

    def analysed(evidence: dict, result: Result, wanted: tuple | None = None) -> tuple[list[dict], "_Analysis"]:
        analysis = _Analysis(ruleset.gap_plan, ruleset.schema, evidence, values, result, wanted)
        conditions = []
        if result.outcome == INELIGIBLE:
            for compiled, item in zip(program.requirements, result.requirements):
                if item.status == FAIL:
                    conditions.append(analysis.requirement(compiled, item))
        for compiled, item in zip(program.grades[chosen].clauses, result.grades[chosen].conditions):
            if item.status != MET:
                conditions.append(analysis.condition(compiled.node, item.status, item.detail))
        return conditions, analysis

    with decimal.localcontext(CONTEXT):
        conditions, analysis = analysed(evidence, result)
        actions, plan = advise(program, evidence, result, params or {}, chosen, analysis.edits(),
                               Advisor(analysis, chosen, lambda ev, res, wanted: analysed(ev, res, wanted)[1].edits(),
                                       conditions))
    grade = grades[chosen]
    return {"target": {"id": grade.id, "label": grade.label}, "conditions": conditions,
            "actions": actions, "plan": plan}


def _parameters(program: Program, given: dict) -> dict:
    """Parameter values as an evaluation sees them: supplied, else the default."""
    values = {}
    for name, (_, default) in program.params.items():
        if name in given:
            values[name] = given[name]
        elif default is not None:
            values[name] = default(Context({}, {}))
    return values


# ------------------------------------------------------------------------------ one application

class _Analysis:
    def __init__(self, plan: Plan, schema: dict, evidence: dict, params: dict, result: Result,
                 wanted: tuple | None = None):
        self.plan, self.schema, self.evidence, self.params, self.result = plan, schema, evidence, params, result
        self.wanted = wanted  # (path, kind): only the changes of that kind at that input are wanted (`levers`)
        self.values = let_values(plan.program, result)  # the lets' values on the application's own evidence
        variant = plan.program.variant
        self.variant = variant(Context(evidence, params)) if variant is not None else None
        self.found: list[_Change] = []  # every single-input change offered, for the ranked advice
        self.assessed_only = False  # the points missing can only come from assessed criteria
        self._own: Context | None = None
        self._moves: dict[tuple, list[_Move]] = {}

    def edits(self) -> list[Edit]:
        """The changes offered, each made concrete once (the same change can meet two conditions)."""
        unique = {}
        for change in self.found:
            edit = change.edit(self.input_label)
            unique.setdefault(edit.key, edit)
        return list(unique.values())

    def own(self) -> Context:
        """What the application's own evidence gives every clause's subject: its lets' values (read only)."""
        if self._own is None:
            ctx = self._own = Context(self.evidence, self.params)
            ctx.values, ctx.variant, ctx.score = self.values, self.variant, self.result.score
        return self._own

    def requirement(self, compiled, item) -> dict:
        entry = self.condition(compiled.node.condition, NOT_MET, item.detail, compiled)
        if compiled.node.waivable:
            entry["action"] = _action(entry["action"], waiver=f"/waivers/{compiled.node.id}")
        return entry

    def reference(self, node: ast.Expr, requirement=None) -> dict:
        """How results name a condition: its code, and what readers are shown first, the item's label and what
        it requires (as data: the words are the outputs', in the report's language)."""
        return {key: value for key, value in self.condition(node, MET, {}, requirement).items()
                if key in REFERENCE}

    def condition(self, node: ast.Expr, status: str, detail: dict, requirement=None) -> dict:
        """The condition, its value now, what it requires and the action that meets it (`requirement`: the
        compiled requirement whose condition it is)."""
        clause = self.plan.clause(node)
        entry = {"condition": node.text, "requirement": None, "subject": None, "label": None, "status": status,
                 "current": None, "required": None, "unit": None, "action": None}
        if requirement is not None:
            entry.update(condition=f"{requirement.node.id}: {node.text}", requirement=requirement.node.id,
                         label=requirement.item.label)
        if clause.kind == "present":
            entry["required"] = {"op": "present", "values": []}
        if clause.subject is None:
            if status == MISSING:
                entry["action"] = _action(provide=detail.get("missing", []))
            elif clause.provides and status != MET:
                entry["action"] = _action(provide=[clause.provides])
            return entry
        subject = clause.subject
        if isinstance(subject.ref, ast.ScoreRef):
            entry["subject"] = "score"
        elif requirement is None:
            entry["label"] = self.label(subject)
        type_ = subject.type
        if unit := unit_symbol(type_):
            entry["unit"] = unit
        ctx = self.own()
        current = clause.get(ctx)
        bounds = [b(ctx) for b in clause.bounds]
        entry["current"] = plain(current)
        if any(isinstance(b, UNKNOWN) for b in bounds):
            if status == MISSING:
                entry["action"] = _action(provide=detail.get("missing", []))
            return entry
        entry["required"] = _required(clause, bounds)
        if current is OUTSIDE:  # a `let … when` outside the accounting boundary: nothing there to change
            return entry
        if status == MISSING:
            entry["action"] = _action(provide=detail.get("missing", []))
            return entry
        op, bound = _target(clause, current, bounds)
        if status == NOT_MET and op not in (None, "!=") and isinstance(current, Decimal):
            if isinstance(subject.ref, ast.ScoreRef):
                entry["action"] = _action(points=self.points(current, op, bound))
            else:
                entry["action"] = _action(changes=self.changes(clause, current, op, bound))
        return entry

    def label(self, subject: ast.Expr) -> dict | None:
        """The label of what a condition compares: the value (let) it names, or the evidence field's description."""
        ref = subject.ref
        if isinstance(ref, ast.LetRef):
            return self.plan.let_labels.get(ref.name)
        if isinstance(ref, ast.EvidenceRef):
            return self.input_label(ref.path)
        return None

    def input_label(self, pointer: tuple, listed: bool = False) -> dict | None:
        """What the evidence input at `pointer` is, from the schema's descriptions ({zh, en}, or None); `listed`:
        one item of the list there. Kept by the ruleset's Plan (one schema), copied for each result."""
        key = (pointer, listed)
        labels = self.plan.labels
        if key not in labels:
            node, schema = _schema_node(self.schema, pointer), self.schema
            if listed:
                label = {lang: _describe(resolve(node.get("items", {}), schema), lang) or _describe(node, lang)
                         for lang in LANGS}
            else:
                label = {lang: _describe(node, lang) for lang in LANGS}
            label = label if any(label.values()) else None
            if len(labels) >= MAX_KEPT:
                return label
            labels[key] = label
        return dict(labels[key]) if labels[key] is not None else None

    # `score > 90`: the points missing and where they can come from.
    def points(self, score: Decimal, op: str, bound: Decimal) -> dict | None:
        needed = bound - score
        if op not in (">=", ">", "==") or needed < 0 or (needed == 0 and op != ">"):
            return None
        open_items = [c for c in self.result.criteria if c.max is not None and c.points < c.max]
        available = sum((c.max - c.points for c in open_items), Decimal(0))
        relation = "strict" if op == ">" else "inclusive" if op == ">=" else "exact"
        self.earn(needed + (CENT if op == ">" else 0))
        scalable = sum((c.max - c.points for c in open_items if c.method != "assessed"), Decimal(0))
        self.assessed_only = scalable < needed or (scalable == needed and op == ">")
        return {"needed": needed, "bound": relation, "available": available,
                "short": available < needed or (available == needed and op == ">"),
                "open": [{"id": c.id, "points": c.points, "max": c.max, "status": c.status,
                          "missing": list(c.detail.get("missing", [])) if c.status == MISSING else []}
                         for c in open_items]}

    # Points missing from the score: the change to one input that earns them on one scaled criterion
    # (`scale removal_ratio from 0% to 100%`). Assessed criteria are the auditor's judgement, not advice.
    def earn(self, needed: Decimal) -> None:
        earned = {c.id: c for c in self.result.criteria}
        ctx = self.own()
        for node, clause in self.plan.scaled:
            item = earned.get(node.id)
            if item is None or item.status not in (NOT_MET, PARTLY_MET):
                continue
            current, (start, end) = clause.get(ctx), [b(ctx) for b in clause.bounds]
            if not (isinstance(current, Decimal) and isinstance(start, Decimal) and isinstance(end, Decimal)) \
                    or start == end or current is OUTSIDE:
                continue
            points = min(item.points + needed, node.max)
            bound = start + (end - start) * points / node.max
            changes = []
            for lever in self.levers(clause, False):
                change = self.solve(clause, lever, current, ">=" if end > start else "<=", bound)
                if change is not None:
                    changes.append(change)
                    if len(changes) >= MAX_ACTIONS:
                        break
            self.found.extend(changes)

    # `offset_ratio >= 80%`: the smallest change to one evidence number that meets it.
    def changes(self, clause: Clause, current: Decimal, op: str, bound: Decimal) -> list[dict]:
        found: list[_Change] = []
        increases = 0
        for lever in self.levers(clause, True):
            change = self.solve(clause, lever, current, op, bound)
            if change is not None:
                found.append(change)
                increases += change.delta > 0
                if increases >= MAX_ACTIONS:
                    break
        # Adding (credits, renewable electricity) before cutting: offer decreases only when nothing adds.
        chosen = [c for c in found if c.delta > 0] or found
        chosen = chosen[:MAX_ACTIONS]
        self.found.extend(chosen)
        return [{**c.edit(self.input_label, concrete=False).record(), "bound": c.relation} for c in chosen]

    def levers(self, clause: Clause, choosing: bool) -> list[Lever]:
        """The clause's levers whose changes are worked out: all of them; or, when only the changes of one kind
        at one input are `wanted`, the same changes at that input, no others (the advice's tightening asks so).
        Those are the levers that can change that input, and the others before one of them when the MAX_ACTIONS
        cut-off could fall before it (at the MAX_ACTIONS-th lever or later). `choosing`: decreases are offered
        only when no lever increases (`changes`), so a decrease wanted needs every lever."""
        levers = self.plan.levers(clause)
        if self.wanted is None or (choosing and self.wanted[1] == "lower"):
            return levers
        path = self.wanted[0]
        at = [n for n, lever in enumerate(levers) if _changes_at(lever, path)]
        if not at:
            return []
        return levers[:at[-1] + 1] if at[-1] >= MAX_ACTIONS else [levers[n] for n in at]

    def solve(self, clause: Clause, lever: Lever, f0: Decimal, op: str, bound: Decimal) -> "_Change | None":
        """The change of this input meeting `f op bound` (the first move's that does), if any; f0 is the quantity
        now."""
        adding = True  # a new list item helps only with a positive quantity
        for move in self.moves(lever):
            if move.kind == "add" and not adding:
                continue
            try:
                found = self.settle(clause, move, f0, op, bound)
            except ArithmeticError:  # an input near the limits of the decimal context: no action from it
                continue
            if found is None:
                continue
            delta, exact = found
            if move.kind == "add" and delta < 0:
                adding = False
                continue
            if move.feasible(delta):
                relation = "exact" if op == "==" else "strict" if exact and op in (">", "<") else "inclusive"
                return _Change(lever, move, delta, relation)
        return None

    def settle(self, clause: Clause, move: "_Move", f0: Decimal, op: str, bound: Decimal):
        """The change of this move's input at which `f op bound` starts to hold, and whether it is exact."""
        steps = self.steps(clause, move)
        probe, f1, f2 = steps
        if f1 is None:
            f1 = steps[1] = probe(PROBES[0])
        if not isinstance(f1, Decimal) or f1 == f0:
            return None  # the quantity does not move with this input
        # Linear first, from one probe: kept only if it lands exactly on the boundary.
        settled = _on_boundary((bound - f0) / (f1 - f0), probe, bound)  # times PROBES[0], which is 1
        if settled is None:
            if f2 is None:
                f2 = steps[2] = probe(PROBES[1])
            delta = _mobius_root(f0, f1, f2, bound) if isinstance(f2, Decimal) else None
            if delta is None:
                return None
            settled = _on_boundary(delta, probe, bound) or _rounded(delta, lambda d: _compare(probe(d), op, bound))
        return None if settled is None or settled[0] == 0 else settled

    def steps(self, clause: Clause, move: "_Move") -> list:
        """[probe, f1, f2]: the clause's `probe` of the move and its values at the PROBES steps (None until asked
        for), shared by the clauses whose subject is the same let (a grade's `removal_ratio >= 30%` and the
        criterion scaled on it), which have the same values."""
        found = move.probes or self.shared(move)
        ref = clause.subject.ref
        key = ref.name if type(ref) is ast.LetRef else id(clause)
        steps = found[3].get(key)
        if steps is None:
            steps = found[3][key] = [self.probe(clause, move), None, None]
        return steps

    def shared(self, move: "_Move") -> list:
        """What every probe of the move shares, made at the first: what its input feeds (Plan.feeds), its argument
        function (`_Move.argument`), its copy of the evidence (`_Move.scratch`) and its `steps` by subject."""
        found = move.probes = [self.plan.feeds(move.pointer), None, None, {}]
        return found

    def probe(self, clause: Clause, move: "_Move") -> Callable[[Decimal], Any]:
        """The clause's subject with the move's input moved by δ. Only the lets the input feeds (Plan.feeds) are
        worked out again, the others are the application's own; when the variant reads the input, it and all
        the clause's lets are. Generated code that takes the moved value as its argument reads the application's
        own context; otherwise every probe of a move writes its value into one copy of the evidence, made once
        per move (`_Move.scratch`), and is read at once. A δ is worked out each time it is asked for: a settle asks
        for each δ once (but for a rounding that is already its short decimal), and keeping the values by δ would
        hash every Decimal twice."""
        found = move.probes or self.shared(move)
        feeds = found[0]
        if feeds is not None:
            # In order: what a let reads is the application's own, or worked out before it for this probe (by
            # generated code once the ruleset is in steady use).
            generated, lets, direct = self.plan.probing(clause, feeds[0], move.read)
            if direct:
                ctx, argument = self.own(), found[1]
                if argument is None:
                    argument = found[1] = move.argument()
                return lambda delta: generated(ctx, argument(delta))
        scratch = found[2]
        if scratch is None:
            evidence, at, key = move.scratch()
            ctx = Context(evidence, self.params)
            ctx.values, ctx.variant, ctx.score = dict(self.values), self.variant, self.result.score
            scratch = found[2] = (ctx, at, key, move.new_value())
        ctx, at, key, new = scratch
        if feeds is not None:
            if generated is not None:

                def value(delta: Decimal):
                    at[key] = new(delta)
                    return generated(ctx)
                return value
            variant = None
        else:
            variant, lets = self.plan.program.variant, [(let.node.name, let.evaluate) for let in clause.lets]
        values, get = ctx.values, clause.get

        def value(delta: Decimal):
            at[key] = new(delta)
            if variant is not None:
                ctx.variant = variant(ctx)
            for name, evaluate in lets:
                values[name] = evaluate(ctx)
            return get(ctx)
        return value

    def moves(self, lever: Lever) -> list["_Move"]:
        """The ways to move the lever's input (`_moves`), worked out once per input for every clause it feeds."""
        key = (lever.pointer, lever.item_path)
        if key not in self._moves:
            self._moves[key] = _moves(self.evidence, lever, self.schema)
        return self._moves[key]


def _changes_at(lever: Lever, path: tuple) -> bool:
    """Whether a change of `lever`'s input can be made at `path`: its field or list, or a field of an item of
    the list (`_Change.edit`)."""
    pointer, inside = lever.pointer, lever.item_path
    return pointer == path or (inside is not None and len(path) == len(pointer) + 1 + len(inside)
                               and path[:len(pointer)] == pointer and path[len(pointer) + 1:] == inside)


def _target(clause: Clause, current, bounds: list) -> tuple[str | None, Any]:
    """The comparison a change has to win: the clause's own, or the near side of an interval."""
    if clause.kind == "compare":
        return clause.op, bounds[0]
    if clause.kind == "within" and isinstance(current, Decimal):
        (lower, upper), (low_closed, high_closed) = bounds, clause.closed
        if current < lower or (current == lower and not low_closed):
            return (">=" if low_closed else ">"), lower
        if current > upper or (current == upper and not high_closed):
            return ("<=" if high_closed else "<"), upper
    return None, None


def _required(clause: Clause, bounds: list) -> dict | None:
    """What a clause requires, as data: {"op", "values"} (and "closed" for an interval)."""
    values = [plain(b) for b in bounds]
    if clause.kind == "compare":
        return {"op": clause.op, "values": values}
    if clause.kind == "within":
        return {"op": "within", "values": values, "closed": list(clause.closed)}
    if clause.kind == "member":
        return {"op": "in", "values": values}
    return None


def _action(action: dict | None = None, *, changes=(), points=None, provide=(), waiver=None) -> dict | None:
    """The advice of a condition as data, or None when there is none: alternative `changes` (each one meets
    it), the `points` missing from the score, evidence or parameters to `provide`, or a `waiver` to give."""
    found = dict(action or {"changes": [], "points": None, "provide": [], "waiver": None})
    found["changes"] = found["changes"] + list(changes)
    found["points"] = points or found["points"]
    found["provide"] = found["provide"] + list(provide)
    found["waiver"] = waiver or found["waiver"]
    return found if any(found.values()) else None


def _compare(value, op: str, bound) -> bool:
    return isinstance(value, Decimal) and COMPARE[op](value, bound)


def _mobius_root(f0: Decimal, f1: Decimal, f2: Decimal, r: Decimal) -> Decimal | None:
    """δ with f(δ) = r, for f(δ) = (f0 + bδ) / (1 + dδ) through f(h1) = f1 and f(h2) = f2.

    A linear f is the case d = 0; a ratio of linear functions of δ (a share, an offset ratio) has
    this form too, so three evaluations determine it. Each probe gives
    f_i - f0 = b·h_i - d·f_i·h_i, two linear equations in b and d.
    """
    # h1 is 1 (PROBES): a product by 1 leaves a decimal as it is, so the products by h1 are left out.
    h2 = PROBES[1]
    e1, e2 = f1 - f0, f2 - f0
    det = h2 * (f1 - f2)
    if det == 0:
        return None
    b = (e2 * f1 - e1 * f2 * h2) / det
    d = (e2 - h2 * e1) / det
    slope = b - r * d
    if slope == 0:
        return None
    return (r - f0) / slope


def _on_boundary(delta: Decimal, probe: Callable, bound: Decimal) -> tuple[Decimal, bool] | None:
    """The solved change if it is a short decimal (523.8) at which the quantity is exactly the bound.

    The solution is exact up to the 34-digit context, so a boundary that is a short decimal shows
    as one within a tiny tolerance; evaluating there proves it.
    """
    tolerance = abs(delta) * TINY + TINY
    # Fewer places are never nearer (the multiples of 10^-p are among those of 10^-12): when 12 places are too
    # far from the solution, so are all, and most solutions (a share of 13,089 MWh) are no short decimal.
    try:
        near = delta.quantize(PLACES[-1])
        if abs(near - delta) > tolerance:
            return None
        if tolerance < HALF_PLACE:
            # Only one multiple of 10^-12 lies that near, so the fewest places that do are `near`'s own: written
            # at them, it is `near` normalised (`delta` rounds to it there, being within half a place of it), or
            # at 0 places for a whole number (5E+2 is 500).
            short = near.normalize()
            if short == short.to_integral_value():
                short = near.quantize(PLACES[0])
            return (short, True) if probe(short) == bound else None
    except decimal.InvalidOperation:
        pass  # too many digits at 12 places: fewer may do
    for quantum in PLACES:
        try:
            short = delta.quantize(quantum)
        except decimal.InvalidOperation:
            return None
        if abs(short - delta) <= tolerance:
            return (short, True) if probe(short) == bound else None
    return None


def _rounded(delta: Decimal, holds: Callable) -> tuple[Decimal, bool] | None:
    """A boundary that is no short decimal, rounded at 4 places towards meeting the condition."""
    candidates = []
    for rounding in (ROUND_CEILING, ROUND_FLOOR):
        try:
            rounded = delta.quantize(ROUNDED, rounding=rounding)
        except decimal.InvalidOperation:
            return None
        if rounded != 0 and holds(rounded):
            candidates.append(rounded)
    return (min(candidates, key=abs), False) if candidates else None


# ------------------------------------------------------------------------------ moving one input

class _Move(Record):
    """A way to move one input by δ: set a field, add a list item, or change the largest item."""

    kind: str  # field, add, item
    pointer: tuple  # the field, the list, or the item's field
    base: Decimal  # the input's value now (0 for a new item)
    evidence: dict
    item_path: tuple  # the field set in the item added, for `add`
    template: Any  # the item added, for `add`
    template_from: str | None  # where the template was copied from
    minimum: Decimal | None
    maximum: Decimal | None
    read: tuple  # the evidence path a probe's argument replaces: the field, or the list
    probes: list | None  # what every probe of this move shares (`_Analysis.shared`)
    __match_args__ = ("kind", "pointer", "base", "evidence", "item_path", "template", "template_from", "minimum",
                      "maximum", "read")
    __slots__ = (*__match_args__, "probes")

    def __init__(self, kind, pointer, base, evidence, item_path=(), template=None, template_from=None,
                 minimum=None, maximum=None, read=None):
        self.kind, self.pointer, self.base, self.evidence, self.item_path = kind, pointer, base, evidence, item_path
        self.template, self.template_from, self.minimum, self.maximum = template, template_from, minimum, maximum
        self.read = pointer if read is None else read
        self.probes = None

    def value(self, delta: Decimal):
        """What the input becomes: the new item, or the field's new value."""
        if self.kind == "add":
            return patched(self.template, self.item_path, delta) if self.item_path else delta
        return self.base + delta

    def new_value(self) -> Callable[[Decimal], Any]:
        """`value`, as a function made once for the probes of this move: the sum or new item made directly."""
        if self.kind != "add":
            return self.base.__add__
        template, path = self.template, self.item_path
        if len(path) == 1 and type(template) is dict:  # the new item is the template with one field set
            field = str(path[0])
            return lambda delta: {**template, field: delta}
        return self.value

    def argument(self) -> Callable[[Decimal], Any]:
        """What the evidence at `read` becomes when the input moves by δ (as `scratch` and `new_value` write it), as
        a function made once per move: the field's new value, the list with the new item after its items, or
        the list with its item changed."""
        if self.kind == "field":
            return self.base.__add__
        items = get(self.evidence, self.read)
        items = items if isinstance(items, list) else []
        if self.kind == "add":
            template, path = self.template, self.item_path
            if len(path) == 1 and type(template) is dict:  # as `new_value`, in one function
                field = str(path[0])
                return lambda delta: [*items, {**template, field: delta}]
            new = self.new_value()
            return lambda delta: [*items, new(delta)]
        at = len(self.read)
        index, inside, base = self.pointer[at], self.pointer[at + 1:], self.base
        item = items[index]

        def changed(delta: Decimal) -> list:
            copy = items.copy()
            if not inside:
                copy[index] = base + delta
            elif len(inside) == 1 and type(item) is dict:
                copy[index] = {**item, inside[0]: base + delta}
            else:
                copy[index] = patched(item, inside, base + delta)
            return copy
        return changed

    def scratch(self) -> tuple[dict, Any, Any]:
        """A copy of the evidence to probe this move in, and the container and key its `value` goes to: only the
        containers on the way are copied (or made, if missing), so that writing there leaves the evidence as
        it was. The new item of `add` is the list's last."""
        if self.kind == "add":
            copy, parent, last = written(self.evidence, self.pointer, lambda items: appended(items, None))
            listed = parent[last]
            return copy, listed, len(listed) - 1
        return written(self.evidence, self.pointer, lambda _: self.base)

    def feasible(self, delta: Decimal) -> bool:
        if self.kind == "add" and delta <= 0:
            return False
        value = self.base + delta
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)


def _moves(evidence: dict, lever: Lever, schema: dict) -> list[_Move]:
    if lever.limits is None:  # what the schema says of this input does not depend on the application
        node = _schema_node(schema, lever.pointer)
        if lever.item_path is not None:
            field_node = _schema_node(node.get("items", {}), lever.item_path, schema)
            lever.limits = (_limit(field_node, "minimum"), _limit(field_node, "maximum"),
                            _example(resolve(node.get("items", {}), schema), schema),
                            "/".join(("",) + tuple(map(str, lever.pointer)) + ("0",)))
        else:
            lever.limits = (_limit(node, "minimum"), _limit(node, "maximum"), None, None)
    minimum, maximum, example, first = lever.limits
    if lever.item_path is None:
        value = get(evidence, lever.pointer)
        if value is not None and not isinstance(value, Decimal):
            return []
        return [_Move("field", lever.pointer, value if value is not None else Decimal(0), evidence, (), None, None,
                      minimum, maximum)]
    items = get(evidence, lever.pointer)
    items = items if isinstance(items, list) else []
    moves, path = [], lever.item_path
    # A new item like the first one (so it passes the same filter), else like the schema's examples.
    templates = []
    if items and isinstance(items[0], (dict, Decimal)):
        templates.append((items[0], first))
    if example is not None and (not templates or example != templates[0][0]):
        templates.append((example, None))
    for template, origin in templates:
        moves.append(_Move("add", lever.pointer, Decimal(0), evidence, path, template, origin, minimum, maximum))
    # Or the largest item, changed: how emissions in a list are cut.
    if len(path) == 1 and type(path[0]) is str:  # one field of each item: read directly from a mapping
        field = path[0]
        sizes = [item.get(field) if type(item) is dict else get(item, path) for item in items]
    else:
        sizes = [(get(item, path) if path else item) for item in items]
    numbered = [(v, -i) for i, v in enumerate(sizes) if isinstance(v, Decimal)]
    if numbered:
        size, index = max(numbered)  # the largest, the first of equal ones (compared in C, no key function)
        moves.append(_Move("item", (*lever.pointer, -index, *path), size, evidence, (), None, None, minimum, maximum,
                           lever.pointer))
    return moves


def _example(node: dict, root: dict):
    """An item built from the schema's `examples`, for a list that is still empty."""
    node = resolve(node, root)
    if "examples" in node and node["examples"]:
        return _decimals(node["examples"][0])
    if node.get("type") == "object":
        built = {}
        for name, child in node.get("properties", {}).items():
            value = _example(child, root)
            if value is not None:
                built[name] = value
        return built or None
    return None


def _decimals(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    return value


def _limit(node: dict, key: str) -> Decimal | None:
    value = node.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _schema_node(schema: dict, path: tuple, root: dict | None = None) -> dict:
    """The schema of the value at `path` (keys, and item indexes as ints)."""
    root = schema if root is None else root
    node = resolve(schema, root)
    for part in path:
        if isinstance(part, str) and "properties" not in node and "items" in node:
            node = resolve(node["items"], root)  # a field of every item of a list
        if isinstance(part, int):
            node = resolve(node.get("items", {}), root)
        else:
            node = resolve(node.get("properties", {}).get(part, {}), root)
    return node


class _Change(Record):
    __match_args__ = ("lever", "move", "delta", "relation")

    def __init__(self, lever: Lever, move: _Move, delta: Decimal, relation: str):  # inclusive, strict, exact
        self.lever, self.move, self.delta, self.relation = lever, move, delta, relation

    def edit(self, label: Callable[..., dict | None], concrete: bool = True) -> Edit:
        """This change with one concrete value: past a strict boundary (`> 90%`) by one unit of its last digit
        (not `concrete`: the boundary itself, as the condition's advice states it: "more than …"). `label`: what
        an input is (`_Analysis.input_label`)."""
        delta = self.delta
        if concrete and self.relation == "strict":
            step = Decimal(1).scaleb(min(delta.as_tuple().exponent, 0))
            delta += step if delta > 0 else -step
        type_, move = self.lever.type, self.move
        unit = type_.unit.symbol if type_ is not None and type_.kind == "number" and type_.unit else None
        if move.kind == "add":
            item = patched(move.template, self.lever.item_path, delta) if self.lever.item_path else delta
            return Edit(self.lever.pointer, "add", None, item, delta, unit, "/".join(self.lever.item_path) or None,
                        move.template_from, label(self.lever.pointer, True))
        return Edit(move.pointer, "raise" if delta > 0 else "lower", move.base, move.base + delta, abs(delta), unit,
                    label=label(move.pointer))


def _describe(node: dict, lang: str) -> str:
    text = node.get("description") if lang == "en" else node.get("x-description-zh") or node.get("description")
    return (text or "").rstrip(".。")
