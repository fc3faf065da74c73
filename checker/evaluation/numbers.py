"""How a result writes values: exact JSON numbers from Decimals, and the displays people read (`62.5%`,
`800 tCO2e`)."""
from __future__ import annotations

import functools
import re
from operator import itemgetter
from decimal import ROUND_HALF_UP, Context, Decimal
from json.encoder import encode_basestring as _json_text

import orjson

from ..language.types import Type
from ..language.values import OUTSIDE, Failure, Missing


def unit_symbol(type_: Type | None) -> str | None:
    """The unit a value of this type is written in; None for plain numbers and other types."""
    return type_.unit.symbol or None if type_ is not None and type_.kind == "number" and type_.unit else None


_AS_IS = (Decimal, str, bool, type(None))  # the common values, returned without further checks


def plain(value):
    """An evaluated value as JSON data: unknowns become null (their status says why)."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, (Missing, Failure)) or value is OUTSIDE:  # their status or display says why
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Wide enough for any evidence number (40 digits, exponent within ±100), so showing one never fails.
_DISPLAY = Context(prec=250, rounding=ROUND_HALF_UP)
_FOUR_PLACES = Decimal("0.0001")


def display_number(value: Decimal) -> str:
    """Exact where short, rounded half-up to 4 decimals for reading; never in exponent notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
        if "." in text and len(text) - text.index(".") > 5:   # more than 4 decimals: round for reading
            text = format(value.quantize(_FOUR_PLACES, context=_DISPLAY), "f").rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# Points, maxima, bounds and parameters come back in every result: their displays are cached. Equal Decimals
# show alike (1.50 and 1.5 both as 1.5), so the cache may key on the value; `typed` keeps other numbers apart.
# An application's own numbers are shown once per result (the writer's memo) and displayed uncached: hashing a
# new Decimal costs about as much as showing it.
format_number = functools.lru_cache(maxsize=4096, typed=True)(display_number)


# How a `let … when COND` outside its condition is displayed in the result (reports use the catalogue's words).
OUTSIDE_DISPLAY = "not applicable (outside the boundary)"


def format_value(value, type_: Type | None) -> str:
    if isinstance(value, Decimal):  # the common case first
        if value is OUTSIDE:
            return OUTSIDE_DISPLAY
        return format_number(value) + display_suffix(type_)
    if isinstance(value, Missing):
        return "missing (" + ", ".join(value.pointers) + ")"
    if isinstance(value, Failure):
        return f"error ({value.message})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # What json.dumps(value, ensure_ascii=False) writes, without making an encoder for each text.
    return _json_text(value) if isinstance(value, str) else str(value)


def dumps(data) -> str:
    """Deterministic JSON with Decimals written exactly as numbers: two-space indents, keys in their order.

    orjson writes it (a result is written for every application, and a writer in Python took longer than
    the evaluation); each Decimal goes in as a fragment of JSON text, so no float ever stands in for it.
    """
    return orjson.dumps(data, default=exact, option=OPTIONS).decode()


OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
OPTIONS_AT_ZERO = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


# orjson asks for every Decimal it meets outside the items (the gap's, the parameters', the score): each is
# written as it comes. A cache would hash each, and hashing a Decimal new to it costs more than writing it.
def exact(value) -> orjson.Fragment:
    if type(value) is Decimal or isinstance(value, Decimal):  # decimal_json(value), without a call
        text = str(value)
        if text.isdigit():  # a whole number: written as it is (about half of them)
            return _fragment(text)
        if "E" in text or "n" in text or "N" in text:
            text = _without_exponent(value)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return _fragment("0" if text in ("-0", "") else text)
    raise TypeError(f"cannot serialise {type(value).__name__} in a result")


_fragment = orjson.Fragment


def number_texts(value: Decimal) -> tuple[str, str]:
    """(`decimal_json(value)`, `display_number(value)`) from one conversion to text: the two differ only for
    a number of more than four decimals."""
    text = str(value)
    if text.isdigit():  # the common case: a whole number, written and shown as it is
        return text, text
    return _texts_of(value, text)


def _texts_of(value: Decimal, text: str) -> tuple[str, str]:
    """`number_texts(value)` of a number that is not whole or is negative, given its str()."""
    if "E" in text or "n" in text or "N" in text:  # an exponent, NaN or Infinity
        text = _without_exponent(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
        if "." in text and len(text) - text.index(".") > 5:
            return text, display_number(value)
    text = "0" if text in ("-0", "") else text
    return text, text


def number_bytes(value: Decimal) -> tuple[bytes, bytes]:
    """`number_texts(value)` in UTF-8: a number's JSON text and its display (as a JSON string holds it)."""
    text = str(value)
    if text.isdigit():  # a whole number, as in number_texts: converted to text once
        text = text.encode()
        return text, text
    written, display = _texts_of(value, text)
    text = written.encode()
    return text, text if display is written else display.encode()


# A truth value's or a text's JSON text and display (as a JSON string holds it), in UTF-8.
TRUTH_BYTES = {True: (b"true", b"true"), False: (b"false", b"false")}
_TEXTS: dict = {}  # by the text: evidence texts are mostly words from a short list


def text_bytes(value: str) -> tuple[bytes, bytes]:
    found = _TEXTS.get(value)
    if found is None:
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        found = _TEXTS[value] = (json_text(value), json_text(_json_text(value))[1:-1])
    return found


def decimal_json(value: Decimal) -> str:
    text = str(value)  # the digits as they are, unless an exponent is needed to say so
    if text.isdigit():
        return text
    if "E" in text or "n" in text or "N" in text:
        text = _without_exponent(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _without_exponent(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("a result never holds NaN or infinity")
    return format(value, "f")


# JSON text as orjson writes it where it sits in a result: two-space indents, INDENT[depth] at each depth.
INDENT = [b"  " * depth for depth in range(8)]
json_text = orjson.dumps  # a str as JSON text: escaped as json.dumps(ensure_ascii=False) does, in UTF-8


def key_text(key: str, value, depth: int) -> bytes:
    """`,` and one key of an object whose keys are at `depth`, with its value, as orjson writes them (the first
    key of an object without the comma)."""
    return b",\n" + INDENT[depth] + json_text(key) + b": " + json_at(value, depth)


def json_at(value, depth: int) -> bytes:
    """The JSON text of a value written at `depth`: scalars directly, anything else by orjson."""
    if value is None:
        return b"null"
    kind = type(value)
    if kind is str:
        return json_text(value)
    if kind is bool:
        return b"true" if value else b"false"
    if kind is Decimal:
        return number_texts(value)[0].encode()
    return orjson.dumps(value, default=exact, option=OPTIONS_AT_ZERO).replace(b"\n", b"\n" + INDENT[depth])


def display_suffix(type_: Type | None) -> str:
    """What follows a number of this type in its display: `%`, ` tCO2e`, or nothing."""
    symbol = unit_symbol(type_)
    return "" if not symbol else "%" if symbol == "%" else " " + symbol


def display_value(value, type_: Type | None, suffix: str) -> str:
    """A value as shown (`62.5%`); `suffix` is what follows a number of `type_` (see display_suffix)."""
    if type(value) is Decimal:  # mostly this application's own numbers, so not looked up in a cache
        return display_number(value) + suffix
    return format_value(value, type_)


@functools.lru_cache(maxsize=1024)  # one split per let and set of names shown, made once
def formula_parts(formula: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The formula split at each name it reads: texts at even places, names at odd ones."""
    return tuple(_names_pattern(names).split(formula))


@functools.lru_cache(maxsize=1024)  # one pattern per let, built once instead of per application
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                      + r")(?![\w.])")


def picker(order: list[int]):
    """A list → the tuple of its items at `order` (operator.itemgetter, which gives a single item bare)."""
    if len(order) > 1:
        return itemgetter(*order)
    if order:
        at = order[0]
        return lambda texts: (texts[at],)
    return lambda texts: ()
