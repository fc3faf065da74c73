"""Language behaviour a YAML case cannot state (the conformance suite itself is tests/language/*.cases.yaml,
run as ruleset cases): texts written over several lines, and where a diagnostic points."""
from __future__ import annotations

import pytest

from checker.language.diagnostics import RulesetError
from checker.tools.cases import HEADER
from conftest import load_errors, load_rules


# ------------------------------------------------------------------ texts over several lines

def test_a_text_goes_on_after_a_plus():
    rules = load_rules('require R "甲" +\n          "乙" en "One " + # why\n "two" cite "GB/T " + "1": true\n')
    item = rules.evaluate({}).to_dict()["requirements"][0]
    assert item["label"] == {"zh": "甲乙", "en": "One two"}
    assert item["cite"]["zh"] == "GB/T 1"


def test_pieces_are_unquoted_one_by_one():
    """A piece ending in an escaped backslash and one starting with n are not a newline together."""
    rules = load_rules('require R "a\\\\" + "n\\"b\\"\\nc": true\n')
    assert rules.evaluate({}).to_dict()["requirements"][0]["label"]["zh"] == 'a\\n"b"\nc'


def test_texts_side_by_side_without_a_plus_are_an_error_with_a_hint():
    with pytest.raises(RulesetError) as raised:
        load_rules('require R "甲"\n  "乙": true\n')
    diagnostic = raised.value.diagnostics[0]
    assert (diagnostic.code, diagnostic.span.line) == ("syntax", HEADER.count("\n") + 2)
    assert diagnostic.hint == 'to go on with the same text, end the piece before with +: "…" + "…"'


def test_a_plus_between_texts_in_a_formula_is_still_arithmetic():
    assert load_errors('let x = "a" + "b"\n') == ['error[type]: `+` works on numbers, `"a"` is a text']
