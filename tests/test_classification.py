"""Grades without sections classify an application (e.g. the review level of an investment project).

The first grade whose condition holds is the class, so it can be given only when every grade ranked
above it is decided: an undecided one leaves the result incomplete and says what it lacks. A
classification awards no points, so the result has no score.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from checker import load_evidence, load_ruleset

RULESET = """
ruleset review_level { title "审查层级" en "Review level" version "1" evidence "level.schema.json" }
grades "层级" en "Level" max 0 {
  grade high "高" en "High": evidence.energy >= 10000
  grade middle "中" en "Middle": evidence.energy >= 1000 or evidence.electricity >= 5000000
  grade low "低" en "Low": evidence.energy < 1000 and evidence.electricity < 5000000
}
"""
SCHEMA = {"type": "object", "properties": {"energy": {"type": "number"}, "electricity": {"type": "number"}}}


@pytest.fixture(scope="module")
def ruleset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("classification")
    (folder / "level.schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    (folder / "level.rules").write_text(RULESET, encoding="utf-8")
    return load_ruleset(folder / "level.rules")


@pytest.mark.parametrize("evidence, outcome, grade, provisional, missing", [
    ({"energy": 20000, "electricity": 0}, "graded", "high", None, []),
    ({"energy": 500, "electricity": 10}, "graded", "low", None, []),
    # Grades below the one reached need not be decided.
    ({"energy": 20000}, "graded", "high", None, []),
    # 6 million kWh reaches `middle`, but without the energy `high` cannot be ruled out.
    ({"electricity": 6000000}, "incomplete", None, "middle", [("/energy", ["high"])]),
    # Nothing reached: both undecided grades say what they lack.
    ({"energy": 500}, "incomplete", None, None, [("/electricity", ["middle", "low"])]),
], ids=["high", "low", "lower grades undecided", "higher grade undecided", "nothing decided"])
def test_a_class_is_given_only_when_every_class_above_it_is_ruled_out(ruleset, evidence, outcome, grade,
                                                                      provisional, missing):
    result = ruleset.evaluate({k: Decimal(v) for k, v in evidence.items()})
    assert result.outcome == outcome
    assert (result.grade or {}).get("id") == grade
    assert (result.provisional_grade or {}).get("id") == provisional
    assert [(m["pointer"], m["needed_by"]) for m in result.missing] == missing


def test_a_classification_has_no_score(ruleset):
    data = ruleset.evaluate({"energy": Decimal(20000), "electricity": Decimal(0)}).to_dict()
    assert (data["score"], data["max_score"]) == (None, None)


def test_a_scored_ruleset_keeps_its_score():
    rules = load_ruleset("zero-carbon-factory")
    evidence, raw = load_evidence(Path(__file__).parent.parent / "examples/zero-carbon-factory/four-stars.json")
    data = rules.evaluate(evidence, evidence_bytes=raw).to_dict()
    assert data["outcome"] == "graded" and data["max_score"] == 100 and data["score"] > 80
