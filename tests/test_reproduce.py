"""`carbon-check reproduce`: a result re-evaluated from what it records, compared byte for byte."""
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from checker.interfaces.cli import main

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ROOT / "examples/low-carbon-product"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def made(tmp_path, *extra):
    out = tmp_path / "result.json"
    result = run("check", PRODUCT / "passed-cement.json", "--format", "json", "-o", out, "--date", "2026-11-25",
                 "--param", f"@{PRODUCT / 'params.yaml'}", "--param", "benchmark_cement=0.7 tCO2e", *extra)
    assert result.exit_code == 0, result.output
    return out


def test_a_result_is_reproduced_from_its_parameters_and_date(tmp_path):
    out = made(tmp_path, "--organisation", "示例认证中心", "--report-number", "ECC-1")
    result = run("reproduce", out, PRODUCT / "passed-cement.json")
    assert result.exit_code == 0, result.output
    assert "reproduced byte for byte" in result.output


def test_an_altered_result_is_not_reproduced_and_the_difference_is_shown(tmp_path):
    out = made(tmp_path)
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace('"outcome": "passed"', '"outcome": "ineligible"'), encoding="utf-8")
    result = run("reproduce", out, PRODUCT / "passed-cement.json")
    assert result.exit_code == 1
    assert '-  "outcome": "ineligible",' in result.output and '+  "outcome": "passed",' in result.output


def test_other_evidence_is_not_reproduced(tmp_path):
    out = made(tmp_path)
    evidence = json.loads((PRODUCT / "passed-cement.json").read_text(encoding="utf-8"))
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(evidence, ensure_ascii=False, indent=1), encoding="utf-8")  # same data, other bytes
    result = run("reproduce", out, changed)
    assert result.exit_code == 1
    assert '"sha256"' in result.output


def test_a_different_ruleset_is_refused_unless_given(tmp_path):
    out = made(tmp_path)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["ruleset"]["sha256"] = "0" * 64
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = run("reproduce", out, PRODUCT / "passed-cement.json")
    assert refused.exit_code == 2
    assert "is not the one this result was made with" in refused.output and "--ruleset" in refused.output
    ruleset = tmp_path / "low-carbon-product.rules"
    shutil.copy(ROOT / "rulesets/low-carbon-product.rules", ruleset)
    given = run("reproduce", out, PRODUCT / "passed-cement.json", "--ruleset", ROOT / "rulesets/low-carbon-product.rules")
    assert given.exit_code == 1  # evaluated with the file given; the recorded hash still differs, and says so
    assert "0000000000" in given.output


def test_a_result_without_parameters_cannot_be_reproduced(tmp_path):
    out = made(tmp_path)
    data = json.loads(out.read_text(encoding="utf-8"))
    del data["parameters"]
    out.write_text(json.dumps(data), encoding="utf-8")
    result = run("reproduce", out, PRODUCT / "passed-cement.json")
    assert result.exit_code == 2 and "does not record its parameters" in result.output
    (tmp_path / "not.json").write_text("[1, 2", encoding="utf-8")
    assert run("reproduce", tmp_path / "not.json", PRODUCT / "passed-cement.json").exit_code == 2
