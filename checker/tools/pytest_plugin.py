"""A pytest plugin: every `*.cases.yaml` pytest collects runs as tests, one per case.

Installed with carbon-check (the `pytest11` entry point), so a standards writer's own repository of
rulesets and cases (`docs/testing-rulesets.md`) runs with plain `pytest`, beside any Python tests. A case
that fails says why in the line `carbon-check test` prints for it; a cases file or ruleset that cannot be
run fails one test, `(cases file)`, with every problem and its line.
"""
from __future__ import annotations

import pytest

from ..language.diagnostics import RulesetError
from .cases import CASES_SUFFIX, CasesError, Suite, load_cases

FILE = "(cases file)"
_RULESETS = pytest.StashKey[dict]()  # each ruleset loaded once per session, however many files use it


def pytest_collect_file(parent, file_path):
    if file_path.name.endswith(CASES_SUFFIX):
        return CasesFile.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    """A case that did not come out as expected, or could not run: the message is the whole report."""


class CasesFile(pytest.File):
    def collect(self):
        try:
            cases = load_cases(self.path).cases
        except CasesError as error:
            yield CaseItem.from_parent(self, name=FILE, problem=str(error))
            return
        for case in cases:
            yield CaseItem.from_parent(self, name=case.name)

    def suite(self) -> Suite:
        """The cases file with its ruleset, loaded on first use; a failure to load fails each case alike."""
        if not hasattr(self, "_suite"):
            loaded = self.config.stash.setdefault(_RULESETS, {})
            try:
                self._suite = Suite(self.path, loaded)
            except (CasesError, RulesetError) as error:
                self._suite = CaseFailed(error.render() if isinstance(error, RulesetError) else str(error))
        if isinstance(self._suite, CaseFailed):
            raise self._suite
        return self._suite


class CaseItem(pytest.Item):
    def __init__(self, *, problem: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        if self.problem is not None:
            self.parent.suite()  # says every problem, those the ruleset finds in the file included
            raise CaseFailed(self.problem)
        suite = self.parent.suite()
        outcome = suite.run(suite.case(self.name))
        if not outcome.passed:
            raise CaseFailed(outcome.line)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"
