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
from checker.outputs.signing import SigningUnavailable
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


@pytest.mark.parametrize("lang, said", [
    ("zh", "carbon-check: PDF 输出需要 'pdf' 扩展：pip install 'carbon-check[pdf]'，以及 Debian 软件包 fonts-noto-cjk "
           "libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0（见 docs/pdf.md）。原因：No module named 'weasyprint'"),
    ("en", "carbon-check: PDF output needs the 'pdf' extra: pip install 'carbon-check[pdf]' and the Debian packages "
           "fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 (see docs/pdf.md). Cause: No module "
           "named 'weasyprint'"),
])
def test_a_missing_extra_is_said_in_the_language_asked(tmp_path, monkeypatch, lang, said):
    from checker.outputs import pdf

    def unavailable():
        raise pdf.PdfUnavailable("No module named 'weasyprint'")
    monkeypatch.setattr(pdf, "_import_weasyprint", unavailable)
    evidence = checker.resources.resource_dir("examples") / "zero-carbon-factory" / "four-stars.json"
    result = CliRunner().invoke(main, ["check", str(evidence), "--format", "pdf", "-o", str(tmp_path / "r.pdf"),
                                       "--lang", lang])
    assert result.exit_code == 2 and result.stderr.splitlines() == [said]


@pytest.mark.parametrize("error, en, zh", [
    (lambda: PdfUnavailable("cannot load library 'pango-1.0-0'"), "pip install 'carbon-check[pdf]'",
     "PDF 输出需要 'pdf' 扩展"),
    (lambda: SigningUnavailable("No module named 'pyhanko'"),
     "signing needs the 'sign' extra: pip install 'carbon-check[sign]' (No module named 'pyhanko')",
     "签名需要 'sign' 扩展：pip install 'carbon-check[sign]'（No module named 'pyhanko'）"),
    (lambda: InputError("in.json", "no such file", "没有这个文件"), "in.json: no such file", "in.json: 没有这个文件"),
    (lambda: BatchError("cannot_read", path="a.jsonl", reason={"zh": "没有这个文件", "en": "no such file"}),
     "cannot read a.jsonl: no such file", "无法读取 a.jsonl：没有这个文件"),
    (lambda: CarbonCheckError("said in English only"), "said in English only", "said in English only"),
], ids=["pdf", "sign", "input", "batch", "base"])
def test_an_error_says_its_message_in_either_language(error, en, zh):
    import pickle
    made = error()
    assert en in made.message("en") and en in str(made) and zh in made.message("zh")
    again = pickle.loads(pickle.dumps(made))   # as a batch worker sends it back
    assert type(again) is type(made) and again.message("zh") == made.message("zh")


@pytest.mark.parametrize("command", [["batch", "examples", "--out"], ["init", "zero-carbon-factory", "-o"]])
@pytest.mark.parametrize("lang, said", [("zh", "无法写入 {path}：路径中的某个文件夹实际是文件"),
                                        ("en", "cannot write {path}: a folder on the path is a file")])
def test_commands_that_did_not_record_their_lang_say_an_output_error_in_it(tmp_path, command, lang, said):
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "x"
    evidence = checker.resources.resource_dir("examples") / "zero-carbon-factory"
    args = [str(evidence) if word == "examples" else word for word in command]
    result = CliRunner().invoke(main, [*args, str(path), "--lang", lang])
    assert result.exit_code == 2 and result.stderr.splitlines() == [f"carbon-check: {said.format(path=path)}"]
