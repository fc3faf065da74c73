"""The one number formatter of every report: locale-aware grouping, precision by kind of quantity, units
written as readers write them.

Babel gives the grouping and decimal signs of each locale (zh_CN and en groups alike, "5,000"; other
locales differ, and a certification body's own templates may ask for them). Rounding is done here, half-up
on the exact Decimal, before Babel sees the number: Babel only lays out the digits it is given, so nothing
on the way is a float.

Precision follows the unit: percentages to one decimal, tonnes and MWh to one, small units (kWh, kg) to
none, factors and intensities (a unit with "/") to four significant decimals, plain numbers (scores, points)
to two. A value is never rounded onto a bound it failed: `distinct` adds digits until the two differ, so a
report never reads "0.2 ≤ 0.2 does not hold".
"""
from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from babel.numbers import format_decimal

from ..catalogue import messages
from ..language.units import MAGNITUDES

_LOCALES = {"zh": "zh_CN", "en": "en"}
_WIDE = Context(prec=250, rounding=ROUND_HALF_UP)  # any evidence number fits: rounding never overflows
# Decimals shown by unit; the first pattern that matches the unit symbol wins.
_PRECISION = (
    (re.compile(r"^%$"), 1),
    (re.compile(r"/"), 4),                       # factors and intensities: tCO2/MWh, kgCO2e/t
    (re.compile(r"^(k?Wh|kg\w*|g\w*|元|yuan|CNY)$"), 0),
    (re.compile(r"."), 1),                       # t, tCO2e, MWh, tce, GJ, m³ ...
)
_PLAIN = 2  # no unit: scores, points, counts


def decimals_for(unit: str | None) -> int:
    """How many decimals a quantity in `unit` is shown with."""
    if not unit:
        return _PLAIN
    return next(places for pattern, places in _PRECISION if pattern.search(unit))


def rounded(value: Decimal, places: int) -> Decimal:
    """`value` rounded half-up to `places` decimals, exact when it has no more."""
    if value.as_tuple().exponent >= -places:
        return value
    return value.quantize(Decimal(1).scaleb(-places), context=_WIDE)


def number(value: Decimal, lang: str, places: int = _PLAIN) -> str:
    """A number grouped in the report's locale, with at most `places` decimals and no trailing zeros."""
    value = rounded(value, places)
    if value.is_zero():
        value = abs(value)  # "-0" says nothing a reader can use
    shown = max(-value.as_tuple().exponent, 0)
    with localcontext(_WIDE):   # Babel quantizes in the current context: 28 digits cannot hold 2.1e106
        return format_decimal(value, format=_pattern(shown), locale=_LOCALES.get(lang, "en"),
                              decimal_quantization=False)


@functools.lru_cache(maxsize=32)
def _pattern(places: int) -> str:
    return "#,##0" + ("." + "#" * places if places else "")


def distinct(value: Decimal, bounds, places: int) -> int:
    """Decimals enough that `value` shown does not equal any of `bounds` unless it is equal (at most exact)."""
    bounds = [b for b in bounds if isinstance(b, Decimal) and b != value]
    exact = max(-value.as_tuple().exponent, 0)
    while places < exact and any(rounded(value, places) == rounded(b, places) for b in bounds):
        places += 1
    return places


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_FORMULA = re.compile(r"(CO|CH|N)(\d)")


def unit_text(unit: str | None, lang: str, rich: bool = False) -> str:
    """A unit as written in a report: 元 for yuan in Chinese, and tCO₂e with a subscript where `rich`."""
    if not unit:
        return ""
    words = messages(lang)["unit_word"]
    parts = [words.get(part, part) for part in unit.split("/")]
    if lang == "en":  # tce/万元: tonnes per 10,000 yuan
        parts = [_MYRIAD_WORDS[p[0]] + " " + words.get(p[1:], p[1:]) if p[:1] in _MYRIADS else p for p in parts]
    text = "/".join(parts)
    if rich:
        text = _FORMULA.sub(lambda m: m.group(1) + m.group(2).translate(_SUBSCRIPTS), text)
    return text


# Chinese counts in ten thousands (万) and hundred millions (亿); English readers do not.
_MYRIADS = {prefix: Decimal(factor) for prefix, factor in MAGNITUDES.items()}
_MYRIAD_WORDS = {"万": "10,000", "亿": "100 million"}


def quantity(value: Decimal, unit: str | None, lang: str, *, rich: bool = False, bounds=(), exact: bool = False) -> str:
    """`5,000 MWh`, `70%`, `0.5703 tCO₂/MWh`: the number in the locale, then its unit.

    A number without a unit and with at most four digits (a year, a count) is not grouped: "2024", never
    "2,024". In English, a unit counted in 万 or 亿 is shown in units: 800 万kWh is 8,000,000 kWh.
    `exact` shows every digit: an amount of advice (976.1462 MWh) rounded down would no longer meet the
    condition it was solved for."""
    if lang == "en" and unit and unit[0] in _MYRIADS:
        factor = _MYRIADS[unit[0]]
        value, unit, bounds = value * factor, unit[1:], [b * factor for b in bounds if isinstance(b, Decimal)]
    places = distinct(value, bounds, decimals_for(unit)) if bounds else decimals_for(unit)
    if exact:
        places = max(places, -value.as_tuple().exponent)
    if not unit and value == value.to_integral_value() and abs(value) < 10_000:
        return str(abs(value) if value.is_zero() else value.to_integral_value())
    text = number(value, lang, places)
    if not unit:
        return text
    if unit == "%":
        return text + "%"
    return f"{text} {unit_text(unit, lang, rich)}"
