"""Units of measure: parsing, compatibility, exact conversion factors, and the symbols results show."""
from __future__ import annotations

import re
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest

from checker.evaluation.evaluate import CONTEXT
from checker.language.units import ONE, PERCENT, UnitError, convert, known_symbols, parse_unit
from conftest import load_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "language.md"

# (from, to, exact factor: a value in `from` times the factor is the value in `to`)
FACTORS = [
    ("kWh", "MWh", Fraction(1, 1000)),
    ("MWh", "kWh", Fraction(1000)),
    ("GWh", "MWh", Fraction(1000)),
    ("亿kWh", "GWh", Fraction(100)),
    ("万kWh", "MWh", Fraction(10)),
    ("kWh", "MJ", Fraction(36, 10)),
    ("GJ", "kWh", Fraction(2500, 9)),
    ("万tce", "tce", Fraction(10000)),
    ("tce", "kgce", Fraction(1000)),
    ("Mtce", "万tce", Fraction(100)),
    ("tCO2", "tCO2e", Fraction(1)),
    ("kgCO2e", "tCO2e", Fraction(1, 1000)),
    ("万tCO2e", "ktCO2e", Fraction(10)),
    ("MtCO2e", "万tCO2", Fraction(100)),
    ("tCO2/MWh", "kgCO2/kWh", Fraction(1)),
    ("tCO2/MWh", "gCO2/kWh", Fraction(1000)),
    ("kgce/kWh", "tce/MWh", Fraction(1)),
    ("tCO2e/万元", "tCO2e/元", Fraction(1, 10000)),
    ("万元", "元", Fraction(10000)),
    ("亿元", "万元", Fraction(10000)),
    ("CNY", "yuan", Fraction(1)),
    ("%", "", Fraction(1, 100)),
    ("", "%", Fraction(100)),
    ("t", "kg", Fraction(1000)),
    ("year", "h", Fraction(8760)),
    ("km2", "m2", Fraction(1000000)),
    ("m3", "L", Fraction(1000)),
    ("MW", "kW", Fraction(1000)),
]

INCOMPATIBLE = [
    ("kWh", "tce"),        # electricity and coal equivalent convert only through a stated coefficient
    ("tCO2e", "MWh"),
    ("t", "tCO2e"),        # a mass of gas is not its CO2 equivalent
    ("EUR", "CNY"),        # currencies have no fixed rate
    ("USD", "EUR"),
    ("%", "tCO2e"),
    ("tCO2/MWh", "tCO2"),
    ("MW", "MWh"),
]


@pytest.mark.parametrize("source, target, factor", FACTORS, ids=[f"{a or '1'}->{b or '1'}" for a, b, _ in FACTORS])
def test_conversion_factors_are_exact(source, target, factor):
    assert parse_unit(source).factor_to(parse_unit(target)) == factor
    assert parse_unit(target).factor_to(parse_unit(source)) == 1 / factor


@pytest.mark.parametrize("left, right", INCOMPATIBLE, ids=[f"{a}-{b}" for a, b in INCOMPATIBLE])
def test_incompatible_units_do_not_convert(left, right):
    assert not parse_unit(left).compatible(parse_unit(right))
    with pytest.raises(UnitError) as raised:
        parse_unit(left).factor_to(parse_unit(right))
    assert str(raised.value) == f"{left} cannot be converted to {right}"


@pytest.mark.parametrize("symbol, message", [
    ("tonnes", "unknown unit 'tonnes'"),
    ("MWhs", "unknown unit 'MWhs'"),
    ("tCO2/megawatt", "unknown unit 'megawatt'"),
    ("万", "unknown unit '万'"),
    ("tCO2//MWh", "malformed unit 'tCO2//MWh'"),
    ("/MWh", "malformed unit '/MWh'"),
    ("t CO2", "malformed unit 't CO2'"),
])
def test_unknown_and_malformed_units(symbol, message):
    with pytest.raises(UnitError) as raised:
        parse_unit(symbol)
    assert str(raised.value) == message


@pytest.mark.parametrize("value, source, target, expected", [
    ("1", "kWh", "MWh", "0.001"),
    ("1234.5", "kWh", "MWh", "1.2345"),
    ("0.5366", "tCO2/MWh", "kgCO2/kWh", "0.5366"),
    ("1.2345", "万tce", "tce", "12345"),
    ("80", "%", "", "0.8"),
    ("0.125", "", "%", "12.5"),
    ("1", "GJ", "kWh", "277.7777777777777777777777777777778"),
])
def test_convert_is_exact_where_the_result_is(value, source, target, expected):
    with localcontext(CONTEXT):  # the evaluation's context: 34 significant digits
        result = convert(Decimal(value), parse_unit(source).factor_to(parse_unit(target)))
    assert result == Decimal(expected)


def test_percent_and_plain_numbers_share_a_dimension():
    assert PERCENT.compatible(ONE) and PERCENT.dimensionless
    assert PERCENT.scale == Fraction(1, 100)
    assert parse_unit("tCO2e/tCO2e").dimensionless


@pytest.mark.parametrize("left, op, right, symbol", [
    ("MWh", "times", "", "MWh"),           # 2 * x stays in x's unit
    ("", "times", "MWh", "MWh"),
    ("MWh", "over", "", "MWh"),
    ("", "over", "MWh", "1/MWh"),
    ("MWh", "over", "MWh", ""),            # units that cancel leave a plain number
    ("tCO2e", "over", "MWh", "tCO2e/MWh"),
    ("MWh", "times", "tCO2/MWh", "tCO2e"),  # a quantity times a factor shows the unit that is left
    ("kWh", "times", "tCO2/MWh", "kgCO2e"),
    ("tCO2e/万元", "times", "万元", "tCO2e"),
    ("MWh", "times", "kgce/kWh", "tce"),
    ("%", "times", "%", "%·%"),
    ("%", "times", "tCO2e", "%·tCO2e"),    # no named unit for a hundredth of a tonne: the parts stay
])
def test_symbols_of_derived_units(left, op, right, symbol):
    unit = getattr(parse_unit(left), op)(parse_unit(right))
    assert unit.symbol == symbol


def test_describe_dimension():
    assert parse_unit("kgce/kWh").describe_dimension() == "coal·energy^-1"
    assert parse_unit("%").describe_dimension() == "a plain number"
    assert parse_unit("万元").describe_dimension() == "money"


def _documented_units() -> list[str]:
    """The unit symbols docs/language.md lists, from its `- Units: …` item up to the 万/亿 prefixes."""
    text = DOCS.read_text(encoding="utf-8")
    listing = text[text.index("- Units:"):text.index("Prefix `万`")]
    return [symbol for group in re.findall(r"`([^`]+)`", listing) for symbol in group.split()]


def test_every_documented_unit_is_known():
    documented = _documented_units()
    assert len(documented) > 40
    assert set(documented) <= set(known_symbols())


@pytest.mark.parametrize("symbol", [*known_symbols(), "万tce", "亿kWh", "tCO2e/万元", "kgce/kWh", "tCO2/MWh"])
def test_every_unit_can_be_written_after_a_number(symbol):
    ruleset = load_rules(f"let quantity = 12.5 {symbol}")
    item = ruleset.evaluate({}).to_dict()["values"][0]
    assert item["value"] == Decimal("12.5")
    assert item["unit"] == symbol
    assert item["display"] == ("12.5%" if symbol == "%" else f"12.5 {symbol}")
