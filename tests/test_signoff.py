"""The sign-off block: issuer file and options; without an issuer, a self-assessment."""
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from checker.interfaces.cli import main
from checker.outputs.signoff import SignOffError, load_issuer, number

ROOT = Path(__file__).resolve().parent.parent
FACTORY = ROOT / "examples/zero-carbon-factory/four-stars.json"
ISSUER = """\
organisation: {zh: 示例认证中心, en: Example Certification Centre}
report_number: "ECC-{year}-{ruleset}-{evidence}"
people:
  assessor: {name: 张三, date: 2026-11-30}
  reviewer: 李四
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def issuer(tmp_path):
    path = tmp_path / "issuer.yaml"
    path.write_text(ISSUER, encoding="utf-8")
    return path


def test_without_an_issuer_the_report_is_a_self_assessment_with_lines_to_sign():
    zh = run("check", FACTORY, "--format", "md").output
    en = run("check", FACTORY, "--format", "md", "--lang", "en").output
    assert "自评报告，不是认证结论" in zh.split("## ")[0]  # on page 1, before the first section
    assert "Self-assessment, not a certification" in en.split("## ")[0]
    assert "| Assessor | ____________ | ________________ | __________ |" in en
    data = json.loads(run("check", FACTORY, "--format", "json").output)
    assert "signoff" not in data


def test_an_issuer_file_fills_the_signoff(issuer):
    en = run("check", FACTORY, "--format", "text", "--lang", "en", "--issuer", issuer, "--date", "2026-11-25").output
    assert "Issued by Example Certification Centre · report number ECC-2026-zero_carbon_factory-" in en
    assert "Self-assessment" not in en
    assert "Assessor: 张三" in en and "Date: 2026-11-30" in en and "Reviewer: 李四" in en
    data = json.loads(run("check", FACTORY, "--format", "json", "--issuer", issuer, "--date", "2026-11-25").output)
    assert data["signoff"]["report_number"] == "ECC-2026-zero_carbon_factory-" + data["evidence"]["sha256"][:8]
    assert data["signoff"]["reviewer"] == {"name": "李四", "date": None}
    schema = json.loads((ROOT / "schemas/result.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(data)))


def test_options_win_over_the_issuer_file(issuer):
    html = run("check", FACTORY, "--format", "html", "--issuer", issuer, "--report-number", "X-1",
               "--reviewer", "王五", "--reviewer-date", "2026-12-01").output
    assert "X-1" in html and "王五" in html and "2026-12-01" in html and "张三" in html
    assert 'id="signature-field"' in html and 'id="signature-field-end"' in html


def test_organisation_names_are_escaped_in_html():
    html = run("check", FACTORY, "--format", "html", "--organisation", "<script>x</script>").output
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("content,message", [
    ("organisation: A\nsignature: b\n", "unknown field 'signature'"),
    ("- a\n", "must be a mapping"),
    ("people: {auditor: A}\n", "people must map assessor and reviewer"),
    ("people: {assessor: {name: A, date: tomorrow}}\n", "expected a date"),
    ("organisation: !!python/object/apply:os.system [echo]\n", "cannot read the issuer file"),
])
def test_a_bad_issuer_file_is_refused(tmp_path, content, message):
    path = tmp_path / "issuer.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SignOffError, match=message):
        load_issuer(path)
    result = run("check", FACTORY, "--issuer", path, "--lang", "en")
    assert result.exit_code == 2 and message.split("'")[0] in result.output


def test_a_report_number_pattern_with_an_unknown_placeholder_is_refused():
    result = {"date": "2026-11-25", "ruleset": {"id": "r"}, "evidence": {"sha256": "ab" * 32}}
    assert number("N-{date}-{evidence}", result) == "N-20261125-abababab"
    with pytest.raises(SignOffError, match="uses {seq}"):
        number("N-{seq}", result)
