"""A result's items: what each ruleset item came to for one application (ItemResult, GradeResult), and the
statuses they take. Made by the evaluation (checker.evaluation.evaluate), written by checker.evaluation.result."""
from __future__ import annotations

from decimal import Decimal
from operator import attrgetter

from ..language.compile import ItemInfo
from ..language.types import Type
from ..language.values import Failure, Missing
from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any

# Statuses, in the vocabulary of the result schema.
PASS, FAIL, MISSING, ERROR, WAIVED, NOT_APPLICABLE = "pass", "fail", "missing", "error", "waived", "not_applicable"
MET, PARTLY_MET, NOT_MET = "met", "partly_met", "not_met"
# Outcomes; `passed` is for rulesets without grades whose requirements all hold.
GRADED, NOT_GRADED, INELIGIBLE, INCOMPLETE, PASSED = "graded", "not_graded", "ineligible", "incomplete", "passed"
CLASSIFIED = "classified"  # a ruleset whose grades are `unranked` classes put the application in one


class Recorded(Record):
    """A value an item read, kept for its explanation."""

    __slots__ = __match_args__ = ("name", "type", "value", "let")
    name: str
    type: Type
    value: Any
    let: str | None

    def __init__(self, name: str, type: Type, value: Any, let: str | None = None):
        self.name, self.type, self.value, self.let = name, type, value, let


class ItemResult:
    """One item's outcome for one application.

    An evaluation sets only what the application decides (status, points, its own detail); the rest is read
    from the item's ItemInfo. The full detail and the values the item read are put together when first
    asked for: most evaluations (batch scores, benchmarks) never ask. Evaluation never changes a value once
    computed, so reading the inputs afterwards gives what the item saw.
    """

    __slots__ = ("about", "status", "points", "_own", "_ctx", "_detail", "_read_values", "_failing")

    def __init__(self, about: ItemInfo, status: str, points: Decimal | None = None, own: dict | None = None,
                 ctx=None):
        self.about = about
        self.status = status
        self.points = points
        self._own = own  # detail particular to this application: tier, scale ends, failure, waiver, value
        self._ctx = ctx  # the evaluation that computed the inputs; None when the item read none (not applicable)
        self._detail = self._read_values = None

    kind = property(attrgetter("about.kind"))
    id = property(attrgetter("about.id"))
    label = property(attrgetter("about.label"))
    cite = property(attrgetter("about.cite"))
    max = property(attrgetter("about.max"))
    method = property(attrgetter("about.method"))
    section = property(attrgetter("about.section"))

    @property
    def detail(self) -> dict:
        if self._detail is None:
            self._detail = {**self.about.detail, **self._own} if self._own else dict(self.about.detail)
        return self._detail

    @property
    def inputs(self) -> list[Recorded]:
        about = self.about.inputs
        return [Recorded(about[at].name, about[at].type, value, about[at].let) for at, value in self._values()]

    @property
    def failing(self) -> list[str]:
        """For a requirement or grade condition that does not hold: the first item each `all(…)` it reads
        found false, e.g. `item 3 of evidence.credits (/credits/2, CCER-2024-000125): `c.retired` is false`."""
        if self._read_values is None:
            self._read()
        return self._failing

    def _values(self) -> list[tuple[int, Any]]:
        """(position in about.inputs, value) of each input shown."""
        if self._read_values is None:
            self._read()
        return self._read_values

    def _read(self) -> None:
        ctx, self._ctx = self._ctx, None
        self._read_values, self._failing = [], []
        if ctx is None:
            return
        # A decided item was decided without its unknown inputs (an untaken branch, a `false and …`): they
        # are not shown, so that nothing asks for evidence the item did not need.
        decided = self.status not in (MISSING, ERROR)
        values, read = ctx.values, self._read_values
        for at, i in enumerate(self.about.inputs):
            value = values[i.let] if i.let else i.get(ctx)
            if not (decided and isinstance(value, (Missing, Failure))):
                read.append((at, value))
        if self.status in (FAIL, NOT_MET):
            found = (find(ctx) for find in self.about.witnesses)
            self._failing = [text for text in found if text is not None]

    def __repr__(self) -> str:
        return f"ItemResult({self.kind} {self.id}: {self.status}, points={self.points})"


class GradeResult(Record):
    id: str
    label: dict
    cite: str | None
    status: str  # met, not_met, missing, error
    conditions: list[ItemResult]
    __match_args__ = ("id", "label", "cite", "status", "conditions")

    def __init__(self, id: str, label: dict, cite: str | None, status: str, conditions: list[ItemResult]):
        self.id, self.label, self.cite, self.status, self.conditions = id, label, cite, status, conditions
