"""The syntax tree of a ruleset: plain dataclasses, each node knowing where it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..language.diagnostics import Span
from ..pointer import format_pointer


@dataclass(frozen=True)
class Label:
    zh: str
    en: str | None = None


@dataclass
class Node:
    span: Span = field(repr=False, compare=False)

    def children(self):
        """The nodes directly inside this one, in source order."""
        for value in vars(self).values():
            for child in value if isinstance(value, list) else (value,):
                if isinstance(child, Node) and child is not self:
                    yield child

    def walk(self, prune=None):
        """This node and every node inside it, depth first in source order. `prune(node)` true: the
        node is yielded but what is inside it is not."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if prune is None or not prune(node):
                stack.extend(reversed(list(node.children())))


# What a name or evidence path resolved to, set on the expression by the check phase.
@dataclass(frozen=True)
class Ref:
    name: str = ""


@dataclass(frozen=True)
class EvidenceRef(Ref):
    """`evidence.a.b`: a path from the root of the evidence."""

    path: tuple = ()  # keys (texts) and list positions (numbers from 0, or LAST)

    @property
    def pointer(self) -> str:
        return pointer_of(self.path)


@dataclass(frozen=True)
class VarRef(Ref):
    """`s.mass` inside `… for s in …`: the variable bound to the current item, and a path inside it."""

    path: tuple = ()


@dataclass(frozen=True)
class LetRef(Ref):
    pass


@dataclass(frozen=True)
class ParamRef(Ref):
    """A parameter, by qualified name (`alias.name` for an imported one)."""


@dataclass(frozen=True)
class TableRef(Ref):
    """A table, by qualified name."""


@dataclass(frozen=True)
class LibraryRef(Ref):
    pass


@dataclass(frozen=True)
class FunctionRef(Ref):
    """A call of a function the ruleset defines."""


@dataclass(frozen=True)
class ScoreRef(Ref):
    name: str = "score"


@dataclass(frozen=True)
class VariantRef(Ref):
    name: str = "variant"


# In a path, a key is a text and a list position a number from 0; LAST is the last item (`last(list)`).
LAST = -1


def pointer_of(path: tuple) -> str:
    """The JSON pointer of a path of keys and positions; the last item of a list is `-`, the pointer's word
    for the item after the end, which is where a missing last item would go."""
    return format_pointer("-" if p == LAST and isinstance(p, int) else p for p in path)


# Expressions. `text` is the source the expression was written as; `type` is
# filled in by the check phase.
@dataclass
class Expr(Node):
    text: str = field(default="", repr=False, compare=False)
    type: Any = field(default=None, repr=False, compare=False)  # set by the check phase
    ref: Ref | None = field(default=None, repr=False, compare=False)  # what a name or path resolved to


@dataclass
class Number(Expr):
    value: Decimal = Decimal(0)
    unit: str | None = None
    unit_span: Span | None = field(default=None, repr=False, compare=False)


@dataclass
class String(Expr):
    value: str = ""


@dataclass
class Boolean(Expr):
    value: bool = False


@dataclass
class Name(Expr):
    name: str = ""


@dataclass
class Field(Expr):
    base: Expr = None
    name: str = ""


@dataclass
class Index(Expr):
    base: Expr = None
    keys: list[Expr] = field(default_factory=list)


@dataclass
class Call(Expr):
    function: str = ""
    args: list[Expr] = field(default_factory=list)


@dataclass
class Aggregate(Expr):
    function: str = ""
    item: Expr = None
    variable: str = ""
    source: Expr = None
    where: Expr | None = None
    let_names: list[str] = field(default_factory=list)  # `let e = …` per item, worked out in order
    lets: list[Expr] = field(default_factory=list)


@dataclass
class Negate(Expr):
    operand: Expr = None


@dataclass
class Arith(Expr):
    op: str = "+"
    left: Expr = None
    right: Expr = None


@dataclass
class Compare(Expr):
    op: str = "=="
    left: Expr = None
    right: Expr = None


@dataclass
class Within(Expr):
    value: Expr = None
    lower: Expr = None
    upper: Expr = None
    lower_closed: bool = True
    upper_closed: bool = True


@dataclass
class Member(Expr):
    value: Expr = None
    options: list[Expr] = field(default_factory=list)


@dataclass
class Logic(Expr):
    op: str = "and"  # "and" or "or"; operands are flattened
    operands: list[Expr] = field(default_factory=list)


@dataclass
class Not(Expr):
    operand: Expr = None


@dataclass
class Coalesce(Expr):
    value: Expr = None
    fallback: Expr = None


@dataclass
class Conditional(Expr):
    condition: Expr = None
    then: Expr = None
    otherwise: Expr = None


def is_bare_zero(expr: Expr) -> bool:
    """A bare 0 fits any unit: `residual > 0` needs no unit."""
    return isinstance(expr, Number) and expr.unit is None and expr.value == 0


# Declarations.
@dataclass
class Meta(Node):
    key: str
    value: Label


@dataclass
class Header(Node):
    kind: str  # "ruleset" or "library"
    id: str
    meta: list[Meta]


@dataclass
class Import(Node):
    path: str
    alias: str


@dataclass
class Let(Node):
    name: str
    label: Label | None
    unit: str | None
    expr: Expr
    cite: Label | None
    when: Expr | None = None  # outside this condition the value is not applicable (outside the boundary): 0


@dataclass
class Param(Node):
    name: str
    label: Label | None
    unit: str | None
    default: Expr | None
    cite: Label | None
    range: Within | None = None  # `in [0%, 100%]`: a Within whose value is the parameter itself
    choices: list[Expr] = field(default_factory=list)  # `in {"AR5", "AR6"}`


@dataclass
class Argument(Node):
    name: str
    kind: str  # number, text, bool or date
    unit: str | None  # numbers: `gross in tCO2e`; None is a plain number


@dataclass
class FunctionDecl(Node):
    """`function name(arg: kind, arg in unit, …) [label] [: kind | in unit] = expr`: pure, no recursion."""

    name: str
    arguments: list[Argument]
    label: Label | None
    kind: str | None  # the declared result, if any
    unit: str | None
    expr: Expr
    cite: str | None


@dataclass
class Row(Node):
    key: Any  # Decimal or str
    cells: list[Decimal | None]  # in the table's unit once checked
    cite: Label | None
    units: list[str | None] = field(default_factory=list)  # each cell's unit as written, if any


@dataclass
class Table(Node):
    name: str
    label: Label | None
    unit: str | None
    columns: list[str] | None
    rows: list[Row]
    cite: Label | None


@dataclass
class VariantOption(Node):
    value: str
    label: Label
    cite: Label | None


@dataclass
class Variant(Node):
    selector: Expr
    options: list[VariantOption]


@dataclass
class Requirement(Node):
    id: str
    label: Label
    cite: Label | None
    when: Expr | None
    waivable: bool
    condition: Expr


@dataclass
class Tier(Node):
    points: Decimal
    condition: Expr | None  # None for `otherwise`


@dataclass
class Tiers(Node):
    tiers: list[Tier]


@dataclass
class Scale(Node):
    value: Expr
    start: Expr
    end: Expr


@dataclass
class Assessed(Node):
    source: Expr | None


@dataclass
class Points(Node):
    value: Expr


@dataclass
class Criterion(Node):
    id: str
    label: Label
    max: Decimal
    cite: Label | None
    when: Expr | None
    scoring: Tiers | Scale | Assessed | Points


@dataclass
class Section(Node):
    id: str
    label: Label
    max: Decimal
    cite: Label | None
    criteria: list[Criterion]


@dataclass
class Grade(Node):
    id: str
    label: Label
    cite: Label | None
    condition: Expr


@dataclass
class Grades(Node):
    label: Label | None
    max: Decimal
    cite: Label | None
    grades: list[Grade]
    unranked: bool = False  # classes, not grades: the result is `classified`, with no next grade


@dataclass
class Module(Node):
    """One parsed file: a ruleset, or a library that rulesets import."""

    header: Header
    declarations: list[Node]
    source: str = field(repr=False, default="")
