"""Tests for checker.outputs.report: golden reports, escaping of evidence strings, inconclusive results, the
message catalogue, custom (sandboxed) templates, the CLI's report options and PDF output.

The golden reports are rendered from frozen results (`tests/golden/reports/*.result.json`), so they change
only when the report changes. After a deliberate change, regenerate them (results and reports) with
`UPDATE_GOLDEN=1 python -m pytest tests/test_report.py` and review the difference by eye.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker import load_evidence, load_ruleset
from checker.interfaces.cli import main
from checker.catalogue import catalogue, messages
from checker.outputs.report import FORMATS, ReportError, _environment, build_view, md_code, md_escape, render
from checker.resources import resource_dir

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "reports"
EXAMPLES = ROOT / "examples" / "zero-carbon-factory"
SAMPLE = GOLDEN / "inconclusive"
DATE = "2026-11-25"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# case: (evidence file, ruleset or None for the evidence's own)
CASES = {
    "four-stars": (EXAMPLES / "four-stars.json", None),
    "incomplete": (EXAMPLES / "incomplete.json", None),
    "inconclusive": (SAMPLE / "evidence.json", SAMPLE / "audit-sample.rules"),
}
SUFFIX = {"text": "txt", "md": "md", "html": "html"}
# One report per format and language for four-stars; the others in the formats a reader looks at.
GOLDEN_REPORTS = [("four-stars", fmt, lang) for fmt in ("text", "md", "html") for lang in ("zh", "en")] + [
    ("incomplete", "md", "zh"), ("incomplete", "html", "en"),
    ("inconclusive", "md", "en"), ("inconclusive", "html", "zh"), ("inconclusive", "text", "zh"),
]

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)> javascript:alert(3) {{ 7*191 }} {% if %} | ` *x* [l](javascript:alert(4))"


def evaluate(case: str, evidence: dict | None = None):
    path, ruleset = CASES[case]
    data, raw = load_evidence(path)
    if evidence is not None:
        data, raw = evidence, None
    rules = load_ruleset(ruleset or data["ruleset"])
    return rules.evaluate(data, date=DATE, evidence_bytes=raw, gap=True)


def frozen(case: str) -> dict:
    """The case's result as stored beside the golden reports: numbers back as Decimals."""
    path = GOLDEN / f"{case}.result.json"
    if UPDATE:
        path.write_text(evaluate(case).to_json(), encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)


def check_golden(path: Path, text: str) -> None:
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path.name} is missing: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs: review, then UPDATE_GOLDEN=1"


# --------------------------------------------------------------------------------------------- golden

@pytest.mark.parametrize("case, fmt, lang", GOLDEN_REPORTS, ids=lambda x: str(x))
def test_golden_report(case, fmt, lang):
    check_golden(GOLDEN / f"{case}.{lang}.{SUFFIX[fmt]}", render(frozen(case), fmt, lang))


@pytest.mark.parametrize("case", CASES)
def test_report_of_a_live_result_equals_that_of_its_json(case):
    """Reports read nothing but the result's JSON data: Result and its JSON round trip render alike."""
    result = evaluate(case)
    data = json.loads(result.to_json(), parse_float=Decimal, parse_int=Decimal)
    for fmt in ("text", "md", "html"):
        assert render(result, fmt, "en") == render(data, fmt, "en")
    assert render(result, "json") == result.to_json()


def test_sections_appear_in_the_order_the_issue_gives():
    headings = catalogue(None)["zh"]["heading"]
    order = ["requirements", "scores", "charts", "missing", "next_grade", "provenance"]
    for fmt in ("text", "md", "html"):
        report = render(frozen("four-stars"), fmt, "zh")
        positions = [report.index(headings[key]) for key in order]
        assert positions == sorted(positions), fmt
        assert report.index("湖州绿源新材料有限公司") < positions[0]  # the header comes first


def test_header_and_provenance_carry_what_reproduces_the_result():
    data = frozen("four-stars")
    for fmt in ("text", "md", "html"):
        report = render(data, fmt, "en")
        for needed in (data["ruleset"]["sha256"], data["evidence"]["sha256"], data["ruleset"]["version"],
                       data["tool"]["version"], DATE, "82.18 / 100", "4 stars", "T/CECA-G 0171-2022",
                       "every weight is a placeholder"):
            assert needed in report, (fmt, needed)


def test_next_grade_section_shows_current_and_required_values():
    data = frozen("four-stars")
    assert data["gap"] is not None
    report = render(data, "md", "en")
    section = report[report.index("## What the next grade needs"):report.index("## Provenance")]
    assert "Next grade: 5 stars" in section
    # the result records values; the report writes them with the one number formatter, labels first
    assert "| Renewable electricity share (`renewable_share == 100%`) | not met | 70% | = 100% |" in section
    assert "| Offset ratio of residual emissions (`offset_ratio >= 100%`) | not met | 81.5% | ≥ 100% |" in section
    assert "| score | not met | 82.18 | \\> 90 |" in section


def test_next_grade_falls_back_to_the_unmet_clauses_without_a_gap():
    data = frozen("four-stars")
    data["gap"] = None
    view = build_view(data, "en", catalogue(None)["en"])["next"]
    assert view["kind"] == "fallback" and view["target"] == "Next grade: 5 stars"
    assert [c["condition"] for c in view["conditions"]] == ["score > 90", "renewable_share == 100%",
                                                             "offset_ratio >= 100%"]
    assert view["conditions"][2]["current"] == "offset_ratio = 81.5%"


@pytest.mark.parametrize("reached, expected_kind, expected_target", [
    ("six_stars", "top", None),
    ("three_stars", "fallback", "Next grade: 4 stars"),
    (None, "fallback", "Next grade: 3 stars"),
])
def test_fallback_targets_the_grade_above_the_one_reached(reached, expected_kind, expected_target):
    data = frozen("four-stars")
    data["gap"] = None
    data["grade"] = {"id": reached, "label": {"zh": "", "en": ""}} if reached else None
    view = build_view(data, "en", catalogue(None)["en"])["next"]
    assert (view["kind"], view["target"]) == (expected_kind, expected_target)


# --------------------------------------------------------------------------------------- inconclusive

def test_inconclusive_report_says_so_and_shows_no_score():
    data = frozen("inconclusive")
    assert data["inconclusive"] is True and data["score"] == 0  # the engine's 0 must not be shown
    for lang in ("zh", "en"):
        t = catalogue(None)[lang]
        for fmt in ("text", "md", "html"):
            report = render(data, fmt, lang)
            assert t["outcome"]["inconclusive"] in report and t["note"]["inconclusive"] in report
            assert t["field"]["score"] + t["punct"]["colon"] not in report
            assert not re.search(r"\b0 / 10\b", report), (fmt, lang)  # neither the total nor any points


def test_a_decided_result_of_the_same_ruleset_does_show_its_score():
    evidence = {"ruleset": "audit-sample", "applicant": {"name": "x"}, "boundary": "I",
                "direct": Decimal(60), "indirect": Decimal(40), "offsets": Decimal(90)}
    result = evaluate("inconclusive", evidence)
    assert result.inconclusive is False
    assert "9 / 10" in render(result, "md", "en")


# ------------------------------------------------------------------------------ evidence strings are data

def _free_string_pointers(schema: dict, node: dict, pointer: str = "") -> list[str]:
    """Pointers to every string the schema lets hold any text long enough for the payload."""
    found = []
    for name, sub in node.get("properties", {}).items():
        if sub.get("type") == "object":
            found += _free_string_pointers(schema, sub, f"{pointer}/{name}")
        elif sub.get("type") == "array" and sub.get("items", {}).get("type") == "object":
            found += _free_string_pointers(schema, sub["items"], f"{pointer}/{name}/0")
        elif (sub.get("type") == "string" and not {"enum", "pattern", "format", "const"} & set(sub)
              and sub.get("maxLength", 10_000) >= len(PAYLOAD) and name != "ruleset"):
            found.append(f"{pointer}/{name}")
    return found


def _set(data: dict, pointer: str, value) -> bool:
    *parents, last = pointer.strip("/").split("/")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node is None:
            return False
    if isinstance(node, list):
        return False
    node[last] = value
    return True


def _hostile_result():
    """The four-stars application with the payload in every free-text field of its evidence."""
    data, _ = load_evidence(EXAMPLES / "four-stars.json")
    rules = load_ruleset(data["ruleset"])
    pointers = [p for p in _free_string_pointers(rules.schema, rules.schema) if _set(data, p, PAYLOAD)]
    assert {"/applicant/name", "/applicant/site", "/boundary/description", "/offsets/credits/0/serial"} <= \
        set(pointers)
    return rules.evaluate(data, date=DATE, gap=True)


def _hostile_data() -> dict:
    """A result with the payload in every text the report prints as data, gap texts included."""
    structural = {"status", "outcome", "method", "$schema", "result_version", "date", "unit"}

    def walk(value, key=None):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key not in structural:
            return PAYLOAD
        return value
    return walk(copy.deepcopy(frozen("four-stars")))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.text = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += attrs

    def handle_data(self, data):
        self.text.append(data)


SHIPPED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "div", "span",
                "table", "colgroup", "col", "thead", "tbody", "tr", "th", "td", "code", "strong", "section",
                "figure", "figcaption", "svg", "text", "rect", "line", "footer", "nav", "main", "ol", "ul", "li", "a",
                "input", "label", "details", "summary", "br", "wbr"}


@pytest.mark.parametrize("source", [_hostile_result, _hostile_data], ids=["evidence", "every-string"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_escapes_every_evidence_string(source, lang):
    html = render(source(), "html", lang)
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= SHIPPED_TAGS, parser.tags - SHIPPED_TAGS
    assert not [name for name, _ in parser.attributes if name.startswith("on")]
    # no attribute that loads or links anything: a javascript: URL could only live there
    assert not [name for name, _ in parser.attributes if name in ("src", "action", "formaction", "xlink:href")]
    assert all(value.startswith("#") for name, value in parser.attributes if name == "href")  # contents only
    assert "1337" not in html  # {{ 7*191 }} was never evaluated...
    assert any(PAYLOAD in text for text in parser.text)  # ...but shown, as written


@pytest.mark.parametrize("source", [_hostile_result, _hostile_data], ids=["evidence", "every-string"])
def test_markdown_escapes_every_evidence_string(source):
    md = render(source(), "md", "en")
    assert "1337" not in md
    assert "{{ 7\\*191 }}" in md
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", _without_code_spans(md)), "a raw HTML tag"
    assert not re.search(r"(?<!\\)\]\(", _without_code_spans(md)), "a raw link"
    _assert_tables_keep_their_columns(md)


def test_text_report_shows_evidence_verbatim_and_unevaluated():
    text = render(_hostile_result(), "text", "en")
    assert PAYLOAD in text and "1337" not in text


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_reports_show_control_characters_as_code_points(fmt):
    data = frozen("four-stars")
    data["applicant"]["name"] = "ACME\x1b[2J\x07\x9b Ltd"
    report = render(data, fmt, "en")
    assert "ACME[U+001B][2J[U+0007][U+009B] Ltd" in report.replace("\\", "")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", report)


FORGERIES = [
    "ACME\u202eFDP.exe",                       # right-to-left override: shows as "ACMEexe.PDF"
    "ACME\n结论：[已定级 · 六星]",               # a forged outcome line
    "ACME\r\nOutcome: [Graded · 6 stars]",
    "AC\u200bME\u2066x\u2069\u200f\ufeff\u2028y\t",  # zero-width, isolates, marks, line separator, tab
]


@pytest.mark.parametrize("name", FORGERIES)
@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_evidence_strings_cannot_forge_a_line_or_reorder_text(fmt, name):
    data = frozen("four-stars")
    data["applicant"]["name"] = name
    report = render(data, fmt, "zh").replace("\\[", "[").replace("\\]", "]")  # Markdown escapes brackets
    assert not re.search("[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\t\r]", report)
    lines = [line for line in report.splitlines() if "ACME" in line or "AC[U+200B]ME" in line]
    assert lines and all("[U+" in line for line in lines)
    assert not [line for line in report.splitlines() if line.lstrip("> *").startswith(("结论：[已定级 · 六星", "Outcome: [Graded"))]


@pytest.mark.parametrize("name", FORGERIES[:2])
def test_a_pdf_shows_control_characters_as_code_points(name):
    import io
    pypdf = pytest.importorskip("pypdf")
    try:
        import weasyprint  # noqa: F401  (its system libraries load on import)
    except (ImportError, OSError):
        pytest.skip("WeasyPrint's system libraries (pango) are not installed: bash .ci/install-pdf-deps")
    data = frozen("four-stars")
    data["applicant"]["name"] = name
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render(data, "pdf", "zh"))).pages)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text) and "exe.PDF" not in text
    assert re.search(r"ACME\s*\[U\+(202E|000A)\]", text)
    assert not [line for line in text.splitlines() if line.startswith("结论：[已定级 · 六星")]


def _without_code_spans(md: str) -> str:
    return re.sub(r"(?<![\\`])(`+)(?!`).*?(?<!`)\1(?!`)", "", md)


def _assert_tables_keep_their_columns(md: str) -> None:
    """Each table row has as many cells as its header: no evidence pipe opened a new cell."""
    columns = None
    for line in md.splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        if columns is None:
            columns = cells
        assert cells == columns, line


# (input, Markdown that shows it as written)
MD_ESCAPES = [
    ("plain 中文 text 1.5", "plain 中文 text 1.5"),
    ("a|b", "a\\|b"),
    ("<b>x</b>", "\\<b\\>x\\</b\\>"),
    ("*em* _em_ `code`", "\\*em\\* \\_em\\_ \\`code\\`"),
    ("[a](javascript:x)", "\\[a\\](javascript:x)"),
    ("&amp; ~~s~~", "\\&amp; \\~\\~s\\~\\~"),
    ("back\\slash", "back\\\\slash"),
    ("# heading", "\\# heading"),
    ("> quote", "\\> quote"),
    ("- item", "\\- item"),
    ("12. item", "12\\. item"),
    ("12.5 tCO2e", "12.5 tCO2e"),
    ("===", "\\==="),
    ("line\nbreak\r\n  here", "line break here"),
]


@pytest.mark.parametrize("given, expected", MD_ESCAPES)
def test_md_escape(given, expected):
    assert md_escape(given) == expected


@pytest.mark.parametrize("given, expected", [
    ("x >= 80%", "`x >= 80%`"),
    ("a | b", "`a \\| b`"),
    ("say `hi`", "`` say `hi` ``"),
    ("two\nlines", "`two lines`"),
])
def test_md_code(given, expected):
    assert md_code(given) == expected


# --------------------------------------------------------------------------------- language and catalogue

def test_catalogue_has_every_message_in_both_languages_with_the_same_placeholders():
    raw = yaml.safe_load((resource_dir("templates") / "messages.yaml").read_text(encoding="utf-8"))
    for group, items in raw.items():
        for key, texts in items.items():
            assert set(texts) == {"zh", "en"}, (group, key)
            assert texts["zh"].strip() and texts["en"].strip(), (group, key)
            names = [set(re.findall(r"\{(\w+)\}", texts[lang])) for lang in ("zh", "en")]
            assert names[0] == names[1], (group, key)


def _neutral_data() -> dict:
    """Four-stars with every data text replaced by one neutral word, so only catalogue words stay."""
    data = _hostile_data()

    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return "DATA" if value == PAYLOAD else value
    return walk(data)


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_no_language_mixing(fmt):
    data = _neutral_data()
    english = render(data, fmt, "en")
    assert not re.findall(r"[\u3000-\u9fff\uff00-\uffef]", english)
    chinese = render(data, fmt, "zh")
    for group, items in catalogue(None)["en"].items():
        for key, text in items.items():
            if " " in text.strip() and "{" not in text:
                assert text not in chinese, (group, key, text)


def test_messages_are_the_catalogue_in_one_language(tmp_path):
    assert messages("en")["outcome"]["invalid"] == "Invalid evidence"
    assert messages("zh")["gap"]["target"] == "目标等级"
    (tmp_path / "messages.yaml").write_text("batch:\n  error: {zh: 原因, en: Reason}\n", encoding="utf-8")
    overlaid = messages("en", tmp_path)
    assert overlaid["batch"]["error"] == "Reason" and overlaid["batch"]["source"] == "Source"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        messages("fr")


def test_catalogue_keys_cannot_shadow_dict_methods(tmp_path):
    (tmp_path / "messages.yaml").write_text("chart:\n  values: {zh: 值, en: Values}\n", encoding="utf-8")
    with pytest.raises(ReportError, match="named like a dict method"):
        render(frozen("four-stars"), "md", "en", tmp_path)


def test_custom_catalogue_needs_both_languages(tmp_path):
    (tmp_path / "messages.yaml").write_text("heading:\n  missing: {zh: 缺失}\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"heading\.missing needs a text in each of: zh, en"):
        render(frozen("four-stars"), "md", "en", tmp_path)


def test_custom_catalogue_overrides_single_messages(tmp_path):
    (tmp_path / "messages.yaml").write_text("heading:\n  missing: {zh: 待补材料, en: To provide}\n",
                                            encoding="utf-8")
    report = render(frozen("incomplete"), "md", "en", tmp_path)
    assert "## To provide" in report and "## Provenance" in report


# ------------------------------------------------------------------------------------- custom templates

def test_custom_template_renders_in_the_sandbox(tmp_path):
    (tmp_path / "report.md.j2").write_text(
        "{{ view.applicant.name }}|{{ result.score }}|{{ t.outcome.graded }}|{{ result.ruleset.id }}\n",
        encoding="utf-8")
    # the sandboxed Markdown environment escapes data too
    assert render(frozen("four-stars"), "md", "en", tmp_path) == \
        "湖州绿源新材料有限公司|82.18|Graded|zero\\_carbon\\_factory\n"
    # formats the folder does not override use the shipped templates
    assert render(frozen("four-stars"), "html", "en", tmp_path) == render(frozen("four-stars"), "html", "en")


@pytest.mark.parametrize("template, message", [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "access to attribute '__class__'"),
    ("{{ view.no_such_thing }}", "has no attribute 'no_such_thing'"),
    ("{% for %}", r"report\.html\.j2:1: template syntax error"),
    ("{% include 'missing.j2' %}", "template missing.j2 not found"),
])
def test_custom_template_failures_are_report_errors(tmp_path, template, message):
    (tmp_path / "report.html.j2").write_text(template, encoding="utf-8")
    with pytest.raises(ReportError, match=message):
        render(frozen("four-stars"), "html", "en", tmp_path)


def test_environments_are_built_once_and_html_autoescapes():
    data = frozen("four-stars")
    render(data, "html", "zh")
    before = _environment.cache_info()
    render(data, "html", "en")
    render(data, "md", "zh")
    after = _environment.cache_info()
    assert after.misses == before.misses + (0 if after.currsize == before.currsize else 1)
    assert after.hits >= before.hits + 1
    assert _environment(None, "html").autoescape is True
    assert _environment(None, "md").autoescape is False


def test_unknown_format_or_language_is_refused():
    with pytest.raises(ValueError, match="unknown report format 'docx'"):
        render(frozen("four-stars"), "docx")
    with pytest.raises(ValueError, match="unknown report language 'fr'"):
        render(frozen("four-stars"), "md", "fr")


# ------------------------------------------------------------------------------------------------- CLI

def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.mark.parametrize("fmt", ["md", "html", "json", "text"])
def test_cli_writes_each_format_to_a_file(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    outcome = run("check", EXAMPLES / "four-stars.json", "--format", fmt, "--lang", "en", "--date", DATE, "-o", out)
    assert outcome.exit_code == 0, outcome.output
    result = evaluate("four-stars")
    assert out.read_text(encoding="utf-8") == render(result, fmt, "en")


def test_cli_date_comes_from_source_date_epoch_and_output_is_byte_identical(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1795000000"}  # 2026-11-18 11:06:40 UTC
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    for out in (first, second):
        assert run("check", EXAMPLES / "incomplete.json", "--format", "html", "-o", out, env=env).exit_code == 1
    assert first.read_bytes() == second.read_bytes()
    assert '<meta name="dcterms.created" content="2026-11-18">' in first.read_text(encoding="utf-8")


def test_cli_custom_template_dir(tmp_path):
    (tmp_path / "report.md.j2").write_text("{{ view.outcome.label }}\n", encoding="utf-8")
    outcome = run("check", EXAMPLES / "four-stars.json", "--format", "md", "--template-dir", tmp_path)
    assert (outcome.exit_code, outcome.output) == (0, "已定级\n")


def test_cli_broken_custom_template_is_invalid_input_without_traceback(tmp_path):
    (tmp_path / "report.md.j2").write_text("{{ ''.__class__ }}", encoding="utf-8")
    outcome = run("check", EXAMPLES / "four-stars.json", "--format", "md", "--template-dir", tmp_path)
    assert outcome.exit_code == 2
    assert "access to attribute '__class__'" in outcome.output and "Traceback" not in outcome.output


def test_cli_pdf_needs_an_output_file():
    outcome = run("check", EXAMPLES / "four-stars.json", "--format", "pdf")
    assert outcome.exit_code == 2 and "-o FILE" in outcome.output


def test_cli_pdf_without_weasyprint_prints_the_install_hint(tmp_path, monkeypatch):
    from checker.outputs import pdf

    def unavailable():
        raise pdf.PdfUnavailable("No module named 'weasyprint'")
    monkeypatch.setattr(pdf, "_import_weasyprint", unavailable)
    outcome = run("check", EXAMPLES / "four-stars.json", "--format", "pdf", "-o", tmp_path / "r.pdf")
    assert outcome.exit_code == 2
    assert "pip install 'carbon-check[pdf]'" in outcome.output and "Traceback" not in outcome.output
    assert not (tmp_path / "r.pdf").exists()


# ------------------------------------------------------------------------------------------------- PDF

@pytest.fixture(scope="module")
def pdf_bytes():
    pytest.importorskip("weasyprint")
    return {lang: render(frozen("four-stars"), "pdf", lang) for lang in ("zh", "en")}


def test_pdf_is_deterministic_and_carries_the_result(pdf_bytes, tmp_path):
    again = render(frozen("four-stars"), "pdf", "zh")
    assert again == pdf_bytes["zh"]
    assert pdf_bytes["zh"].startswith(b"%PDF-1.7") and pdf_bytes["zh"] != pdf_bytes["en"]
    if shutil.which("pdfdetach") is None:
        pytest.skip("pdfdetach (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes["zh"])
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(path)], check=True, capture_output=True)
    assert (tmp_path / "result.json").read_text(encoding="utf-8") == render(frozen("four-stars"), "json")


def test_pdf_text_is_the_report_in_its_language(pdf_bytes, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes["zh"])
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    for needed in ("零碳工厂评价 · 评价报告", "已定级 · 四星", "晋级所需条件", "第 1 页，共"):
        assert needed in text


def test_pdf_renders_chinese_without_missing_glyphs(caplog):
    pytest.importorskip("weasyprint")
    caplog.set_level("WARNING", logger="weasyprint")
    render(frozen("inconclusive"), "pdf", "zh")  # html_to_pdf raises PdfRenderError on a .notdef glyph
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]


def test_render_is_part_of_the_public_api():
    import checker
    from checker import load_evidence, load_ruleset
    from checker.outputs.report import render

    evidence, raw = load_evidence(ROOT / "examples/zero-carbon-factory/four-stars.json")
    result = load_ruleset("zero-carbon-factory").evaluate(evidence, evidence_bytes=raw, date="2026-11-25", gap=True)
    assert checker.render is render
    assert checker.render(result, "md", "en") == render(result, "md", "en")
