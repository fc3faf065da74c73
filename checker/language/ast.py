"""The syntax tree of a ruleset: plain data classes, each node knowing where it came from."""
from __future__ import annotations

import dataclasses
from dataclasses import MISSING, field
from decimal import Decimal

from ..language.diagnostics import Span
from ..pointer import format_pointer
from ..records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any


def node(cls):
    """@dataclass for the classes of the syntax tree, without generating code for each of them.

    A node class declares its fields as a dataclass does (annotations, defaults, `field(...)`), and gets what
    @dataclass would give it: `__init__` by field order, `==` and `repr` over the fields that take part, no
    hash; `fields(node)` lists them. @dataclass compiles three methods for every class, and for the classes
    here that was the largest single cost of a fresh `carbon-check check` (about a fifth of it); `Node`
    implements them once for all.
    """
    declared = dict(getattr(cls, "__node_fields__", {}))   # the base class's fields first
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, dataclasses.Field) else field(default=value)
        spec.name, spec.type = name, annotation
        declared[name] = spec
        if spec.default is not MISSING:
            setattr(cls, name, spec.default)
        elif name in cls.__dict__:   # a field(default_factory=…): the class itself has no value for it
            delattr(cls, name)
    cls.__node_fields__ = declared
    cls.__node_compared__ = tuple(name for name, spec in declared.items() if spec.compare)
    return cls


# A label and a reference are frozen records (hashable, compared by value) whose fields @node describes.
@node
class Label(Frozen):
    zh: str
    en: str | None = None
    __match_args__ = ("zh", "en")

    def __init__(self, zh, en=None):
        self.__dict__.update(zh=zh, en=en)


def fields(item) -> tuple[dataclasses.Field, ...]:
    """The fields of a node, a label or a reference (or of their classes), in order: `dataclasses.fields`
    for everything in the syntax tree."""
    declared = getattr(item, "__node_fields__", None)
    return dataclasses.fields(item) if declared is None else tuple(declared.values())


def described(item) -> bool:
    """Whether `item` is a node, a label or a reference (or one of their classes): what `fields` lists the
    fields of, as declared with @node."""
    return hasattr(item, "__node_fields__")


@node
class Node:
    span: Span = field(repr=False, compare=False)

    def __init__(self, *args, **kwargs):
        declared = self.__node_fields__
        if len(args) > len(declared):
            raise TypeError(f"{type(self).__name__}() takes {len(declared)} arguments, {len(args)} given")
        values = dict(zip(declared, args))
        for name, value in kwargs.items():
            if name not in declared or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {name!r}")
            values[name] = value
        for name, spec in declared.items():
            if name in values:
                value = values[name]
            elif spec.default is not MISSING:
                value = spec.default
            elif spec.default_factory is not MISSING:
                value = spec.default_factory()
            else:
                raise TypeError(f"{type(self).__name__}() is missing the argument {name!r}")
            setattr(self, name, value)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = self.__node_compared__
        return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)

    __hash__ = None   # equal nodes would need equal hashes, and nodes change (the check phase types them)

    def __repr__(self):
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name, spec in self.__node_fields__.items()
                          if spec.repr)
        return f"{type(self).__qualname__}({shown})"

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


# What a name or evidence path resolved to, set on the expression by the check phase. A kind of reference
# that adds no field is a plain subclass of Ref (its ==, hash and repr go by its class).
@node
class Ref(Frozen):
    name: str = ""
    __match_args__ = ("name",)

    def __init__(self, name=""):
        self.__dict__["name"] = name


@node
class EvidenceRef(Ref):
    """`evidence.a.b`: a path from the root of the evidence."""

    path: tuple = ()  # keys (texts) and list positions (numbers from 0, or LAST)
    __match_args__ = ("name", "path")

    def __init__(self, name="", path=()):
        self.__dict__.update(name=name, path=path)

    @property
    def pointer(self) -> str:
        return pointer_of(self.path)


@node
class VarRef(Ref):
    """`s.mass` inside `… for s in …`: the variable bound to the current item, and a path inside it."""

    path: tuple = ()
    __match_args__ = ("name", "path")

    def __init__(self, name="", path=()):
        self.__dict__.update(name=name, path=path)


class LetRef(Ref):
    pass


class ParamRef(Ref):
    """A parameter, by qualified name (`alias.name` for an imported one)."""


class TableRef(Ref):
    """A table, by qualified name."""


class LibraryRef(Ref):
    pass


class FunctionRef(Ref):
    """A call of a function the ruleset defines."""


@node
class ScoreRef(Ref):
    name: str = "score"

    def __init__(self, name="score"):
        self.__dict__["name"] = name


@node
class VariantRef(Ref):
    name: str = "variant"

    def __init__(self, name="variant"):
        self.__dict__["name"] = name


# In a path, a key is a text and a list position a number from 0; LAST is the last item (`last(list)`).
LAST = -1


def pointer_of(path: tuple) -> str:
    """The JSON pointer of a path of keys and positions; the last item of a list is `-`, the pointer's word
    for the item after the end, which is where a missing last item would go."""
    return format_pointer("-" if p == LAST and isinstance(p, int) else p for p in path)


# Expressions. `text` is the source the expression was written as; `type` is
# filled in by the check phase.
@node
class Expr(Node):
    text: str = field(default="", repr=False, compare=False)
    type: Any = field(default=None, repr=False, compare=False)  # set by the check phase
    ref: Ref | None = field(default=None, repr=False, compare=False)  # what a name or path resolved to


@node
class Number(Expr):
    value: Decimal = Decimal(0)
    unit: str | None = None
    unit_span: Span | None = field(default=None, repr=False, compare=False)


@node
class String(Expr):
    value: str = ""


@node
class Boolean(Expr):
    value: bool = False


@node
class Name(Expr):
    name: str = ""


@node
class Field(Expr):
    base: Expr = None
    name: str = ""


@node
class Index(Expr):
    base: Expr = None
    keys: list[Expr] = field(default_factory=list)


@node
class Call(Expr):
    function: str = ""
    args: list[Expr] = field(default_factory=list)


@node
class Aggregate(Expr):
    function: str = ""
    item: Expr = None
    variable: str = ""
    source: Expr = None
    where: Expr | None = None
    let_names: list[str] = field(default_factory=list)  # `let e = …` per item, worked out in order
    lets: list[Expr] = field(default_factory=list)


@node
class Negate(Expr):
    operand: Expr = None


@node
class Arith(Expr):
    op: str = "+"
    left: Expr = None
    right: Expr = None


@node
class Compare(Expr):
    op: str = "=="
    left: Expr = None
    right: Expr = None


@node
class Within(Expr):
    value: Expr = None
    lower: Expr = None
    upper: Expr = None
    lower_closed: bool = True
    upper_closed: bool = True


@node
class Member(Expr):
    value: Expr = None
    options: list[Expr] = field(default_factory=list)


@node
class Logic(Expr):
    op: str = "and"  # "and" or "or"; operands are flattened
    operands: list[Expr] = field(default_factory=list)


@node
class Not(Expr):
    operand: Expr = None


@node
class Coalesce(Expr):
    value: Expr = None
    fallback: Expr = None


@node
class Conditional(Expr):
    condition: Expr = None
    then: Expr = None
    otherwise: Expr = None


def is_bare_zero(expr: Expr) -> bool:
    """A bare 0 fits any unit: `residual > 0` needs no unit."""
    return isinstance(expr, Number) and expr.unit is None and expr.value == 0


# Declarations.
@node
class Meta(Node):
    key: str
    value: Label


@node
class Header(Node):
    kind: str  # "ruleset" or "library"
    id: str
    meta: list[Meta]


@node
class Import(Node):
    path: str
    alias: str


@node
class Let(Node):
    name: str
    label: Label | None
    unit: str | None
    expr: Expr
    cite: Label | None
    when: Expr | None = None  # outside this condition the value is not applicable (outside the boundary): 0


@node
class Param(Node):
    name: str
    label: Label | None
    unit: str | None
    default: Expr | None
    cite: Label | None
    range: Within | None = None  # `in [0%, 100%]`: a Within whose value is the parameter itself
    choices: list[Expr] = field(default_factory=list)  # `in {"AR5", "AR6"}`


@node
class Argument(Node):
    name: str
    kind: str  # number, text, bool or date
    unit: str | None  # numbers: `gross in tCO2e`; None is a plain number


@node
class FunctionDecl(Node):
    """`function name(arg: kind, arg in unit, …) [label] [: kind | in unit] = expr`: pure, no recursion."""

    name: str
    arguments: list[Argument]
    label: Label | None
    kind: str | None  # the declared result, if any
    unit: str | None
    expr: Expr
    cite: str | None


@node
class Row(Node):
    key: Any  # Decimal or str
    cells: list[Decimal | None]  # in the table's unit once checked
    cite: Label | None
    units: list[str | None] = field(default_factory=list)  # each cell's unit as written, if any


@node
class Table(Node):
    name: str
    label: Label | None
    unit: str | None
    columns: list[str] | None
    rows: list[Row]
    cite: Label | None


@node
class VariantOption(Node):
    value: str
    label: Label
    cite: Label | None


@node
class Variant(Node):
    selector: Expr
    options: list[VariantOption]


@node
class Requirement(Node):
    id: str
    label: Label
    cite: Label | None
    when: Expr | None
    waivable: bool
    condition: Expr


@node
class Tier(Node):
    points: Decimal
    condition: Expr | None  # None for `otherwise`


@node
class Tiers(Node):
    tiers: list[Tier]


@node
class Scale(Node):
    value: Expr
    start: Expr
    end: Expr


@node
class Assessed(Node):
    source: Expr | None


@node
class Points(Node):
    value: Expr


@node
class Criterion(Node):
    id: str
    label: Label
    max: Decimal
    cite: Label | None
    when: Expr | None
    scoring: Tiers | Scale | Assessed | Points


@node
class Section(Node):
    id: str
    label: Label
    max: Decimal
    cite: Label | None
    criteria: list[Criterion]


@node
class Grade(Node):
    id: str
    label: Label
    cite: Label | None
    condition: Expr


@node
class Grades(Node):
    label: Label | None
    max: Decimal
    cite: Label | None
    grades: list[Grade]
    unranked: bool = False  # classes, not grades: the result is `classified`, with no next grade


@node
class Module(Node):
    """One parsed file: a ruleset, or a library that rulesets import."""

    header: Header
    declarations: list[Node]
    source: str = field(repr=False, default="")
