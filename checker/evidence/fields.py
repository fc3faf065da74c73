"""The evidence schema as fields a person fills in, and typed values from what they typed.

The spreadsheet (`checker.evidence.workbook`, `checker.outputs.workbook`) and the web form share this view:

* `layout(schema)` groups the fields: one *form* of the top-level plain fields, one form per top-level
  object (nested objects flattened into it), one *table* per list (a row per entry; a list of plain
  values has one column, keyed ITEM);
* each `Field` knows its JSON pointer, label, description, unit, whether it is required, its example
  (shown as a hint, never used as data), its choices (enum values, 是/否) and the compatible units a
  person may enter it in (`unit_choices`);
* `typed(value, field, unit)` turns a typed-in value (text, or a spreadsheet cell's number, boolean or
  date) into the evidence value, exactly: numbers become Decimals, a value in another compatible unit is
  converted exactly, and anything that does not fit raises `FieldError` with a message in zh and en.

Numbers a spreadsheet stores as binary floating point go through the shortest decimal that reads back as
the same float (Python's `repr`), so a cell showing 0.1 gives Decimal("0.1"), never
0.1000000000000000055511151231257827.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field as dataclass_field
from decimal import Decimal, InvalidOperation, localcontext, Inexact

from ..catalogue import both, pair
from ..language.diagnostics import Diagnostic, RulesetError
from ..language.schema import resolve
from ..language.units import UnitError, parse_unit

YES, NO = "是", "否"
_TRUE = {YES, "true", "yes", "y", "1", "√", "✓"}
_FALSE = {NO, "false", "no", "n", "0", "×", "✗"}
# Units offered beside a field's own unit: the compatible ones among these.
_UNIT_OFFERS = ("kWh", "MWh", "GWh", "万kWh", "亿kWh", "tCO2e", "kgCO2e", "万tCO2e", "tCO2", "kgCO2", "万tCO2",
                "tce", "kgce", "万tce", "t", "kg", "万t", "元", "万元", "亿元", "GJ", "TJ")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_CUT = re.compile(r"[（(；;。：:，,]")
MAX_EXPONENT = 100


class FieldError(ValueError):
    """A typed-in value that does not fit its field; `.en` and `.zh` say why."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh


@dataclass(frozen=True)
class Field:
    key: str                 # the pointer below its group: "name", "compliance/green_factory", "mass"
    node: dict = dataclass_field(repr=False)
    required: bool

    @property
    def kind(self) -> str:
        kinds = self.node.get("type")
        if isinstance(kinds, list):
            kinds = next((k for k in kinds if k != "null"), "string")
        return kinds or "string"

    @property
    def unit(self) -> str | None:
        """The unit a value is given in; none for a plain number (`x-unit: "1"`)."""
        unit = self.node.get("x-unit") if self.kind in ("number", "integer") else None
        return unit if unit not in ("", "1") else None

    @property
    def unit_choices(self) -> list[str]:
        """The field's unit first, then the compatible units a value may be entered in."""
        if not self.unit:
            return []
        own = parse_unit(self.unit)
        return [self.unit] + [u for u in _UNIT_OFFERS if u != self.unit and parse_unit(u).compatible(own)
                              and not own.dimensionless]

    @property
    def choices(self) -> list[str]:
        if self.kind == "boolean":
            return [YES, NO]
        return [str(v) for v in self.node.get("enum", [])]

    def label(self, lang: str) -> str:
        """A short name: the description up to its first clause break, else the key."""
        text = self.description(lang)
        short = _CUT.split(text, 1)[0].strip().rstrip(".") if text else ""
        return short or self.key.rsplit("/", 1)[-1]

    def path(self) -> tuple[str, ...]:
        """Where the value sits below its group (a list entry: nowhere below it, for ITEM)."""
        return () if self.key == ITEM else tuple(self.key.split("/"))

    def description(self, lang: str) -> str:
        text = self.node.get("x-description-zh") if lang == "zh" else None
        return str(text or self.node.get("description") or "")

    @property
    def example(self) -> str:
        """The schema's example, as text: a hint beside the field, never a value."""
        for value in (self.node.get("examples") or [None])[:1] + [self.node.get("default")]:
            if value is not None:
                return show(value)
        return ""


@dataclass(frozen=True)
class Group:
    kind: str                # "form" (one value per field) or "table" (a row per list entry)
    pointer: tuple[str, ...]  # where its values live in the evidence
    node: dict = dataclass_field(repr=False)
    fields: tuple[Field, ...]
    name: str                # unique, at most 31 characters, none of []:*?/\ (a spreadsheet's sheet name)

    def label(self, lang: str) -> str:
        return Field("/".join(self.pointer), self.node, False).label(lang) if self.pointer else (
            both("xlsx", "general")[lang])

    def description(self, lang: str) -> str:
        return Field("", self.node, False).description(lang)


def layout(schema: dict) -> list[Group]:
    """The groups of fields of an evidence schema, in the schema's order; `ruleset` belongs to none."""
    root = resolve(schema, schema)
    groups: list[Group] = []
    plain = []
    required = set(root.get("required", []))
    for name, node in root.get("properties", {}).items():
        node = resolve(node, schema)
        kind = Field(name, node, False).kind
        if name == "ruleset":
            continue
        if kind == "object":
            fields, tables = _flatten(node, (name,), schema)
            if fields:   # an object holding only lists is its tables
                groups.append(_group("form", (name,), node, fields))
            groups += tables
        elif kind == "array":
            groups.append(_table((name,), node, schema))
        else:
            plain.append(Field(name, node, name in required))
    if plain:
        groups.insert(0, _group("form", (), root, plain))
    return _named(groups)


def _group(kind, pointer, node, fields) -> Group:
    return Group(kind, pointer, node, tuple(fields), "")


def _flatten(node: dict, pointer: tuple, root: dict, prefix: str = "") -> tuple[list[Field], list[Group]]:
    fields, tables = [], []
    required = set(node.get("required", []))
    for name, child in node.get("properties", {}).items():
        child = resolve(child, root)
        key = prefix + name
        kind = Field(key, child, False).kind
        if kind == "object":
            more, deeper = _flatten(child, pointer, root, key + "/")
            fields += more
            tables += deeper
        elif kind == "array":
            tables.append(_table(pointer + tuple(key.split("/")), child, root))
        else:
            fields.append(Field(key, child, name in required))
    return fields, tables


def _table(pointer: tuple, node: dict, root: dict) -> Group:
    items = resolve(node.get("items", {}), root)
    kind = Field("", items, False).kind
    if kind in ("object", "array"):
        fields, lists = _flatten(items, pointer, root) if kind == "object" else ([], [node])
    else:   # a list of plain values: one column, each row a value
        fields, lists = [Field(ITEM, items, True)], []
    if lists:
        # The schema has a shape a form or a sheet cannot show: a fault of the ruleset, reported as one.
        raise RulesetError([Diagnostic("schema", f"/{'/'.join(pointer)}: a list inside a list entry has no "
                                                 f"form or sheet layout")])
    return _group("table", pointer, node, fields)


ITEM = "."   # the key of a list of plain values' only column: the entry itself

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


def _named(groups: list[Group]) -> list[Group]:
    """Sheet names: the zh label when it is short and unique, else the pointer's last keys."""
    taken = {"封面"}
    named = []
    for group in groups:
        candidates = [group.label("zh"), ".".join(group.pointer[-2:]), ".".join(group.pointer) or "general"]
        for candidate in candidates:
            candidate = _SHEET_FORBIDDEN.sub("_", candidate)[:31]
            if candidate and candidate not in taken:
                break
        else:
            candidate = f"{candidate[:27]}-{len(named)}"
        taken.add(candidate)
        named.append(Group(group.kind, group.pointer, group.node, group.fields, candidate))
    return named


# ------------------------------------------------------------------------------------ typed values

def show(value) -> str:
    """An evidence value as the text a person types: numbers without float noise, booleans 是/否."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (int, float, Decimal)):
        return format(exact(value), "f") if abs(exact(value).adjusted()) < 16 else str(exact(value))
    return "" if value is None else str(value)


def exact(number) -> Decimal:
    """A spreadsheet number as a Decimal: a float through the shortest decimal that reads back as it."""
    if isinstance(number, Decimal):
        return number
    if isinstance(number, float):
        return Decimal(repr(number))
    return Decimal(number)


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def typed(value, field: Field, unit: str | None = None):
    """The evidence value of `value` (text or a cell's value) for `field`, entered in `unit` if given."""
    kind = field.kind
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        if kind == "string" and isinstance(value, (datetime.datetime, datetime.date)):
            day = value.date() if isinstance(value, datetime.datetime) else value
            return day.isoformat() if field.node.get("format") == "date" else value.isoformat()
        raise FieldError(*pair("xlsx", "date", kind=_kind(kind), date=value.isoformat()))
    if kind in ("number", "integer"):
        number = _number(value, kind)
        return _in_unit(number, field, unit) if unit and field.unit and unit != field.unit else number
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str) else show(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise FieldError(*pair("xlsx", "yes_no", value=_quoted(value)))
    if isinstance(value, bool):
        raise FieldError(*pair("xlsx", "text_boolean", value={"en": str(value), "zh": show(value)}))
    return value if isinstance(value, str) else show(value)


def _number(value, kind: str) -> Decimal:
    if isinstance(value, bool):
        raise FieldError(*pair("xlsx", "boolean", kind=_kind(kind)))
    if isinstance(value, (int, float, Decimal)):
        number = exact(value)
        if not number.is_finite():
            raise FieldError(*pair("xlsx", "finite"))
        return number
    text = str(value).strip()
    if not _NUMBER.fullmatch(text) or len(text) > 100:
        raise FieldError(*pair("xlsx", "not_number", kind=_kind(kind), value=_quoted(value)))
    try:
        return Decimal(text)
    except InvalidOperation:   # unreachable after the pattern; kept so no input can escape as a fault
        raise FieldError(*pair("xlsx", "not_number", kind=_kind(kind), value=_quoted(value))) from None


def _in_unit(number: Decimal, field: Field, unit: str) -> Decimal:
    """`number` given in `unit`, in the field's own unit: exactly, or an error."""
    try:
        given = parse_unit(str(unit).strip())
    except UnitError:
        given = None
    if given is None or unit not in field.unit_choices:
        choices = ", ".join(field.unit_choices)
        raise FieldError(*pair("xlsx", "unit", choices=choices, unit=_quoted(unit)))
    factor = given.factor_to(parse_unit(field.unit))
    with localcontext(prec=60) as context:
        context.traps[Inexact] = True
        try:
            converted = number * factor.numerator / factor.denominator
        except Inexact:
            raise FieldError(*pair("xlsx", "inexact", number=show(number), unit=unit, to=field.unit)) from None
    return converted.normalize() if converted != converted.to_integral_value() else converted.quantize(1)


def _quoted(value) -> str:
    text = show(value) if not isinstance(value, str) else value
    return repr(text[:60] + ("…" if len(text) > 60 else ""))


def _kind(kind: str) -> dict[str, str]:
    """"a number" or "an integer", in each language."""
    return both("xlsx", "integer" if kind == "integer" else "number")
