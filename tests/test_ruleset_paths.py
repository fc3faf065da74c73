"""Evidence paths are checked against the schema when a ruleset loads: golden load errors.

Each `tests/data/paths/NAME.rules` reads `plant.schema.json` wrongly in one way;
`NAME.expected` holds the exact text `carbon-check lint` prints for it, with
file:line:column and the caret.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import RulesetError, load_ruleset
from checker.interfaces.cli import main

DATA = Path(__file__).parent / "data" / "paths"
CASES = sorted(p.stem for p in DATA.glob("*.expected"))


def test_every_kind_of_path_error_has_a_golden_case():
    assert {"unknown-path", "unknown-nested", "type-mismatch", "unit-mismatch", "unit-comparison",
            "unknown-unit", "field-of-list"} <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_load_error_text(name, monkeypatch):
    monkeypatch.chdir(DATA)   # file names in diagnostics are relative to the working folder
    result = CliRunner().invoke(main, ["lint", f"{name}.rules"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (DATA / f"{name}.expected").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_load_error_from_the_api(name, monkeypatch):
    monkeypatch.chdir(DATA)
    with pytest.raises(RulesetError) as info:
        load_ruleset(f"{name}.rules")
    assert info.value.render() + "\n" == (DATA / f"{name}.expected").read_text(encoding="utf-8")
    assert all(d.span is not None and d.span.file == f"{name}.rules" for d in info.value.diagnostics)


def test_only_the_root_cause_is_reported():
    # A path the schema lacks makes its let untyped; that must not be reported again as a type error.
    with pytest.raises(RulesetError) as info:
        load_ruleset(DATA / "unknown-path.rules")
    assert [d.code for d in info.value.diagnostics] == ["unknown-evidence"]


def test_paths_the_schema_has_load_and_take_its_units():
    rules = load_ruleset(DATA / "valid.rules")
    assert rules.warnings == []
    evidence = {"name": "Plant", "certified": True,
                "electricity": {"consumption": Decimal("400"), "green": Decimal("100")},
                "sources": [{"co2e": Decimal("1.5")}, {"co2e": Decimal("2")}]}
    values = {v["id"]: v for v in rules.evaluate(evidence, date="2026-01-01").to_dict()["values"]}
    assert (values["share"]["display"], values["emissions"]["display"]) == ("25%", "3.5 tCO2e")
