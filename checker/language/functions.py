"""The built-in functions: the one place each is declared.

The check phase types a call from its entry, the compile phase builds it from the same entry, the gap
analysis asks it which functions add numbers up, and the language reference lists it (a test keeps the
two in step). Adding a built-in is adding one entry.

An entry with the `plain` form is typed from its signature and computed by `compute` on known values:
a missing or failed argument makes the result missing or failed (the truth table of docs/language.md),
and `compute` itself returns a `Failure` rather than raise, so every function is total. Other forms
(aggregations, `present`, `min`/`max`, table look-ups) need more than a signature; each names a method
of the check and compile phases (`call_<form>`), shared by every function of that form.
"""
from __future__ import annotations

import datetime
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from ..language.values import Failure
from ..records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Callable

# Parameters are written `name:kind`; the kinds are a number in any unit, a plain (unitless) number, a
# text, a date, true/false, a list of the evidence, a table, anything. A last `...` repeats the one before.
KINDS = ("number", "plain", "text", "date", "bool", "list", "table", "any")
# Result kinds: as the kinds, and `same` (the first argument's type, units included).


class Function(Frozen):
    name: str
    params: tuple[str, ...]
    result: str
    summary: str  # one line for the language reference
    example: str
    category: str  # text, number, date, list, table, value: the reference's grouping
    compute: Callable | None  # plain form: the operation on known values
    form: str
    optional: int  # how many trailing parameters may be left out
    aggregate: bool  # also `f(x for x in list where …)`
    __match_args__ = ("name", "params", "result", "summary", "example", "category", "compute", "form", "optional",
                      "aggregate")

    def __init__(self, name, params, result, summary, example, category, compute=None, form="plain", optional=0,
                 aggregate=False):
        self.__dict__.update(name=name, params=params, result=result, summary=summary, example=example,
                             category=category, compute=compute, form=form, optional=optional, aggregate=aggregate)

    @property
    def variadic(self) -> bool:
        return self.params[-1:] == ("...",)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(p.split(":")[1] for p in self.params if p != "...")

    def accepts(self, count: int) -> bool:
        least = len(self.kinds) - self.optional
        return count >= least and (self.variadic or count <= len(self.kinds))

    def kind_of(self, position: int) -> str:
        kinds = self.kinds
        return kinds[position] if position < len(kinds) else kinds[-1]

    def name_of(self, position: int) -> str:
        names = [p.split(":")[0] for p in self.params if p != "..."]
        return names[min(position, len(names) - 1)]

    def arity(self) -> str:
        """`2 arguments`, `2 or 3 arguments`, `at least 2 arguments`."""
        least, most = len(self.kinds) - self.optional, len(self.kinds)
        count = f"at least {least}" if self.variadic else f"{least} or {most}" if least != most else str(least)
        return f"{count} argument{'' if count == '1' else 's'}"

    def signature(self) -> str:
        names = [p.split(":")[0] for p in self.params if p != "..."] + (["…"] if self.variadic else [])
        optional = len(self.kinds) - self.optional
        shown = [f"[{n}]" if i >= optional and i < len(self.kinds) else n for i, n in enumerate(names)]
        return f"{self.name}({', '.join(shown)})"


# Computations on known values. Each returns a value or a Failure, never raises.
def parse_date(text):
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # fromisoformat alone also takes 20240630, 2024-W01-1
            return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        pass
    return Failure(f"{show(text)} is not a date (YYYY-MM-DD)")


def is_date(text: str) -> bool:
    return not isinstance(parse_date(text), Failure)


def _whole(value: Decimal, what: str) -> int | Failure:
    if value != value.to_integral_value():
        return Failure(f"{what} must be a whole number, not {value}")
    return int(value)


def _round(value: Decimal, digits: Decimal):
    """Half-up, the 四舍五入 of the standards (the decimal context itself rounds half-even)."""
    places = _whole(digits, "round()'s digits")
    if isinstance(places, Failure):
        return places
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return Failure(f"{value} cannot be rounded to {digits} decimals")


def _to_whole(rounding: str):
    def to_whole(value: Decimal):
        whole = value.to_integral_value(rounding=rounding)
        return whole if whole else Decimal(0)  # ceil(-0.5) is 0, not -0
    return to_whole


def _months_between(a: datetime.date, b: datetime.date) -> Decimal:
    """Whole calendar months from a to b (negative when b is earlier)."""
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if months > 0 and b.day < a.day:
        months -= 1
    elif months < 0 and b.day > a.day:
        months += 1
    return Decimal(months)


def _substring(text: str, start: Decimal, length: Decimal | None = None):
    """Characters from position `start` (the first is 1), `length` of them or to the end; a range past the
    end of the text gives what there is."""
    first = _whole(start, "substring()'s start")
    count = _whole(length, "substring()'s length") if length is not None else len(text)
    for value in (first, count):
        if isinstance(value, Failure):
            return value
    if first < 1 or count < 0:
        return Failure(f"substring() counts from position 1 and a length of 0 or more, not {start}, {length}")
    return text[first - 1:first - 1 + count]


def show(value) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _entries(*functions: Function) -> dict[str, Function]:
    return {f.name: f for f in functions}


FUNCTIONS: dict[str, Function] = _entries(
    # Values
    Function("present", ("x:any",), "bool", "provided, and not a blank text; never missing itself, and true for "
             "a value that was given but cannot be computed", "present(evidence.boundary)", "value",
             form="present"),
    # Aggregations
    Function("sum", ("list:list",), "same", "the sum of a list of numbers (0 for an empty list)",
             "sum(s.co2e for s in evidence.sources)", "list", form="aggregate", aggregate=True),
    Function("count", ("list:list",), "plain", "how many items (those the filter keeps)",
             "count(c for c in evidence.credits where c.retired)", "list", form="aggregate", aggregate=True),
    Function("min", ("a:number", "..."), "same", "the smallest of its arguments, in the unit of the first that is "
             "not a bare 0; of one list, its smallest item (an error for an empty list)", "min(share, 100%)",
             "number", form="extreme", aggregate=True),
    Function("max", ("a:number", "..."), "same", "the largest, as min", "max(0, gross - offsets)", "number",
             form="extreme", aggregate=True),
    Function("avg", ("list:list",), "same", "the mean of a list of numbers (an error for an empty list)",
             "avg(evidence.monthly_mwh)", "list", form="aggregate", aggregate=True),
    Function("any", ("list:list",), "bool", "some item is true (false for an empty list)",
             "any(s.verified for s in evidence.sources)", "list", form="aggregate", aggregate=True),
    Function("all", ("list:list",), "bool", "every item is true (true for an empty list)",
             "all(c.retired for c in evidence.credits)", "list", form="aggregate", aggregate=True),
    # Numbers
    Function("abs", ("x:number",), "same", "the absolute value, in the same unit", "abs(evidence.change)", "number",
             compute=abs),
    Function("round", ("x:number", "digits:plain"), "same", "rounded half-up (四舍五入) to `digits` decimals, in the same "
             "unit; negative digits round to tens, hundreds…", "round(intensity, 2)", "number", compute=_round),
    Function("floor", ("x:number",), "same", "the whole number at or below `x`, in the same unit (with `/`, "
             "a whole division: `floor(a / b)`)", "floor(evidence.code / 10000)", "number",
             compute=_to_whole(ROUND_FLOOR)),
    Function("ceil", ("x:number",), "same", "the whole number at or above `x`, in the same unit",
             "ceil(evidence.months / 12)", "number", compute=_to_whole(ROUND_CEILING)),
    # Texts. No patterns: every test is a plain comparison of characters, and always ends.
    Function("starts_with", ("text:text", "prefix:text"), "bool", "the text begins with `prefix`",
             'starts_with(evidence.cn_code, "7208")', "text", compute=lambda t, p: t.startswith(p)),
    Function("starts_with_any", ("text:text", "prefix:text", "..."), "bool", "the text begins with one of the "
             "prefixes", 'starts_with_any(evidence.cn_code, "2523", "2507")', "text",
             compute=lambda t, *p: t.startswith(p)),
    Function("ends_with", ("text:text", "suffix:text"), "bool", "the text ends with `suffix`",
             'ends_with(evidence.file, ".pdf")', "text", compute=lambda t, p: t.endswith(p)),
    Function("contains", ("text:text", "part:text"), "bool", "`part` occurs in the text",
             'contains(evidence.scope, "范围三")', "text", compute=lambda t, p: p in t),
    Function("length", ("text:text",), "plain", "how many characters (a Chinese character is one)",
             "length(evidence.cn_code)", "text", compute=lambda t: Decimal(len(t))),
    Function("substring", ("text:text", "start:plain", "length:plain"), "text", "`length` characters from "
             "position `start` (the first is 1), or to the end without `length`; a range past the end gives "
             "what there is", "substring(evidence.cn_code, 1, 4)", "text", compute=_substring, optional=1),
    Function("upper", ("text:text",), "text", "the text in capitals (ASCII and other cased letters)",
             "upper(evidence.country)", "text", compute=str.upper),
    Function("lower", ("text:text",), "text", "the text in small letters", "lower(evidence.unit)", "text",
             compute=str.lower),
    # Lists (also `count`, `sum`… above, and `list[n]`)
    Function("first", ("list:list",), "item", "the first item (missing for an empty list)",
             "first(evidence.periods).year", "list", form="item"),
    Function("last", ("list:list",), "item", "the last item (missing for an empty list)",
             "last(evidence.periods).emissions", "list", form="item"),
    # Dates
    Function("date", ("text:text",), "date", "a date from a text YYYY-MM-DD", 'date("2024-06-30")', "date",
             compute=parse_date, form="date"),
    Function("days_between", ("a:date", "b:date"), "plain", "days from the first date to the second",
             "days_between(evidence.start, evidence.end)", "date",
             compute=lambda a, b: Decimal((b - a).days)),
    Function("months_between", ("a:date", "b:date"), "plain", "whole calendar months from the first date to the "
             "second", "months_between(evidence.start, evidence.end)", "date", compute=_months_between),
    Function("year", ("d:date",), "plain", "the year of a date", "year(evidence.report_date)", "date",
             compute=lambda d: Decimal(d.year)),
    # Tables
    Function("latest", ("table:table", "key:number"), "number", "the row with the largest key not above `key` (e.g. the "
             "latest factor published)", "latest(grid_factor, evidence.year)", "table", form="latest"),
    Function("has_row", ("table:table", "key:any"), "bool", "the table has a row with this key",
             'has_row(cbam_default_values, evidence.cn_code)', "table", form="has_row"),
)

# The aggregations whose result moves with the numbers aggregated: what the gap analysis can change.
NUMERIC_AGGREGATES = ("sum", "min", "max", "avg")
AGGREGATES = tuple(name for name, f in FUNCTIONS.items() if f.aggregate)


def reference() -> str:
    """The table of built-ins that docs/language.md carries (tests/test_words.py keeps it in step)."""
    lines = ["| function | gives | example |", "|---|---|---|"]
    for category in ("value", "number", "text", "list", "table", "date"):
        for f in (f for f in FUNCTIONS.values() if f.category == category):
            lines.append(f"| `{f.signature()}` | {f.summary} | `{f.example}` |")
    return "\n".join(lines) + "\n"
