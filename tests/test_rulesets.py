"""Every case of every shipped ruleset's cases file, one test each: the cases `carbon-check test` runs.

A failing case fails with the line the command prints for it; a cases file or ruleset that cannot be
run fails one test named `<ruleset>::(cases file)` with the command's message.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.tools.cases import CASES_SUFFIX, CasesError, Suite, load_cases
from checker.language.diagnostics import RulesetError

RULESETS = Path(__file__).resolve().parent.parent / "rulesets"
FILE = "(cases file)"


def _collect() -> list:
    params = []
    for path in sorted(RULESETS.glob(f"*{CASES_SUFFIX}")):
        name = path.name.removesuffix(CASES_SUFFIX)
        try:
            cases = load_cases(path).cases
        except CasesError:
            params.append(pytest.param(path, FILE, id=f"{name}::{FILE}"))
            continue
        params += [pytest.param(path, case.name, id=f"{name}::{case.name}") for case in cases]
    return params


_suites: dict[Path, Suite | Exception] = {}


def _suite(path: Path) -> Suite:
    """Each cases file and its ruleset load once for all its cases; so does a failure to load."""
    if path not in _suites:
        try:
            _suites[path] = Suite(path)
        except (CasesError, RulesetError) as error:
            _suites[path] = error
    if isinstance(_suites[path], Exception):
        error = _suites[path]
        pytest.fail(error.render() if isinstance(error, RulesetError) else str(error), pytrace=False)
    return _suites[path]


@pytest.mark.parametrize("path, name", _collect())
def test_case(path, name):
    suite = _suite(path)
    outcome = suite.run(suite.case(name))
    if not outcome.passed:
        pytest.fail(outcome.line, pytrace=False)


def test_the_shipped_cases_are_found():
    assert any(p.values[1] != FILE for p in _collect() if p.values[0].name == "zero-carbon-factory.cases.yaml")
