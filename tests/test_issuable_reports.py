"""Reports a certification body can issue: what-if results marked as such, the ruleset's status on page 1,
one number formatter, page limits of the PDF.

The PDF tests read the text of each page with pypdf; they skip without WeasyPrint's system packages.
"""
from __future__ import annotations

import io
import re
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_evidence, load_ruleset
from checker.interfaces.cli import main
from checker.outputs.numbers import quantity
from checker.outputs.report import render

ROOT = Path(__file__).resolve().parent.parent
FACTORY = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"
PARK = ROOT / "examples" / "zero-carbon-park" / "passed-national.json"
CHANGE = "/offsets/credits/0/quantity=2600"
BANNER = {"zh": "假设情景，并非评价结论", "en": "Hypothetical, not an evaluation"}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def result_of(path: Path):
    data, raw = load_evidence(path)
    return load_ruleset(data["ruleset"]).evaluate(data, date="2026-11-25", evidence_bytes=raw, gap=True)


# ------------------------------------------------------------------------------ hypothetical results

def test_what_if_result_records_its_changes_and_a_real_one_has_no_such_key():
    changed = json.loads(_json_only(run("check", FACTORY, "--format", "json", "--set", CHANGE,
                                        "--set", "/electricity/green_certificates=null").output))
    assert changed["hypothetical"] == {"changes": [
        {"pointer": "/offsets/credits/0/quantity", "from": 2000, "to": 2600},
        {"pointer": "/electricity/green_certificates", "from": 2000, "to": None}]}
    real = json.loads(run("check", FACTORY, "--format", "json").output)
    assert "hypothetical" not in real


def _json_only(output: str) -> str:
    """The JSON document of `check --format json --set`, without the comparison printed after it."""
    return output[:output.index("\n}\n") + 3]


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_of_a_what_if_says_so(fmt, lang, tmp_path):
    out = tmp_path / f"report.{fmt}"
    assert run("check", FACTORY, "--format", fmt, "--lang", lang, "--set", CHANGE, "-o", out).exit_code == 0
    report = out.read_text(encoding="utf-8")
    assert report.count(BANNER[lang]) >= 2  # at the top and at the end (HTML: the banner and the note)
    assert "/offsets/credits/0/quantity" in report
    plain = run("check", FACTORY, "--format", fmt, "--lang", lang).output
    assert BANNER[lang] not in plain


# ------------------------------------------------------------------------------ the ruleset's status

def test_result_carries_the_rulesets_status():
    data = result_of(FACTORY).to_dict()
    assert data["ruleset"]["final"] is False and data["ruleset"]["status"]["en"] == "placeholder weights"


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
@pytest.mark.parametrize("lang, notice", [("zh", "规则集状态"), ("en", "Ruleset status: placeholder weights")])
def test_status_notice_comes_before_the_detail(fmt, lang, notice):
    report = render(result_of(FACTORY), fmt, lang)
    assert notice in report
    first_heading = {"text": "==", "md": "\n## ", "html": "<h2"}[fmt]
    assert report.index(notice) < report.index(first_heading)


def test_final_ruleset_has_no_notice():
    data = result_of(FACTORY).to_dict()
    data["ruleset"]["final"] = True
    assert "Ruleset status" not in render(data, "text", "en").split("==")[0]


# ------------------------------------------------------------------------------ numbers

@pytest.mark.parametrize("value, unit, lang, rich, shown", [
    ("5000", "MWh", "zh", False, "5,000 MWh"),
    ("4200000", "tCO2e", "en", True, "4,200,000 tCO₂e"),
    ("4200000", "tCO2e", "en", False, "4,200,000 tCO2e"),
    ("81.4505", "%", "en", False, "81.5%"),
    ("57093572.0098", "kWh", "zh", False, "57,093,572 kWh"),
    ("610", "kgCO2e/t", "zh", False, "610 kgCO2e/t"),
    ("0.86", "tCO2/unit", "zh", False, "0.86 tCO2/单位产品"),
    ("12000", "yuan", "zh", False, "12,000 元"),
    ("0.05", "t", "en", False, "0.1 t"),      # half up
    ("-0.04", "t", "en", False, "0 t"),       # never "-0"
    ("82.18", None, "en", False, "82.18"),
])
def test_one_formatter(value, unit, lang, rich, shown):
    assert quantity(Decimal(value), unit, lang, rich=rich) == shown


@pytest.mark.parametrize("value, bound, unit, shown", [
    ("0.200002", "0.2", None, "0.200002"),   # would read "0.2 <= 0.2 does not hold"
    ("3.94", "3.9", "%", "3.94%"),
    ("3.9", "3.9", "%", "3.9%"),             # equal: nothing to tell apart
    ("89.99", "90", None, "89.99"),
    ("89.996", "90", None, "89.996"),
])
def test_a_failed_comparison_is_never_rounded_onto_its_bound(value, bound, unit, shown):
    assert quantity(Decimal(value), unit, "en", bounds=[Decimal(bound)]) == shown


# ------------------------------------------------------------------------------ PDF

def pdf_pages(path: Path, *args) -> list[str]:
    import pypdf
    try:
        import weasyprint  # noqa: F401  (its system libraries load on import)
    except (ImportError, OSError):
        pytest.skip("WeasyPrint or its system libraries (pango) are not installed: pip install '.[pdf]'")
    out = Path(args[-1])
    result = run("check", path, "--format", "pdf", *args[:-1], "-o", out)
    if result.exit_code == 2 and "install" in result.output:
        pytest.skip("the PDF system packages are not installed: " + result.output)
    assert result.exit_code in (0, 1), result.output
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    return [page.extract_text() for page in reader.pages]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_if_pdf_has_the_banner_on_every_page(lang, tmp_path):
    pages = pdf_pages(FACTORY, "--lang", lang, "--set", CHANGE, tmp_path / "w.pdf")
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert BANNER[lang].replace(" ", "") in text.replace(" ", "").replace("\n", ""), f"page {number}"


@pytest.mark.parametrize("lang, notice", [("zh", "规则集状态"), ("en", "Rulesetstatus")])
def test_status_notice_is_on_page_one(lang, notice, tmp_path):
    pages = pdf_pages(FACTORY, "--lang", lang, tmp_path / "s.pdf")
    assert notice in pages[0].replace(" ", "")


@pytest.mark.parametrize("path, limit", [(FACTORY, 5), (PARK, 4)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_limits(path, limit, lang, tmp_path):
    assert len(pdf_pages(path, "--lang", lang, tmp_path / "r.pdf")) <= limit


@pytest.mark.parametrize("path, lang, shown", [
    (FACTORY, "zh", ["达到五星的组合方案", "晋级的首要措施", "得分+7.06"]),          # graded: plan and top actions
    (FACTORY, "en", ["Planreaching5stars", "Firstactionstowardthenextgrade"]),
    (FACTORY.parent / "ineligible.json", "en", ["Failedprerequisites", "R3"]),        # ineligible: why
    (FACTORY.parent / "incomplete.json", "en", ["Evidencetoprovide", "/electricity/consumption"]),  # what is missing
])
def test_page_one_says_what_the_outcome_needs(path, lang, shown, tmp_path):
    first = re.sub(r"\s", "", pdf_pages(path, "--lang", lang, tmp_path / "p.pdf")[0])
    for text in shown:
        assert text in first, text


@pytest.mark.parametrize("path", [FACTORY, PARK])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_holds_a_single_sentence(path, lang, tmp_path):
    """Apart from the repeated header and footer lines, every page carries more than a line or two."""
    pages = pdf_pages(path, "--lang", lang, tmp_path / "r.pdf")
    lines = [[line for line in page.splitlines() if line.strip()] for page in pages]
    repeated = set.intersection(*(set(page) for page in lines)) if len(lines) > 1 else set()
    for number, page in enumerate(lines, 1):
        assert len([line for line in page if line not in repeated]) > 3, f"page {number}: {page}"


# ------------------------------------------------------------------------------ classifications

CLASSIFIED = [ROOT / "examples" / "dual-control-project" / "provincial-review.json",
              ROOT / "examples" / "carbon-market" / "key-emitter-power.json"]


@pytest.mark.parametrize("path", CLASSIFIED, ids=lambda p: p.parent.name)
def test_a_classification_is_not_a_grade(path):
    params = path.parent / "params.yaml"
    data = json.loads(run("check", path, "--format", "json", "--param", f"@{params}").output)
    assert data["outcome"] == "classified" and data["grade"] and data["gap"] is None
    assert data["ruleset"]["classifies"] is True
    html = render(data, "html", "zh")
    assert 'class="badge o-classified"' in html and "已分类" in html
    for words in ("已定级", "已达到最高等级", "下一等级"):
        assert words not in html
    english = render(data, "text", "en")
    assert "Graded" not in english and "highest grade" not in english and "Next grade" not in english


@pytest.mark.parametrize("path", CLASSIFIED, ids=lambda p: p.parent.name)
def test_gap_says_the_ruleset_classifies(path):
    result = run("gap", path, "--lang", "en")
    assert result.exit_code == 1 and "classifies applications" in result.output
