"""schemas/result.schema.json describes exactly what `carbon-check check --format json` writes.

Every example under examples/ is run (new rulesets' examples are picked up as they are added), and
a fixture ruleset drives every status, method and outcome the schema allows, so the schema can
neither lag behind the result nor allow a value the result never takes.
"""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from checker.interfaces.cli import main
from checker.evaluation.result import RESULT_SCHEMA, RESULT_VERSION, dumps

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))
FIXTURES = Path(__file__).parent / "data" / "result"


def check_json(evidence: Path, *options: str) -> tuple[str, int]:
    result = CliRunner().invoke(main, ["check", str(evidence), "--format", "json", "--date", "2026-01-01", *options])
    assert result.exit_code in (0, 1), result.output
    return result.stdout, result.exit_code


def problems(data: dict) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def parsed(text: str) -> dict:
    return json.loads(text, parse_float=Decimal)   # exact, as a consumer of the result should read it


def test_result_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)


def test_the_result_names_its_schema():
    assert SCHEMA["$id"] == RESULT_SCHEMA == SCHEMA["properties"]["$schema"]["const"]
    assert SCHEMA["properties"]["result_version"]["const"] == RESULT_VERSION


def test_there_are_examples():
    assert len({p.parent.name for p in EXAMPLES}) >= 1


@pytest.mark.parametrize("path", EXAMPLES, ids=[f"{p.parent.name}/{p.name}" for p in EXAMPLES])
def test_example_result_validates(path):
    text, code = check_json(path)
    data = parsed(text)
    assert problems(data) == []
    assert data["$schema"] == RESULT_SCHEMA
    assert code == (0 if data["outcome"] in ("graded", "classified", "passed") else 1)
    assert check_json(path)[0] == text   # same input, byte-identical output


# ------------------------------------------------ every status the schema allows is produced

def case(name, evidence, *params, ruleset="statuses.rules"):
    return pytest.param(evidence, ruleset, params, id=name)


NAMED = {"name": "Plant", "flag": True, "start": "2024-01-01"}
CASES = [
    case("graded", {**NAMED, "kind": "A", "energy": 120, "offsets": 80, "base": 100, "count": 12,
                    "assessments": {"C3": 10}}, "factor=0.5 tCO2e/MWh"),
    case("not-graded", {**NAMED, "kind": "A", "energy": 60, "offsets": 0, "base": 100, "count": 0,
                        "assessments": {"C3": 0}}, "factor=0.5 tCO2e/MWh"),
    case("ineligible", {"kind": "A", "flag": False, "energy": 10, "offsets": 1, "base": 100, "count": 1,
                        "assessments": {"C3": 1}}, "factor=0.5 tCO2e/MWh"),
    case("incomplete-grade", {**NAMED, "kind": "A", "energy": 120, "offsets": 100, "base": 100, "count": 10,
                              "assessments": {"C3": 10}}),
    case("incomplete-waived", {"name": "Plant", "kind": "B", "offsets": 60, "base": 100,
                               "waivers": {"R3": "flag audited next year"}}, "factor=0.5 tCO2e/MWh"),
    case("error", {**NAMED, "kind": "A", "energy": 120, "offsets": 1, "base": 0, "count": 10,
                   "assessments": {"C3": 10}}, "factor=0.5 tCO2e/MWh"),
    case("assessed-out-of-range", {**NAMED, "kind": "A", "energy": 120, "offsets": 1, "base": 2, "count": 10,
                                   "assessments": {"C3": 11}}, "factor=0.5 tCO2e/MWh"),
    case("passed", {"name": "Plant"}, ruleset="passfail.rules"),
    case("pass-fail-ineligible", {}, ruleset="passfail.rules"),
    case("classified", {"energy": 120}, ruleset="classes.rules"),
]


@pytest.fixture(scope="module")
def fixture_results(tmp_path_factory):
    results = []
    for param in CASES:
        evidence, ruleset, params = param.values
        path = tmp_path_factory.mktemp("evidence") / f"{param.id}.json"
        path.write_text(dumps(evidence), encoding="utf-8")
        options = ["--ruleset", str(FIXTURES / ruleset)] + [o for p in params for o in ("--param", p)]
        results.append((param.id, parsed(check_json(path, *options)[0])))
    return results


def test_fixture_results_validate(fixture_results):
    assert {name: problems(data) for name, data in fixture_results} == {name: [] for name, _ in fixture_results}


def enum(*path: str) -> set:
    node = SCHEMA
    for key in path:
        node = node[key]
    return set(node["enum"])


def test_every_value_the_schema_allows_is_produced(fixture_results):
    seen: dict[str, set] = {key: set() for key in ("outcome", "requirement", "criterion", "method", "grade",
                                                   "grade_condition", "value")}
    for _, data in fixture_results:
        seen["outcome"].add(data["outcome"])
        seen["requirement"] |= {r["status"] for r in data["requirements"]}
        criteria = [c for s in data["sections"] for c in s["criteria"]]
        seen["criterion"] |= {c["status"] for c in criteria}
        seen["method"] |= {c["method"] for c in criteria}
        seen["grade"] |= {g["status"] for g in data["grades"]}
        seen["grade_condition"] |= {c["status"] for g in data["grades"] for c in g["conditions"]}
        seen["value"] |= {v["status"] for v in data["values"]}
    defs = ("$defs",)
    assert seen == {
        "outcome": enum("properties", "outcome"),
        "requirement": enum(*defs, "requirement", "properties", "status"),
        "criterion": enum(*defs, "criterion", "properties", "status"),
        "method": enum(*defs, "criterion", "properties", "method"),
        "grade": enum(*defs, "grade", "properties", "status"),
        "grade_condition": enum(*defs, "grade_condition", "properties", "status"),
        "value": enum(*defs, "value", "properties", "status"),
    }


def test_every_optional_item_key_is_produced(fixture_results):
    keys = set()
    for _, data in fixture_results:
        items = data["requirements"] + [c for s in data["sections"] for c in s["criteria"]] + data["values"] + [
            c for g in data["grades"] for c in g["conditions"]]
        keys |= {k for item in items for k in item}
    assert {"waiver", "failure", "missing", "tier", "scale"} <= keys


# ------------------------------------------------ the schema rejects what the result never holds

@pytest.mark.parametrize("mutate", [
    lambda d: d.update(extra=1),
    lambda d: d.update(outcome="invalid"),
    lambda d: d.update(score="82.18"),
    lambda d: d.pop("missing"),
    lambda d: d.update(date="25/11/2026"),
    lambda d: d["ruleset"].update(sha256="ABC"),
    lambda d: d["requirements"][0].update(status="met"),
    lambda d: d["sections"][0]["criteria"][0].update(method="guess"),
    lambda d: d["sections"][0]["criteria"][0]["inputs"].append({"name": "x", "value": [1], "unit": None,
                                                                "display": "1"}),
    lambda d: d["grades"][0]["conditions"][0].update(label={"zh": "x", "en": "x"}),
], ids=["extra-key", "outcome", "score-as-text", "no-missing", "date-format", "sha256", "requirement-status",
        "method", "input-list", "condition-label"])
def test_schema_rejects_changed_results(mutate):
    data = parsed(check_json(ROOT / "examples" / "zero-carbon-factory" / "four-stars.json")[0])
    assert problems(data) == []
    changed = copy.deepcopy(data)
    mutate(changed)
    assert problems(changed) != []
