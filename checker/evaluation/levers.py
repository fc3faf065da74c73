"""What a ruleset's conditions look like to the gap analysis (checker.evaluation.gap), worked out once per
loaded ruleset (`Plan`, kept by `Ruleset.gap_plan`): each condition's shape (`subject op bound`, an interval, a
set, `present(…)`), the evidence numbers its subject depends on (its levers), and what each evidence input
feeds (the lets, requirements and criteria that can change when it does), so that the analysis and its advice
work out again only that.
"""
from __future__ import annotations

from ..language import ast
from ..language.compile import GENERATE_AFTER, CompiledLet, Compiler, Program
from ..language.functions import NUMERIC_AGGREGATES
from ..language.partial import Partial
from ..language.types import Type
from ..records import Record
from .evaluate import RECORDS, Known
from .result import Result

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Callable

MAX_KEPT = 4096  # pointers (and clauses with the lets a pointer feeds) whose effects a Plan keeps
# A probe's generated code (Plan.probing) is made at its (PROBE_AFTER × GENERATE_AFTER)-th request: compiling one
# costs 5–12 M instructions, and a request the closures serve instead (a copy of the evidence, each let it feeds
# worked out whole) about 30 k more. A batch's worker asks nearly all its probes of some twenty (clause, input)
# pairs, each asked hundreds of times (of 57 pairs in 5,000 corpus applications, 21 reach 256 requests and 24
# reach 64): made at the 64th request rather than the 256th, their code saves more than the three more pairs it
# is then made for cost to compile (1.9 % of a worker's instructions over its first 2,000 applications).
PROBE_AFTER = 1
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
_VARYING = (ast.EvidenceRef, ast.LetRef, ast.VarRef, ast.ScoreRef, ast.VariantRef)


class Lever(Record):
    """One evidence number a quantity depends on: a field, or a field of the items of a list."""

    pointer: tuple[str, ...]  # the field, or the list
    item_path: tuple[str, ...] | None  # the field inside each item, for a list
    type: Type
    depth: int  # lets between the quantity and this input: nearer inputs are offered first
    limits: tuple | None  # minimum, maximum, an example item and the first item's pointer (`_moves`, on first use)
    __match_args__ = ("pointer", "item_path", "type", "depth", "limits")

    def __init__(self, pointer, item_path, type, depth, limits=None):
        self.pointer, self.item_path, self.type, self.depth, self.limits = pointer, item_path, type, depth, limits


class Clause(Record):
    """A condition seen as `subject op bound` (or an interval or a set), when it has that shape."""

    kind: str  # compare, within, member, present, other
    subject: ast.Expr | None
    op: str | None
    get: Callable | None
    bounds: list[Callable]
    lets: list[CompiledLet]  # what computing the subject needs, in order
    closed: tuple[bool, bool]  # an interval's ends
    provides: str | None  # the evidence field `present(…)` asks for
    levers: list[Lever] | None
    __match_args__ = ("kind", "subject", "op", "get", "bounds", "lets", "closed", "provides", "levers")

    def __init__(self, kind, subject=None, op=None, get=None, bounds=None, lets=None, closed=(True, True),
                 provides=None, levers=None):
        self.kind, self.subject, self.op, self.get, self.closed = kind, subject, op, get, closed
        self.bounds, self.lets = [] if bounds is None else bounds, [] if lets is None else lets
        self.provides, self.levers = provides, levers


class Plan:
    """What one program's conditions look like, worked out once per loaded ruleset (`Ruleset.gap_plan`)."""

    def __init__(self, program: Program):
        self.program = program
        self.compiler = Compiler(program.model)
        self.let_nodes = {let.name: let for let in program.model.lets}
        self.let_labels = {let.node.name: let.item.label for let in program.lets}
        self.clauses: dict[int, Clause] = {}
        # What each let reads directly: evidence paths and other lets (for `feeds`).
        functions = program.model.functions
        self.reads = {let.name: _reads(let, functions) for let in program.model.lets}  # its `when` too
        self.variant_reads = _reads(program.model.variant.selector, functions)[0] if program.model.variant else set()
        self._fed: dict[tuple, frozenset[str] | None] = {}
        self._worked_out: dict[tuple, tuple] = {}
        self.labels: dict[tuple, dict | None] = {}  # (pointer, of a list) → what the input is (gap's `input_label`)
        # What each requirement and criterion reads directly, by id (a waiver is read at /waivers/ID).
        self.item_reads = {}
        for requirement in program.requirements:
            paths, lets = _reads(requirement.node, functions)
            if requirement.node.waivable:
                paths = paths | {("waivers", requirement.node.id)}
            self.item_reads[requirement.node.id] = (paths, lets)
        for section in program.sections:
            for criterion in section.criteria:
                self.item_reads[criterion.node.id] = _reads(criterion.node, functions)
        self.all_items = frozenset(self.item_reads)
        # What each grade clause reads directly, in the order of every grade's clauses (for `partial`).
        self.clause_reads = [(*_reads(clause.node, functions), _reads_score(clause.node, functions))
                             for grade in program.grades for clause in grade.clauses]
        self._partial: dict[tuple, Callable | tuple | int | None] = {}  # generated code for the gap, or its uses so far
        self._writer: Partial | None = None
        self.criteria = [c for section in program.sections for c in section.criteria]   # in the records' order
        # The criteria scored on a scale, each with the clause its scaled value is (what the gap's `earn` moves).
        self.scaled = [(c.node, self.clause(c.node.scoring)) for c in self.criteria
                       if isinstance(c.node.scoring, ast.Scale)]

    def clause(self, node: ast.Expr) -> Clause:
        found = self.clauses.get(id(node))
        if found is None:
            found = self.clauses[id(node)] = self._analyse(node)
        return found

    def _analyse(self, node: ast.Expr) -> Clause:
        if isinstance(node, ast.Scale):  # the scaled value, between the scale's ends
            return self._subject("within", node.value, None, [node.start, node.end])
        if isinstance(node, ast.Compare):
            if _constant(node.right) and not _constant(node.left):
                return self._subject("compare", node.left, node.op, [node.right])
            if _constant(node.left) and not _constant(node.right):
                return self._subject("compare", node.right, FLIPPED[node.op], [node.left])
        if isinstance(node, ast.Within) and _constant(node.lower) and _constant(node.upper):
            clause = self._subject("within", node.value, None, [node.lower, node.upper])
            clause.closed = (node.lower_closed, node.upper_closed)
            return clause
        if isinstance(node, ast.Member) and all(_constant(o) for o in node.options):
            return self._subject("member", node.value, None, node.options)
        if isinstance(node, ast.Call) and node.function == "present":
            ref = node.args[0].ref
            return Clause("present", provides=ref.pointer if isinstance(ref, ast.EvidenceRef) else None)
        return Clause("other")

    def _subject(self, kind: str, subject: ast.Expr, op: str | None, bounds: list[ast.Expr]) -> Clause:
        number = subject.type is not None and subject.type.kind == "number"
        unit = subject.type.unit if number else None
        convert = (lambda e: self.compiler.converted(e, unit)) if number else self.compiler.expr
        get = (lambda ctx: ctx.score) if isinstance(subject.ref, ast.ScoreRef) else self.compiler.expr(subject)
        needed = _lets_read(subject, self.let_nodes)
        lets = [let for let in self.program.lets if let.node.name in needed]
        return Clause(kind, subject, op, get, [convert(b) for b in bounds], lets)

    def levers(self, clause: Clause) -> list[Lever]:
        if clause.levers is None:
            clause.levers = _levers(clause.subject, self.let_nodes)
        return clause.levers

    def feeds(self, pointer: tuple) -> tuple[frozenset[str], frozenset[str]] | None:
        """What can change when the evidence at `pointer` does: the lets, and the requirements and criteria
        (ids); None for everything, as when the variant reads it. The rest keep the values the application
        gave them. Kept per pointer."""
        try:
            return self._fed[pointer]
        except KeyError:
            pass
        found = None
        if not any(_overlap(path, pointer) for path in self.variant_reads):
            changed: set[str] = set()
            for let in self.program.lets:  # in dependency order: a let reading a changed let changes too
                paths, lets = self.reads[let.node.name]
                if lets & changed or any(_overlap(path, pointer) for path in paths):
                    changed.add(let.node.name)
            items = frozenset(item for item, (paths, lets) in self.item_reads.items()
                              if lets & changed or any(_overlap(path, pointer) for path in paths))
            found = (frozenset(changed), items)
        if len(self._fed) < MAX_KEPT:  # pointers into long lists are many: keep a bounded number
            self._fed[pointer] = found
        return found

    def worked_out(self, clause: Clause, changed: frozenset[str]) -> tuple[list[CompiledLet], list[tuple]]:
        """The lets computing `clause`'s subject needs that can differ when those `changed` (see `feeds`) do, in
        order, and the same as (name, closure) pairs, as a probe works them out; kept per clause and set."""
        key = (id(clause), changed)
        found = self._worked_out.get(key)
        if found is None:
            lets = [let for let in clause.lets if let.node.name in changed]
            found = lets, [(let.node.name, let.evaluate) for let in lets]
            if len(self._worked_out) < MAX_KEPT:
                self._worked_out[key] = found
        return found

    def probing(self, clause: Clause, changed: frozenset[str], moved: tuple) -> tuple[Callable | None, list[tuple], bool]:
        """What one probe of `clause` works out when the input at evidence path `moved` changes and with it the lets
        `changed` (see `feeds`): generated code for it (checker.language.partial's Partial.subject), None while
        the closures do it (see `generated`); the (name, closure) pairs of the lets `worked_out` gives; and whether
        the code takes the moved value as its argument (`f(ctx, x)`, leaving `ctx` as it was) rather than reading
        it from a copy of the evidence (`f(ctx)`). Kept per clause, set and path once the code is decided."""
        key = (id(clause), changed, moved)
        found = self._partial.get(key, 0)
        if type(found) is tuple:
            return found
        lets, pairs = self.worked_out(clause, changed)
        made = self.generated(key, found, PROBE_AFTER, lambda writer: writer.subject(lets, clause.subject, moved)
                              or writer.subject(lets, clause.subject))
        found = made, pairs, made is not None and made.__code__.co_argcount == 2
        if type(self._partial.get(key, 0)) is not int:  # made, or left to the closures: kept with the lets
            self._partial[key] = found
        return found

    def fed(self, pointers) -> tuple[frozenset[str], frozenset[str]] | None:
        """What can change when the evidence at each of `pointers` does (see `feeds`); None for everything."""
        if len(pointers) == 1:
            return self.feeds(pointers[0])  # the kept sets themselves: their hashes are worked out once
        lets: frozenset[str] = frozenset()
        items: frozenset[str] = frozenset()
        for pointer in pointers:
            found = self.feeds(pointer)
            if found is None:
                return None
            lets, items = lets | found[0], items | found[1]
        return lets, items

    def known(self, before: Result, values: dict, fed: tuple[frozenset[str], frozenset[str]] | None) -> Known | None:
        """What evaluating again evidence evaluated as `before` (its lets' `values`) and changed where it `fed`
        the lets and items (`fed`) can take from that evaluation: the lets and the requirements and criteria
        the change does not feed. None when nothing can be kept (the variant reads a changed input)."""
        if fed is None:
            return None
        lets, items = fed
        return Known(before, values, self.all_items - items, self.partial(fed) if before.records is not None else None,
                     lets)

    def partial(self, fed: tuple[frozenset[str], frozenset[str]]) -> Callable | None:
        """Generated code deciding what a change feeding `fed` (lets, items) can change, for evaluate's outlook
        (checker.language.partial's Partial.outlook); None while the closures do it (see `generated`)."""
        found = self._partial.get(fed, 0)
        if type(found) is not int:
            return found

        def write(writer: Partial):
            lets, items = fed
            criteria = {c.node.id for c in self.criteria}
            # A clause is decided again when it reads the evidence, a let fed, or the score and a criterion is fed.
            clauses = {at for at, (paths, read, score) in enumerate(self.clause_reads)
                       if paths or read & lets or (score and items & criteria)}
            return writer.outlook(lets, items, clauses)
        return self.generated(fed, found, 2, write)

    def generated(self, key: tuple, uses: int, times: int, write: Callable[[Partial], Callable | None]):
        """The generated function `write` makes, kept under `key` (asked for `uses` times so far, their count kept
        there until then): made when it is asked for the (`times` × GENERATE_AFTER)-th time once the program is in
        steady use (its generated `run` is there), as the program's own code is, so that compiling it pays only
        for code used often. None before, or when the generator leaves a construct to the closures."""
        if len(self._partial) >= MAX_KEPT:
            return None
        if self.program.run is None or uses + 1 < GENERATE_AFTER * times:
            self._partial[key] = uses + 1
            return None
        if self._writer is None:
            self._writer = Partial(self.program, self.compiler, RECORDS)
        found = self._partial[key] = write(self._writer)
        return found


def _constant(expr: ast.Expr) -> bool:
    """Nothing in it depends on the application: literals, tables and parameters only."""
    return not any(isinstance(node.ref, _VARYING) for node in expr.walk())


def _reads(expr: ast.Node, functions: dict[str, ast.FunctionDecl]) -> tuple[set[tuple], set[str]]:
    """The evidence paths and the lets `expr` reads directly, looking into the ruleset functions it calls."""
    paths: set[tuple] = set()
    lets: set[str] = set()
    for ref in _refs(expr, functions):
        if isinstance(ref, ast.EvidenceRef):
            paths.add(ref.path)
        elif isinstance(ref, ast.LetRef):
            lets.add(ref.name)
    return paths, lets


def _reads_score(expr: ast.Node, functions: dict[str, ast.FunctionDecl]) -> bool:
    """Whether `expr` reads the score, directly or in the ruleset functions it calls."""
    return any(isinstance(ref, ast.ScoreRef) for ref in _refs(expr, functions))


def _refs(expr: ast.Node, functions: dict[str, ast.FunctionDecl]):
    """What the names in `expr` refer to, and in the ruleset functions it calls (each function once)."""
    pending, seen = [expr], set()
    # `evidence.a.b` reads /a/b, not the whole evidence: its inner `evidence` and `evidence.a` are not read.
    outermost = (lambda node: isinstance(getattr(node, "ref", None), ast.EvidenceRef))
    while pending:
        for node in pending.pop().walk(prune=outermost):
            ref = getattr(node, "ref", None)
            if isinstance(ref, ast.FunctionRef):
                if ref.name not in seen:
                    seen.add(ref.name)
                    pending.append(functions[ref.name].expr)
            elif ref is not None:
                yield ref


def _overlap(path: tuple, pointer: tuple) -> bool:
    """Whether a value read at evidence `path` can change when the one at `pointer` does: one is inside the
    other. A list position on either side (a number, the last item) may be any item: it overlaps."""
    return all(a == b or not isinstance(a, str) or not isinstance(b, str) for a, b in zip(path, pointer))


def _lets_read(expr: ast.Expr, lets: dict[str, ast.Let]) -> set[str]:
    """Every let `expr` needs, directly or through other lets."""
    found: set[str] = set()
    pending = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node.ref, ast.LetRef) and node.ref.name not in found:
            found.add(node.ref.name)
            let = lets[node.ref.name]
            pending.extend(part for part in (let.expr, let.when) if part is not None)
        pending.extend(node.children())
    return found


def _levers(subject: ast.Expr, lets: dict[str, ast.Let]) -> list[Lever]:
    """The evidence numbers `subject` depends on, nearest first (breadth-first through the lets).

    Table keys (`latest(grid, year - 2)`) and aggregation filters select values rather than scale
    them, so they are not followed: nobody meets a grade by changing the reporting year.
    """
    found: dict[tuple, Lever] = {}
    queue: list[tuple[ast.Expr, int]] = [(subject, 0)]
    seen = set()

    def add(pointer, item_path, type_, depth):
        found.setdefault((pointer, item_path), Lever(pointer, item_path, type_, depth))

    def visit(expr: ast.Expr, depth: int) -> None:
        ref = expr.ref
        if ref is not None:
            if isinstance(ref, ast.EvidenceRef) and expr.type is not None and expr.type.kind == "number":
                add(ref.path, None, expr.type, depth)
            elif isinstance(ref, ast.LetRef) and ref.name not in seen:
                seen.add(ref.name)
                queue.append((lets[ref.name].expr, depth + 1))
            return
        if isinstance(expr, ast.Aggregate):
            source = expr.source.ref
            if isinstance(source, ast.EvidenceRef) and expr.function in NUMERIC_AGGREGATES:
                for node in expr.item.walk():
                    if isinstance(node.ref, ast.VarRef) and node.ref.name == expr.variable \
                            and node.type is not None and node.type.kind == "number":
                        add(source.path, node.ref.path, node.type, depth)
            return
        if isinstance(expr, ast.Call) and expr.function in NUMERIC_AGGREGATES and len(expr.args) == 1:
            arg = expr.args[0]
            if isinstance(arg.ref, ast.EvidenceRef) and arg.type.kind == "list" \
                    and arg.type.item is not None and arg.type.item.kind == "number":
                add(arg.ref.path, (), arg.type.item, depth)
            return
        if isinstance(expr, ast.Index) or (isinstance(expr, ast.Call) and expr.function == "latest"):
            return
        for child in expr.children():
            visit(child, depth)

    while queue:
        expr, depth = queue.pop(0)
        visit(expr, depth)
    return sorted(found.values(), key=lambda lever: lever.depth)
