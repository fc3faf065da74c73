"""The JSON result is written two ways that must agree byte for byte: `to_json()` from pieces each ruleset item
keeps (fast, for every application of a batch), and `dumps(to_dict())` from the data reports read."""
from __future__ import annotations

from decimal import Decimal

import pytest

from checker import load_evidence, load_ruleset
from checker.evaluation.result import _decimal_json, _format_number, _number_texts, dumps
from checker.interfaces.cli.common import params_file
from checker.resources import resource_dir
from conftest import leaves, replaced

EXAMPLES = sorted(resource_dir("examples").glob("*/*.json"))
# Texts JSON must escape, or that are not ASCII: each replaces a text of the evidence in turn.
AWKWARD = ['say "no" \\ twice', "two\nlines\tand\r\x00\x1f\x7f", "零碳工厂 \u2028\u2029 ☃ 🏭", ""]


def _agree(result) -> None:
    written = result.to_json_bytes()
    assert written == dumps(result.to_dict()).encode("utf-8")
    assert result.to_json() == written.decode("utf-8")


def _variants(evidence: dict):
    """The evidence with one leaf changed: a number halved and negated, a truth value flipped, a text made
    awkward, each removed."""
    for at, (path, value) in enumerate(leaves(evidence)):
        if isinstance(value, bool):
            changes = [not value]
        elif isinstance(value, Decimal):
            changes = [value / 3, -value]
        else:
            changes = [AWKWARD[at % len(AWKWARD)]]
        for change in changes + [KeyError]:
            yield replaced(evidence, path, change)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_json_result_is_the_dumped_data(example):
    """On every shipped example with its gap, and on each variant with one leaf changed (missing values,
    errors, numbers of many digits, texts to escape), whatever the variant breaks."""
    evidence, raw = load_evidence(example)
    ruleset = load_ruleset(evidence["ruleset"])
    params_path = example.parent / "params.yaml"
    params = ruleset.parameters(params_file(params_path)[0]) if params_path.exists() else {}
    _agree(ruleset.evaluate(evidence, params=params, evidence_bytes=raw, date="2026-11-25", gap=True))
    compared = 0
    for variant in _variants(evidence):
        _agree(ruleset.evaluate(variant, params=params, date="2026-11-25", validated=True))
        compared += 1
    assert compared > 10


NUMBERS = ["0", "-0", "0.000", "-0.00", "1", "1.0", "1.50", "100", "1E+2", "1.5E+3", "-2.50E-3", "1E-7", "0.00001",
           "0.0001", "0.00005", "-0.00004", "12.34565", "12.34555", "-12.34565", "0.999995", "99999.99999",
           "123456789012345678901234567890.123456789", "1E+40", "-1E-40", "3.14159265358979323846"]


@pytest.mark.parametrize("text", NUMBERS)
def test_a_number_is_written_and_shown_from_one_conversion(text):
    value = Decimal(text)
    assert _number_texts(value) == (_decimal_json(value), _format_number(value))


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity"])
def test_a_result_never_writes_nan_or_infinity(text):
    with pytest.raises(ValueError):
        _number_texts(Decimal(text))
