"""Evaluation semantics that a YAML case cannot state: exact JSON numbers from the file to the result,
the whole three-valued truth table, determinism across processes, and the Python API's guards.

Most semantics are cases in tests/language/*.cases.yaml (run as ruleset cases, by the pytest plugin).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path

import pytest

from checker import load_ruleset, parse_evidence
from conftest import load_rules, value_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "zero-carbon-factory").glob("*.json"))


# ------------------------------------------------------------------ exact numbers, end to end

def test_json_numbers_are_exact_decimals_through_evaluation():
    ruleset = load_rules("let total = evidence.a + evidence.b\nlet exact = total == 0.3",
                         {"properties": {"a": {"type": "number"}, "b": {"type": "number"}}})
    evidence = parse_evidence(b'{"a": 0.1, "b": 0.2}')
    assert evidence == {"a": Decimal("0.1"), "b": Decimal("0.2")}
    result = ruleset.evaluate(evidence)
    assert value_of(result, "total") == Decimal("0.3")
    assert value_of(result, "exact") is True
    assert '"value": 0.3,' in result.to_json()


def _floats(node, path="") -> list[str]:
    if isinstance(node, float):
        return [path]
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _floats(value, f"{path}/{key}")]
    if isinstance(node, list):
        return [p for i, value in enumerate(node) for p in _floats(value, f"{path}/{i}")]
    return []


def test_evidence_with_floats_is_refused_through_the_api():
    evidence = json.loads((ROOT / "examples" / "zero-carbon-factory" / "four-stars.json").read_text("utf-8"))
    with pytest.raises(TypeError, match="evidence numbers must be Decimals, never floats"):
        load_ruleset("zero-carbon-factory").evaluate(evidence, date="2026-01-01")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_float_anywhere_in_a_result(example):
    ruleset = load_ruleset("zero-carbon-factory")
    data = parse_evidence(example.read_bytes())
    result = ruleset.evaluate(data, date="2026-01-01").to_dict()
    assert result["score"] is None or isinstance(result["score"], Decimal)
    assert _floats(result) == []


# ------------------------------------------------------------------ the truth table of docs/language.md

# T true, F false, M missing, E error (a division by zero). An error outranks a missing value.
TRUTH_TABLE = """
    a b   and or
    T T   T   T
    T F   F   T
    T M   M   T
    T E   E   T
    F T   F   T
    F F   F   F
    F M   F   M
    F E   F   E
    M T   M   T
    M F   F   M
    M M   M   M
    M E   E   E
    E T   E   T
    E F   F   E
    E M   E   E
    E E   E   E
"""
NOT = {"T": "F", "F": "T", "M": "M", "E": "E"}
ROWS = [line.split() for line in TRUTH_TABLE.strip().splitlines()[1:]]

# A truth value from the evidence: `v == 1 / d` is true for v=1, d=1; false for v=2; missing without v;
# an error for d=0.
LOGIC_RULES = """
let a = evidence.a == 1 / evidence.da
let b = evidence.b == 1 / evidence.db
let a_and_b = a and b
let a_or_b = a or b
let not_a = not a
let any_of_items = any(i.v == 1 / i.d for i in evidence.items)
let all_of_items = all(i.v == 1 / i.d for i in evidence.items)
"""
LOGIC_SCHEMA = {"properties": {
    **{name: {"type": "number"} for name in ("a", "da", "b", "db")},
    "items": {"type": "array", "items": {"properties": {"v": {"type": "number"}, "d": {"type": "number"}}}},
}}
EVIDENCE_FOR = {"T": {"v": 1, "d": 1}, "F": {"v": 2, "d": 1}, "M": {"d": 1}, "E": {"v": 1, "d": 0}}


@pytest.fixture(scope="module")
def logic():
    return load_rules(LOGIC_RULES, LOGIC_SCHEMA)


def _evidence(a: str, b: str) -> dict:
    items = [{k: Decimal(v) for k, v in EVIDENCE_FOR[x].items()} for x in (a, b)]
    evidence = {"items": items}
    for name, item in zip("ab", items):
        evidence.update({name if key == "v" else f"d{name}": value for key, value in item.items()})
    return evidence


def _truth(value) -> str:
    if value is True or value is False:
        return "T" if value else "F"
    return "M" if "missing" in value else "E"


@pytest.mark.parametrize("a, b, wanted_and, wanted_or", ROWS, ids=["".join(r[:2]) for r in ROWS])
def test_truth_table(logic, a, b, wanted_and, wanted_or):
    result = logic.evaluate(_evidence(a, b))
    truth = {name: _truth(value_of(result, name))
             for name in ("a", "b", "a_and_b", "a_or_b", "not_a", "any_of_items", "all_of_items")}
    assert (truth["a"], truth["b"]) == (a, b)  # the evidence gives the row it claims
    assert truth["a_and_b"] == wanted_and and truth["all_of_items"] == wanted_and
    assert truth["a_or_b"] == wanted_or and truth["any_of_items"] == wanted_or
    assert truth["not_a"] == NOT[a]


def test_unknown_logic_keeps_what_it_lacks(logic):
    result = logic.evaluate(_evidence("M", "M"))
    assert value_of(result, "a_and_b") == {"missing": ["/a", "/b"]}
    assert value_of(result, "any_of_items") == {"missing": ["/items/0/v", "/items/1/v"]}
    failed = logic.evaluate(_evidence("M", "E"))
    assert value_of(failed, "a_or_b") == {"error": "division by zero in `1 / evidence.db`"}
    assert value_of(failed, "any_of_items") == {"error": "division by zero in `1 / i.d`"}


# ------------------------------------------------------------------ determinism

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_same_input_gives_byte_identical_json(example):
    raw = example.read_bytes()
    first = load_ruleset("zero-carbon-factory").evaluate(parse_evidence(raw), date="2026-01-01",
                                                         evidence_bytes=raw).to_json()
    second = load_ruleset("zero-carbon-factory").evaluate(parse_evidence(raw), date="2026-01-01",
                                                          evidence_bytes=raw).to_json()
    assert first == second
    assert json.loads(first)["evidence"]["sha256"]


def test_json_is_byte_identical_across_processes_and_hash_seeds():
    """Sets and dicts must not leak their hash order: two processes with different seeds agree."""
    example = ROOT / "examples" / "zero-carbon-factory" / "incomplete.json"
    outputs = []
    for seed in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "-m", "checker.interfaces.cli", "check", str(example), "--format", "json", "--date", "2026-01-01"],
            capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120)
        assert run.returncode == 1, run.stderr.decode()  # incomplete
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["outcome"] == "incomplete"


# ------------------------------------------------------------------ the Python API

@pytest.fixture(scope="module")
def with_param():
    return load_rules('param limit "限值" en "Limit" in tCO2e\nlet over = evidence.e > limit',
                      {"properties": {"e": {"type": "number", "x-unit": "tCO2e"}}})


@pytest.mark.parametrize("given, message", [
    (0.5, "parameter 'limit' must be given exactly (text or Decimal), not a float"),
    ("lots", "parameter 'limit' must be a number, got 'lots'"),
    ("NaN", "parameter 'limit' must be a number, got 'NaN'"),
    ("-Infinity", "parameter 'limit' must be a number, got '-Infinity'"),
    ("1e999999", "parameter 'limit' must be a finite number within 1e±100, got 1E+999999"),
])
def test_a_parameter_must_be_an_exact_finite_number(with_param, given, message):
    with pytest.raises(ValueError) as raised:
        with_param.evaluate({"e": Decimal(1)}, params={"limit": given})
    assert str(raised.value) == message


def test_an_unknown_parameter_is_named_with_a_suggestion(with_param):
    with pytest.raises(ValueError) as raised:
        with_param.evaluate({}, params={"limt": "1"})
    assert str(raised.value) == "ruleset conformance has no parameter 'limt' (did you mean 'limit'?)"


def test_a_bare_number_in_text_for_a_parameter_with_a_unit_is_an_error_with_a_hint(with_param):
    with pytest.raises(ValueError) as raised:
        with_param.evaluate({}, params={"limit": "2"})
    assert str(raised.value) == "parameter 'limit' is in tCO2e: write the unit, e.g. 2 tCO2e"


@pytest.mark.parametrize("given, over", [("2 tCO2e", True), ("2000 kgCO2e", True), (Decimal("3"), False), (3, False)])
def test_a_parameter_given_as_text_decimal_or_int(with_param, given, over):
    assert value_of(with_param.evaluate({"e": Decimal("2.5")}, params={"limit": given}), "over") is over


def test_evidence_may_be_any_mapping(with_param):
    evidence = OrderedDict(e=Decimal("2.5"))
    assert value_of(with_param.evaluate(evidence, params={"limit": "2 tCO2e"}), "over") is True


# Missingness follows evaluation: a let whose lacking evidence nothing decided needed is not_applicable.
CBAM = Path(__file__).resolve().parent.parent / "examples" / "cbam"


def cbam_values(example: str, **params) -> tuple[dict, list]:
    rules = load_ruleset("cbam")
    evidence = parse_evidence((CBAM / example).read_bytes())
    result = rules.evaluate(evidence, params={k: Decimal(v) for k, v in params.items()})
    return {v.id: v.status for v in result.values}, result.missing


def test_a_value_only_an_untaken_branch_needs_is_not_applicable_and_not_asked_for():
    statuses, missing = cbam_values("transitional-cement.json")  # 2025: no certificates, so no prices needed
    assert statuses["free_allocation_adjustment"] == statuses["origin_deduction"] == "not_applicable"
    assert statuses["certificates"] == statuses["embedded"] == "ok"
    assert missing == []


def test_the_same_value_is_missing_where_a_decision_needs_it():
    statuses, missing = cbam_values("certificates-due-steel.json", ets_price="80")  # 2026: the factor is needed
    assert statuses["free_allocation_adjustment"] == "missing"
    assert {m["pointer"] for m in missing} == {"param:free_allocation_benchmark", "param:free_allocation_factor"}
