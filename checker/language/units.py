"""Units of measure: parse a unit symbol, tell whether two units are compatible, convert exactly.

A unit is a scale (an exact fraction of its dimension's base unit) and a
dimension (base quantities with exponents). Emissions in CO2 equivalent,
electrical and thermal energy, coal-equivalent energy, mass, money and volume
are separate dimensions: kWh and tce only convert through a stated
coefficient, never silently.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal
from fractions import Fraction

from ..errors import CarbonCheckError
from ..records import Frozen

# symbol: (scale to the base unit, base dimension)
_BASE_SYMBOLS: dict[str, tuple[Fraction, str]] = {}


def _define(dimension: str, **symbols: str) -> None:
    for symbol, scale in symbols.items():
        _BASE_SYMBOLS[symbol] = (Fraction(scale), dimension)


_define("co2e", tCO2e="1", kgCO2e="0.001", gCO2e="0.000001", MtCO2e="1000000", ktCO2e="1000",
        tCO2="1", kgCO2="0.001", gCO2="0.000001", MtCO2="1000000", ktCO2="1000")
_define("energy", J="1", kJ="1000", MJ="1000000", GJ="1000000000", TJ="1000000000000",
        Wh="3600", kWh="3600000", MWh="3600000000", GWh="3600000000000", TWh="3600000000000000")
_define("coal", tce="1", kgce="0.001", gce="0.000001", Mtce="1000000")
_define("mass", t="1", kg="0.001", g="0.000001", Mt="1000000", kt="1000")
# Currencies have no fixed rate between them: each is a dimension of its own.
_define("money", yuan="1", CNY="1")
_define("money in EUR", EUR="1")
_define("money in USD", USD="1")
_define("volume", m3="1", L="0.001")
_define("area", m2="1", km2="1000000")
_define("power", kW="1", MW="1000", GW="1000000")
_define("time", h="1", year="8760", a="8760")
_define("count", unit="1", piece="1", pcs="1")

# Chinese magnitude prefixes as written in the standards: 万tce, 亿kWh, 万元.
MAGNITUDES = {"万": 10_000, "亿": 100_000_000}
_PREFIXES = {prefix: Fraction(factor) for prefix, factor in MAGNITUDES.items()}
_SPECIAL = {"元": (Fraction(1), "money"), "万元": (Fraction(10000), "money"), "亿元": (Fraction(100000000), "money")}


class UnitError(CarbonCheckError, ValueError):
    def __init__(self, message: str, part: str | None = None):
        super().__init__(message)
        self.part = part  # the unknown symbol, inside a compound unit too, for suggestions


class Unit(Frozen):
    symbol: str
    scale: Fraction
    dimension: tuple[tuple[str, int], ...]  # sorted, no zero exponents
    __match_args__ = ("symbol", "scale", "dimension")

    def __init__(self, symbol, scale, dimension):
        self.__dict__.update(symbol=symbol, scale=scale, dimension=dimension)

    @property
    def dimensionless(self) -> bool:
        return not self.dimension

    def compatible(self, other: "Unit") -> bool:
        return self.dimension == other.dimension

    def factor_to(self, other: "Unit") -> Fraction:
        """The number a value in this unit is multiplied by to express it in `other`."""
        if not self.compatible(other):
            raise UnitError(f"{self.symbol} cannot be converted to {other.symbol}")
        return self.scale / other.scale

    def times(self, other: "Unit") -> "Unit":
        # A plain number leaves the unit as it is: `2 * x` is in x's unit, not "·MWh".
        symbol = "·".join(s for s in (self.symbol, other.symbol) if s)
        return _combine(self, other, 1, symbol)

    def over(self, other: "Unit") -> "Unit":
        symbol = self.symbol if not other.symbol else f"{self.symbol or '1'}/{other.symbol}"
        return _combine(self, other, -1, symbol)

    def describe_dimension(self) -> str:
        if not self.dimension:
            return "a plain number"
        return "·".join(d if e == 1 else f"{d}^{e}" for d, e in self.dimension)


ONE = Unit("", Fraction(1), ())
PERCENT = Unit("%", Fraction(1, 100), ())


def _combine(a: Unit, b: Unit, sign: int, symbol: str) -> Unit:
    exponents = dict(a.dimension)
    for dim, exp in b.dimension:
        exponents[dim] = exponents.get(dim, 0) + sign * exp
    dimension = tuple(sorted((d, e) for d, e in exponents.items() if e))
    scale = a.scale * b.scale if sign == 1 else a.scale / b.scale
    if not dimension and scale == 1:
        symbol = ""
    elif len(dimension) == 1 and dimension[0][1] == 1:
        # `MWh·tCO2/MWh` is shown as tCO2e: the first symbol defined for that scale and dimension.
        symbol = next((s for s, (sc, dim) in _BASE_SYMBOLS.items() if sc == scale and dim == dimension[0][0]),
                      symbol)
    return Unit(symbol, scale, dimension)


def _atom(symbol: str) -> tuple[Fraction, str]:
    if symbol in _SPECIAL:
        return _SPECIAL[symbol]
    if symbol in _BASE_SYMBOLS:
        return _BASE_SYMBOLS[symbol]
    if symbol[:1] in _PREFIXES and symbol[1:] in _BASE_SYMBOLS:
        scale, dim = _BASE_SYMBOLS[symbol[1:]]
        return _PREFIXES[symbol[0]] * scale, dim
    raise UnitError(f"unknown unit '{symbol}'", symbol)


def known_symbols() -> list[str]:
    return sorted(_BASE_SYMBOLS) + sorted(_SPECIAL) + ["%"]


@functools.lru_cache(maxsize=512)  # units are immutable; rulesets and evaluation parse the same few
def parse_unit(symbol: str) -> Unit:
    """`tCO2/MWh`, `万tce`, `%`, `kgce/kWh` → Unit. Raises UnitError naming the unknown part."""
    if symbol == "%":
        return PERCENT
    if symbol in ("", "1"):
        return ONE
    parts = symbol.split("/")
    if any(not p for p in parts) or not re.fullmatch(r"[^\s]+", symbol):
        raise UnitError(f"malformed unit '{symbol}'")
    unit = None
    for i, part in enumerate(parts):
        scale, dim = _atom(part)
        atom = Unit(part, scale, ((dim, 1),))
        unit = atom if unit is None else (unit.over(atom) if i else unit.times(atom))
    return Unit(symbol, unit.scale, unit.dimension)


def convert(value: Decimal, factor: Fraction) -> Decimal:
    if factor == 1:
        return value
    result = value * Decimal(factor.numerator) if factor.numerator != 1 else value
    return result / Decimal(factor.denominator) if factor.denominator != 1 else result
