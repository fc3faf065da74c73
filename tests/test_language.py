"""The language's conformance suite: every case of every `tests/language/*.yaml` file, one test each.

A file gives an evidence schema and a ruleset (a fragment of declarations, wrapped in a minimal header,
or a whole ruleset starting with `ruleset`), then cases:

    given:
      schema: {properties: {a: {type: number, x-unit: MWh}}}   # the evidence schema (JSON Schema)
      rules: |
        let total in kWh = evidence.a + 500 kWh
    cases:
      - name: converts to the declared unit
        evidence: {a: 1.5}                      # numbers are exact Decimals
        params: {name: value}                   # optional, as `evaluate(params=…)`
        expect:
          value_of: {total: 2000}               # a let's value; {missing: [pointers]} or {error: reason}
          display_of: {total: 2000 kWh}         # a let's value as shown
          outcome: graded                       # and grade, provisional_grade, score
          statuses: {R1: pass, C1: met}         # requirements, criteria and grades by id
          points: {C1: 2.5}
          missing: {/a: [total, R1]}            # every missing pointer and what needs it
          errors: [{item: C1, message: …}]
          explanation: {C1: …}                  # the one-line explanation of an item or a let
      - name: a case may bring its own rules, e.g. to expect load errors
        rules: |
          let x = evidence.a + 1 tCO2e
        expect:
          error: ["error[unit]: cannot add MWh with tCO2e"]   # every diagnostic, in order, without place

Every key under `expect` is checked; a case must expect something.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from checker.evaluation.result import dumps
from checker.language.diagnostics import RulesetError
from conftest import HEADER, LANGUAGE, load_errors, load_rules, read_yaml, value_of

EXPECTATIONS = {"value_of", "display_of", "outcome", "grade", "provisional_grade", "score", "statuses", "points",
                "missing", "errors", "explanation", "error"}


# ------------------------------------------------------------------ the suite

def _cases():
    for path in sorted(LANGUAGE.glob("*.yaml")):
        suite = read_yaml(path)
        for case in suite["cases"]:
            yield pytest.param(suite["given"], case, id=f"{path.stem}:{case['name']}")


_loaded: dict[tuple[str, str], object] = {}


def _ruleset(rules: str, schema: dict):
    key = (rules, dumps(schema))
    if key not in _loaded:
        _loaded[key] = load_rules(rules, schema)
    return _loaded[key]


@pytest.mark.parametrize("given, case", list(_cases()))
def test_language(given, case):
    expect = case["expect"]
    assert expect and set(expect) <= EXPECTATIONS, f"unknown or no expectations: {sorted(expect)}"
    rules, schema = case.get("rules", given.get("rules")), given.get("schema", {})
    if "error" in expect:
        wanted = expect["error"]
        assert load_errors(rules, schema) == (wanted if isinstance(wanted, list) else [wanted])
        return
    result = _ruleset(rules, schema).evaluate(case.get("evidence", {}), params=case.get("params"),
                                                validated=True)   # the engine on evidence as given, null and all
    check(result, expect)


def check(result, expect: dict) -> None:
    data = result.to_dict()
    items = {i["id"]: i for i in data["requirements"] + data["grades"]}
    items.update({c["id"]: c for s in data["sections"] for c in s["criteria"]})
    values = {v["id"]: v for v in data["values"]}
    for name, wanted in expect.get("value_of", {}).items():
        found = value_of(result, name)
        assert found == wanted and type(found) is type(wanted), f"{name} = {found!r}, expected {wanted!r}"
    for name, wanted in expect.get("display_of", {}).items():
        assert values[name]["display"] == str(wanted), name
    for key in ("outcome", "score"):
        if key in expect:
            assert data[key] == expect[key], key
    for key in ("grade", "provisional_grade"):
        if key in expect:
            assert (data[key] or {}).get("id") == expect[key], key
    for item, status in expect.get("statuses", {}).items():
        assert items[item]["status"] == status, item
    for item, points in expect.get("points", {}).items():
        assert items[item]["points"] == points, item
    if "missing" in expect:
        assert {m["pointer"]: m["needed_by"] for m in data["missing"]} == expect["missing"]
    if "errors" in expect:
        assert data["errors"] == expect["errors"]
    for item, text in expect.get("explanation", {}).items():
        assert (items.get(item) or values[item])["explanation"] == text, item


def test_the_suite_is_found():
    assert len(list(_cases())) > 100


def test_numbers_in_the_suite_are_exact():
    assert read_yaml(LANGUAGE / "numbers.yaml")["cases"][0]["evidence"]["a"] == Decimal("0.1")


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
