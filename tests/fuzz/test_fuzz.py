"""The fuzz and property suite, a few seconds per fuzzer in the normal run (fixed seeds, so a failure repeats);
`python -m tests.fuzz --minutes 30` runs the same fuzzers longer with fresh seeds."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from checker import load_ruleset
from checker.evaluation.ruleset import shipped_rulesets
from checker.evidence.load import parse_evidence

from . import fuzzers
from .fuzzers import Budget, check_everything, cli

CORPUS = Path(__file__).parent / "corpus"
SECONDS = 6   # per fuzzer in the normal run


def test_ruleset_mutants_end_in_a_diagnostic_or_a_result(tmp_path):
    assert fuzzers.fuzz_rulesets(random.Random(11), Budget(SECONDS, cases=60), tmp_path) > 0


def test_evidence_mutants_end_in_problems_or_a_result(tmp_path):
    assert fuzzers.fuzz_evidence_mutations(random.Random(12), Budget(SECONDS, cases=300), tmp_path) > 0


def test_json_to_xlsx_to_json_is_lossless_and_scores_the_same():
    assert fuzzers.fuzz_workbooks(random.Random(15), Budget(SECONDS, cases=100)) > 0


def test_the_engine_agrees_with_the_hand_written_baseline():
    assert fuzzers.fuzz_differential(random.Random(13), Budget(SECONDS, cases=1500)) > 0


def test_metamorphic_relations_hold():
    assert fuzzers.fuzz_metamorphic(random.Random(14), Budget(SECONDS, cases=300)) > 0


STRATEGIES = fuzzers.schema_strategies()


@pytest.mark.parametrize("rules, strategy", STRATEGIES, ids=[r.id for r, _ in STRATEGIES])
def test_evidence_drawn_from_each_schema_validates_and_evaluates(rules, strategy):
    @settings(max_examples=8, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def drawn(evidence):
        evidence = fuzzers.to_decimals(evidence)
        check_everything(rules, evidence, f"{rules.id} drawn {evidence!r}"[:2000], formats=("text", "json"))
        if not fuzzers.validate_evidence(evidence, rules.schema):
            fuzzers.workbook_round_trip(rules, evidence, f"{rules.id} drawn, as a workbook {evidence!r}"[:2000])
    drawn()


def test_every_shipped_schema_is_covered_by_a_fuzzer():
    drawn = {r.id for r, _ in STRATEGIES}
    shipped = {load_ruleset(p).id for p in shipped_rulesets()}
    assert drawn <= shipped and len(drawn) >= len(shipped) // 2   # the rest through mutation only


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_evidence_or_its_problems(data):
    try:
        parse_evidence(data)
    except fuzzers.EvidenceError as error:
        assert error.problems


# ---------------------------------------------------------------- the crash corpus: every input that crashed

@pytest.mark.parametrize("path", sorted((CORPUS / "evidence").glob("*.json")), ids=lambda p: p.name)
def test_crash_corpus_evidence(path):
    evidence = parse_evidence(path.read_bytes(), str(path))
    check_everything(load_ruleset(evidence["ruleset"]), evidence, path.name, formats=fuzzers.FORMATS)
    cli("check", path, "--format", "html")
    cli("gap", path)


@pytest.mark.parametrize("path", sorted((CORPUS / "rulesets").glob("*.rules")), ids=lambda p: p.name)
def test_crash_corpus_rulesets(path):
    cli("lint", path)
    cli("fmt", "--check", path)
    meta = json.loads((path.with_suffix(".json")).read_text()) if path.with_suffix(".json").exists() else {}
    if meta.get("example"):
        cli("check", Path(__file__).resolve().parents[2] / meta["example"], "--ruleset", path)
