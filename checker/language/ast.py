"""The syntax tree of a ruleset: plain dataclasses, each node knowing where it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..language.diagnostics import Span


@dataclass(frozen=True)
class Label:
    zh: str
    en: str | None = None


@dataclass
class Node:
    span: Span = field(repr=False, compare=False)


# Expressions. `text` is the source the expression was written as; `type` is
# filled in by the check phase.
@dataclass
class Expr(Node):
    text: str = field(default="", repr=False, compare=False)
    type: Any = field(default=None, repr=False, compare=False)  # set by the check phase
    ref: Any = field(default=None, repr=False, compare=False)  # what a name or path resolved to


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


@dataclass
class Param(Node):
    name: str
    label: Label | None
    unit: str | None
    default: Expr | None
    cite: Label | None


@dataclass
class Row(Node):
    key: Any  # Decimal or str
    cells: list[Decimal | None]
    cite: Label | None


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


@dataclass
class Module(Node):
    """One parsed file: a ruleset, or a library that rulesets import."""

    header: Header
    declarations: list[Node]
    source: str = field(repr=False, default="")
