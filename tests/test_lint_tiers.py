"""The tier lint: a criterion's tier that no values reach, with the values that show why.

Each case writes a small ruleset beside an evidence schema with bounds; only its criterion's tiers differ.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.evaluation.ruleset import shipped_rulesets
from checker.interfaces.cli import main
from checker.tools.lint import lint_tiers

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "share": {"type": "number", "x-unit": "%", "minimum": 0, "maximum": 100},
        "intensity": {"type": "number", "x-unit": "tCO2e/t", "exclusiveMinimum": 0},
        "level": {"type": "string", "enum": ["benchmark", "advanced", "basic"]},
        "scheme": {"type": "string"},
        "audited": {"type": "boolean"},
        "reduction": {"type": "number", "x-unit": "tCO2e"},
        "baseline": {"type": "number", "x-unit": "tCO2e"},
    },
}

HEADER = """\
ruleset tiers_case {
  title "测试" en "Test"
  version "1.0.0"
  evidence "evidence.schema.json"
}
param target "目标" en "Target" in % in [0%, 50%] default 20%
let ratio "减排比例" en "Reduction ratio" in % = min(evidence.reduction / evidence.baseline, 100%)
let share "占比" en "Share" in % = evidence.share
section S1 "评分" en "Score" max 10 {
  criterion C1 "评分" en "Score" max 10"""
GRADES = 'grades "等级" en "Levels" max 10 {\n  grade a "甲" en "A": score >= 5\n}\n'

CASES = {
    "tiers that each leave room are quiet": (":\n"
        "    10 if evidence.share >= 80%\n     6 if evidence.share >= 50%\n     0 otherwise", []),
    "a tier taken by the union of the tiers before it": (":\n"
        "    10 if evidence.share >= 50%\n     6 if evidence.share < 50%\n     3 if evidence.share in [20%, 80%]", [
        "criterion C1: the tier `3 if evidence.share in [20%, 80%]` is never reached: wherever its condition holds "
        "an earlier tier is taken first: at evidence.share = 20%, for example, the tier `6 if evidence.share < 50%` "
        "(line 12)"]),
    "an `otherwise` after tiers that take every value": (":\n"
        "    10 if evidence.share >= 50%\n     5 if evidence.share < 50%\n     0 otherwise", [
        "criterion C1: the tier `0 otherwise` is never reached: the tiers before it take every value"]),
    "a tier that asks more of the same values than an earlier one": (":\n"
        '    10 if evidence.share >= 50% and evidence.level == "benchmark"\n'
        '     6 if evidence.share >= 60% and evidence.level == "benchmark"\n     0 otherwise', [
        "criterion C1: the tier `6 if evidence.share >= 60% and evidence.level == \"benchmark\"` is never reached: "
        "wherever its condition holds an earlier tier is taken first: at evidence.share = 60%, "
        "evidence.level = \"benchmark\", for example, the tier "
        "`10 if evidence.share >= 50% and evidence.level == \"benchmark\"` (line 11)"]),
    "a bound beyond the schema's maximum": (":\n"
        "    10 if evidence.share > 100%\n     5 if evidence.share >= 60%\n     0 otherwise", [
        "criterion C1: the tier `10 if evidence.share > 100%` is never reached: its condition holds for no value; "
        "evidence.share is at least 0% and at most 100% (the evidence schema)"]),
    "an exclusive minimum is honoured at its boundary": (":\n"
        "    10 if evidence.intensity <= 0 tCO2e/t\n     0 otherwise", [
        "criterion C1: the tier `10 if evidence.intensity <= 0 tCO2e/t` is never reached: its condition holds "
        "for no value; evidence.intensity is more than 0 tCO2e/t (the evidence schema)"]),
    "just above an exclusive minimum is a value": (":\n"
        "    10 if evidence.intensity <= 0.1 tCO2e/t\n     0 otherwise", []),
    "a parameter's range": (":\n"
        "    10 if target > 60%\n     0 otherwise", [
        "criterion C1: the tier `10 if target > 60%` is never reached: its condition holds for no value; "
        "target is at least 0% and at most 50% (the parameter's range)"]),
    "a let capped by `min`": (":\n"
        "    10 if ratio > 100%\n     5 if ratio >= 50%\n     0 otherwise", [
        "criterion C1: the tier `10 if ratio > 100%` is never reached: its condition holds for no value; "
        "ratio is at most 100% (its formula)"]),
    "a let naming an evidence field keeps the field's bounds": (":\n"
        "    10 if share > 100%\n     0 otherwise", [
        "criterion C1: the tier `10 if share > 100%` is never reached: its condition holds for no value; "
        "share is at least 0% and at most 100% (the evidence schema, as evidence.share)"]),
    "conditions that cannot hold together": (":\n"
        "    10 if evidence.share > 50% and evidence.share < 30%\n     0 otherwise", [
        "criterion C1: the tier `10 if evidence.share > 50% and evidence.share < 30%` is never reached: its "
        "condition holds for no value; evidence.share is at least 0% and at most 100% (the evidence schema)"]),
    "a text without an enum meets every other text too": (":\n"
        '    10 if evidence.scheme == "CCER"\n     5 if evidence.scheme != "CCER"\n     0 otherwise', [
        "criterion C1: the tier `0 otherwise` is never reached: the tiers before it take every value"]),
    "true/false takes both values": (":\n"
        "    10 if evidence.audited\n     5 if not evidence.audited\n     1 if evidence.share > 10%", [
        "criterion C1: the tier `1 if evidence.share > 10%` is never reached: wherever its condition holds an "
        "earlier tier is taken first: at evidence.audited = false, evidence.share = 55%, for example, the tier "
        "`5 if not evidence.audited` (line 12)"]),
    "the criterion's `when` bounds the values too": (" when evidence.share < 40%:\n"
        "    10 if evidence.share >= 60%\n     0 otherwise", [
        "criterion C1: the tier `10 if evidence.share >= 60%` is never reached: its condition holds for no value "
        "the criterion's `when` allows; evidence.share is at least 0% and at most 100% (the evidence schema)"]),
    "an earlier tier the analysis cannot vary shadows nothing": (":\n"
        "    10 if evidence.reduction > evidence.baseline\n     5 if evidence.reduction > 0 tCO2e\n"
        "     0 otherwise", []),
    "what cannot be varied in the tier itself is taken as holding": (":\n"
        "    10 if evidence.share >= 50%\n"
        "     6 if evidence.share >= 60% and evidence.reduction > evidence.baseline\n     0 otherwise", [
        "criterion C1: the tier `6 if evidence.share >= 60% and evidence.reduction > evidence.baseline` is never "
        "reached: wherever its condition holds an earlier tier is taken first: at evidence.share = 60%, for "
        "example, the tier `10 if evidence.share >= 50%` (line 11)"]),
}


def write(folder, tiers: str):
    (folder / "evidence.schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    path = folder / "case.rules"
    path.write_text(HEADER + tiers + "\n}\n" + GRADES, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", CASES)
def test_tiers(tmp_path, name):
    tiers, expected = CASES[name]
    found = lint_tiers(load_ruleset(write(tmp_path, tiers)))
    assert [d.message for d in found] == expected
    assert {d.code for d in found} <= {"tier-never-reached"}


@pytest.mark.parametrize("path", shipped_rulesets(), ids=lambda p: p.stem)
def test_shipped_rulesets_reach_every_tier(path):
    assert lint_tiers(load_ruleset(path)) == []


def test_lint_command_shows_the_tier_with_its_line(tmp_path, monkeypatch):
    write(tmp_path, CASES["a bound beyond the schema's maximum"][0])
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "case.rules"])
    assert result.exit_code == 0
    assert "case.rules:11:5: warning[tier-never-reached]: criterion C1: the tier `10 if evidence.share > 100%`" \
        in result.stderr
    assert "hint: remove the tier, or correct its condition or the bounds it contradicts" in result.stderr
