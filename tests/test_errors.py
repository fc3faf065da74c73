"""One base for every error a user can cause, caught once by the CLI."""
from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

import checker
from checker.errors import CarbonCheckError, ReportError
from checker.evaluation.whatif import ChangeError
from checker.evidence.load import EvidenceError
from checker.evidence.starter import StarterError
from checker.inputs import InputError
from checker.interfaces.cli import main
from checker.language.diagnostics import RulesetError
from checker.language.format import FormatError
from checker.language.units import UnitError
from checker.outputs.files import OutputError
from checker.outputs.pdf import PdfRenderError, PdfUnavailable
from checker.pointer import PointerError
from checker.tools.batch import BatchError
from checker.tools.cases import CasesError


@pytest.mark.parametrize("error", [RulesetError, EvidenceError, CasesError, ReportError, PdfUnavailable,
                                   PdfRenderError, StarterError, BatchError, InputError, UnitError, FormatError,
                                   PointerError, ChangeError, OutputError])
def test_every_user_facing_error_derives_from_the_base(error):
    assert issubclass(error, CarbonCheckError)
    assert checker.CarbonCheckError is CarbonCheckError and "CarbonCheckError" in checker.__all__


# Exceptions that never reach a user: each is caught and turned into a message where it is raised.
INTERNAL = {"checker.tools.cases._CaseProblem", "checker.tools.pytest_plugin.CaseFailed",
            "checker.evidence.fastcheck.Unsupported", "checker.evidence.fields.FieldError",
            "checker.language.codegen.Unsupported",   # caught by the generator: the closure is used instead
            "checker.evidence.load._Refused",   # stops the quick read; never leaves load.py
            "checker.interfaces.web.server.CannotListen"}   # an OSError, told by `serve` where it is caught


def test_every_exception_the_package_defines_derives_from_the_base_or_is_internal():
    # In a process of its own: importing every module here would change what later tests import.
    script = """
import importlib, inspect, pkgutil, checker
from checker.errors import CarbonCheckError
for info in pkgutil.walk_packages(checker.__path__, "checker."):
    if not info.name.endswith("__main__"):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name
                    and not issubclass(value, CarbonCheckError)):
                print(f"{info.name}.{name}")
"""
    found = set(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
                .stdout.split())
    assert "checker.evidence.fastcheck.Unsupported" in found   # the walk sees every module
    assert found <= INTERNAL, sorted(found - INTERNAL)


def test_the_cli_reports_any_of_them_as_invalid_input_without_a_traceback(monkeypatch):
    def refuse(schema):
        raise CarbonCheckError("the reason, said plainly")
    monkeypatch.setattr("checker.interfaces.cli.scoring.starting_evidence", refuse)
    result = CliRunner().invoke(main, ["init", "zero-carbon-factory"])
    assert result.exit_code == 2, result.output
    assert "carbon-check: the reason, said plainly" in result.output and "Traceback" not in result.output
