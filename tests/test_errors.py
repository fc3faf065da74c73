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


# ------------------------------------------------- what a certification body meets signing reports, in --lang
FACTORY = checker.resources.resource_dir("examples") / "zero-carbon-factory" / "four-stars.json"


def said(*args, lang):
    """What `check FACTORY …` prints on stderr, in `lang`, with exit code 2."""
    result = CliRunner().invoke(main, ["check", str(FACTORY), *map(str, args), "--lang", lang])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return result.stderr


@pytest.mark.parametrize("files, zh, en", [
    ({"report.html.j2": "{% if %}"},
     "{dir}/report.html.j2:1：模板语法错误：Expected an expression, got 'end of statement block'",
     "{dir}/report.html.j2:1: template syntax error: Expected an expression, got 'end of statement block'"),
    ({"report.html.j2": "{% include 'part.j2' %}"},
     "在 {dir} 中找不到模板 part.j2（内置模板中也没有）", "template part.j2 not found in {dir} (nor among the shipped templates)"),
    ({"report.html.j2": "{{ t.nowhere.nothing }}"},
     "{dir} 中的模板 report.html.j2 运行失败：'dict object' has no attribute 'nowhere'",
     "template report.html.j2 in {dir} failed: 'dict object' has no attribute 'nowhere'"),
    ({"messages.yaml": "- a\n"}, "{dir}/messages.yaml：消息目录必须将分组映射到消息",
     "{dir}/messages.yaml: the message catalogue must map groups to messages"),
    ({"messages.yaml": "report: {title: {zh: 报告}}\n"}, "{dir}/messages.yaml：report.title 需要以下每种语言的文本：zh, en",
     "{dir}/messages.yaml: report.title needs a text in each of: zh, en"),
    ({"messages.yaml": "report: [\n"}, "无法读取消息目录 {dir}/messages.yaml：while parsing",
     "cannot read the message catalogue {dir}/messages.yaml: while parsing"),
    ({"report.html.j2": "{{ 'x' * 200000 }}"}, "{dir} 中的模板 report.html.j2 运行失败：值超过 100000 个项或字符",
     "template report.html.j2 in {dir} failed: a value of more than 100000 items or characters"),
    ({"report.html.j2": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"},
     "{dir} 中的模板 report.html.j2 运行失败：模板自身调用层次过深",
     "template report.html.j2 in {dir} failed: the template calls itself too deeply"),
    ({"report.html.j2": b"\xff"}, "{dir} 中的模板 report.html.j2 运行失败：report.html.j2：应为 UTF-8 文本",
     "template report.html.j2 in {dir} failed: report.html.j2: expected UTF-8 text"),
], ids=["syntax", "not-found", "failed", "catalogue-shape", "catalogue-texts", "catalogue-yaml", "sandbox-size",
        "sandbox-recursion", "not-utf8"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_custom_template_or_catalogue_that_cannot_be_used_is_said_in_the_language_asked(tmp_path, files, zh, en,
                                                                                         lang):
    for name, text in files.items():
        (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    stderr = said("--format", "html", "--template-dir", tmp_path, lang=lang)
    expected = f"carbon-check: {(zh if lang == 'zh' else en).format(dir=tmp_path.resolve())}"
    assert stderr.startswith(expected), stderr


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    import datetime
    from checker.outputs import signing
    base, made = tmp_path_factory.mktemp("keys"), {}
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    for name, options in {"good": {}, "other": {}, "expired": {"days": 10, "now": past}}.items():
        key, cert = signing.keygen(f"{name} signer", **options)
        (base / f"{name}.pem").write_bytes(key)
        (base / f"{name}.pem").chmod(0o600)
        (base / f"{name}.crt").write_bytes(cert)
        made[name] = base / f"{name}.pem", base / f"{name}.crt"
    (base / "garbage.pem").write_bytes(b"not a key")
    (base / "garbage.pem").chmod(0o600)
    return base


@pytest.mark.parametrize("key, cert, zh, en", [
    ("good.pem", None, "{dir}/good.pem 不是 PKCS#12 文件（.p12、.pfx）：请用 --cert 给出其证书",
     "{dir}/good.pem is not a PKCS#12 file (.p12, .pfx): give its certificate with --cert"),
    ("good.pem", "other.crt", "密钥 {dir}/good.pem 与证书不匹配（Common Name: other signer）",
     "the key {dir}/good.pem does not belong to the certificate (Common Name: other signer)"),
    ("garbage.pem", "good.crt", "无法加载密钥 {dir}/garbage.pem：ValueError（若密钥有密码，请设置 CARBON_CHECK_KEY_PASSWORD）",
     "cannot load the key {dir}/garbage.pem: ValueError (if it has a password, set CARBON_CHECK_KEY_PASSWORD)"),
    ("expired.pem", "expired.crt", "证书 Common Name: expired signer 已于 2020-01-11 过期：用它做出的签名都无法通过验证",
     "the certificate Common Name: expired signer expired on 2020-01-11: no signature made with it would verify"),
    ("good.pem", "missing.crt", "无法读取 {dir}/missing.crt：", "cannot read {dir}/missing.crt: "),
    ("missing.pem", None, "无法读取 {dir}/missing.pem：", "cannot read {dir}/missing.pem: "),
], ids=["needs-cert", "not-pair", "bad-key", "expired", "unreadable", "no-key"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_key_or_certificate_that_cannot_sign_is_said_in_the_language_asked(pairs, tmp_path, key, cert, zh, en,
                                                                             lang):
    options = ["--sign-key", pairs / key] + (["--sign-cert", pairs / cert] if cert else [])
    stderr = said("--format", "json", "-o", tmp_path / "r.json", *options, lang=lang)
    assert f"carbon-check: {(zh if lang == 'zh' else en).format(dir=pairs)}" in stderr, stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("issuer, options, zh, en", [
    ("- a\n", [], "{path}：签发机构文件必须是包含 organisation、report_number、people 的映射",
     "{path}: the issuer file must be a mapping with organisation, report_number, people"),
    ("people: {auditor: A}\n", [], "{path}：people 必须将 assessor、reviewer 映射到 {name: …, date: …}",
     "{path}: people must map assessor and reviewer to {name: …, date: …}"),
    ("report_number: N-{seq}\n", [],
     "报告编号模式 'N-{seq}' 使用了未知的 {seq}（或结果没有日期）：请使用 {year}、{month}、{day}、{date}、{ruleset}、{evidence}",
     "the report number pattern 'N-{seq}' uses {seq}, which is not known (or the result has no date): use {year}, "
     "{month}, {day}, {date}, {ruleset}, {evidence}"),
    ("organisation: A\n", ["--assessor-date", "tomorrow"], "--assessor-date：日期应为 YYYY-MM-DD，实际为 'tomorrow'",
     "--assessor-date: expected a date YYYY-MM-DD, got 'tomorrow'"),
    ("a: [\n", [], "无法读取签发机构文件 {path}：while parsing", "cannot read the issuer file {path}: while parsing"),
], ids=["not-mapping", "people", "pattern", "date", "yaml"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_issuer_file_or_sign_off_option_that_cannot_be_used_is_said_in_the_language_asked(tmp_path, issuer,
                                                                                             options, zh, en, lang):
    path = tmp_path / "issuer.yaml"
    path.write_text(issuer, encoding="utf-8")
    stderr = said("--issuer", path, *options, lang=lang)
    expected = (zh if lang == "zh" else en).replace("{path}", str(path))
    assert stderr.startswith(f"carbon-check: {expected}"), stderr


@pytest.mark.parametrize("lang, words", [
    ("zh", "没有已安装的字体包含以下字符的字形：'𓀀' (U+13000), '𐤀' (U+10900)；请安装涵盖这些字符的字体（fonts-noto-cjk "
           "涵盖中文），或从报告中删除这些字符"),
    ("en", "no installed font has a glyph for: '𓀀' (U+13000), '𐤀' (U+10900); install a font covering these characters "
           "(fonts-noto-cjk covers Chinese) or remove them from the report"),
], ids=["zh", "en"])
def test_a_pdf_no_installed_font_covers_is_said_in_the_language_asked(tmp_path, monkeypatch, lang, words):
    import pickle
    from checker.outputs import pdf

    def uncovered(html, attachments=None):
        raise PdfRenderError(("\U00013000", "\U00010900"))
    monkeypatch.setattr(pdf, "html_to_pdf", uncovered)   # rendering needs WeasyPrint; what is said does not
    assert said("--format", "pdf", "-o", tmp_path / "r.pdf", lang=lang).splitlines() == [f"carbon-check: {words}"]
    again = pickle.loads(pickle.dumps(PdfRenderError(("\U00013000",))))   # as a batch worker sends it back
    assert again.missing_characters == ("\U00013000",) and "U+13000" in again.message(lang)


@pytest.mark.parametrize("lang, words", [
    ("zh", "警告：私钥 {key} 可被他人读取（权限 0644）；请执行 chmod 600 {key}"),
    ("en", "warning: the private key {key} can be read by others (mode 0644); chmod 600 {key}"),
], ids=["zh", "en"])
def test_a_signing_key_others_can_read_is_warned_of_in_the_language_asked(pairs, tmp_path, lang, words):
    import shutil
    key = tmp_path / "shared.pem"
    shutil.copy(pairs / "good.pem", key)
    key.chmod(0o644)
    result = CliRunner().invoke(main, ["check", str(FACTORY), "--format", "json", "-o", str(tmp_path / "r.json"),
                                       "--sign-key", str(key), "--sign-cert", str(pairs / "good.crt"), "--lang", lang])
    assert result.exit_code == 0 and result.stderr.splitlines()[0] == words.format(key=key), result.output
