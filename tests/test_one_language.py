"""One language per report: every text a shipped ruleset shows carries both languages, every listed value
of an evidence schema has labels in both, and a report of any shipped example in one language holds no word
of the other outside code, identifiers, units, standard numbers and names."""
import functools
import html
import io
import json
import re
from pathlib import Path

import pytest
from lark import Token

from checker import load_evidence, load_ruleset
from checker.language import ast
from checker.interfaces.cli.common import params_file
from checker.language.parse import _parser, parse
from checker.language.words import GIVEN, RESERVED
from conftest import leaves
from checker.catalogue import catalogue
from checker.outputs.report import render
from checker.resources import resource_dir

EXAMPLES = resource_dir("examples")

RULES = sorted(resource_dir("rulesets").rglob("*.rules"))
# Header fields that are identifiers, the same in every language.
IDENTIFIERS = {"standard", "version", "effective", "evidence"}
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
WORD = re.compile(r"(?<![\w./-])[a-z][a-z]{2,}\b")


def _labels(module: ast.Module):
    """(where, label) for every bilingual text of the module: header fields, labels, cites."""
    for meta in module.header.meta:
        if meta.key not in IDENTIFIERS:
            yield f"{meta.key}", meta.value
    for node in module.walk():
        for name, value in vars(node).items():
            if isinstance(value, ast.Label) and not isinstance(node, ast.Meta):
                yield f"line {node.span.line} {name}", value


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_every_ruleset_text_has_both_languages(path: Path):
    module = parse(path.read_text("utf-8"), str(path))
    missing = [f"{where}: {label.zh}" for where, label in _labels(module)
               # A text with no Chinese and no English word (`PAS 2060:2014 9.1.2 (a)`) reads the same in both.
               if label.en is None and (CJK.search(label.zh) or WORD.search(label.zh))]
    assert not missing, "\n".join(missing)
    wrong_side = [f"{where}: {label.zh}" for where, label in _labels(module)
                  if label.en is not None and not CJK.search(label.zh) and WORD.search(label.zh)]
    assert not wrong_side, "English where the Chinese text belongs:\n" + "\n".join(wrong_side)


# ------------------------------------------------------------------------------ enum values through labels

def _enums(schema, path=""):
    """(pointer, values) of every `enum` in a JSON schema."""
    if isinstance(schema, dict):
        if isinstance(schema.get("enum"), list):
            yield path, schema["enum"]
        for key, value in schema.items():
            yield from _enums(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _enums(value, f"{path}/{i}")


# A value that is a symbol reads the same in both languages: a gas (CO2, HFC-134a), a boundary type (II),
# a standard's number (GB/T 24067). Anything with a word of three lowercase letters needs labels.
_SYMBOL = re.compile(r"^(?!.*[a-z]{3})[A-Z0-9][\w ./-]*$")
EVIDENCE_SCHEMAS = sorted(p for p in resource_dir("schemas").glob("*.schema.json") if p.name != "result.schema.json")


@pytest.mark.parametrize("path", EVIDENCE_SCHEMAS, ids=lambda p: p.name)
def test_every_enum_value_of_an_evidence_schema_has_labels_in_both_languages(path: Path):
    enum = catalogue(None)["zh"]["enum"], catalogue(None)["en"]["enum"]
    schema = json.loads(path.read_text("utf-8"))
    missing = [f"{pointer}: {value}" for pointer, values in _enums(schema) for value in values
               if isinstance(value, str) and not _SYMBOL.match(value)
               and not (enum[0].get(value) and enum[1].get(value))]
    assert not missing, "no zh/en label in templates/messages.yaml (enum):\n" + "\n".join(missing)


def test_an_enum_value_and_a_boolean_show_as_words():
    data, raw = load_evidence(EXAMPLES / "zero-carbon-factory" / "four-stars.json")
    result = load_ruleset(data["ruleset"]).evaluate(data, date="2026-11-25", evidence_bytes=raw, gap=True)
    zh, en = render(result, "text", "zh"), render(result, "text", "en")
    assert "条件成立：是；是；是" in zh and "条件成立：国家级" in zh and "先进值" in zh
    assert "The condition holds: yes; yes; yes" in en and "national" in en


# ------------------------------------------------------------------------------ reports in one language

def _examples():
    """(ruleset folder/example name, evidence path, its parameters file or None) of every shipped example."""
    for path in sorted(EXAMPLES.glob("*/*.json")):
        params = path.parent / "params.yaml"
        yield pytest.param(path, params if params.exists() else None, id=f"{path.parent.name}/{path.stem}")


@functools.lru_cache(maxsize=None)
def _evaluated(path: Path, params: Path | None):
    data, raw = load_evidence(path)
    values = params_file(params)[0] if params else {}
    result = load_ruleset(data["ruleset"]).evaluate(data, params=values, date="2026-11-25", evidence_bytes=raw, gap=True)
    # What the applicant wrote is shown as written, in whatever language: the scan leaves it out.
    given = sorted({s for s in _strings(data) if len(s) > 1} | {str(v) for v in values.values()}, key=len,
                   reverse=True)
    return result, given


def _strings(value):
    return (leaf for _, leaf in leaves(value) if isinstance(leaf, str))


@functools.lru_cache(maxsize=None)
def _code_words() -> frozenset:
    """Every word of the shipped rulesets' code (names, keywords, the texts compared in conditions), without
    their labels, cites and comments: the explanations quote conditions as written."""
    words = set(RESERVED) | set(GIVEN)

    def walk(node, in_text):
        if isinstance(node, Token):
            if not (node.type == "STRING" and in_text):
                words.update(_core(w) for w in _TOKEN.findall(str(node)))
        elif node is not None:
            for child in node.children:
                walk(child, in_text or node.data in ("text", "meta"))

    for path in RULES:
        walk(_parser().parse(path.read_text("utf-8")), False)
    return frozenset(words)


# A run of letters with what may join them into one identifier, path, file name, address or standard number.
_TOKEN = re.compile(r"[-/]*[A-Za-z][A-Za-z0-9₀-₉._/\-':]*")
# The tool's own name and the command that reproduces a result.
_NAMES = {"carbon-check", "reproduce"}


def _core(token: str) -> str:
    return token.rstrip("._/-':").lstrip("._'")


def _is_symbol(word: str) -> bool:
    """Not an English word: code, a pointer, an option, an address, a unit with digits, an acronym."""
    if word in _NAMES or word in _code_words() or word[0] in "-/" or word.isupper():
        return True
    if any(c in word for c in "/_.:") or any(c.isdigit() or c in "₀₁₂₃₄₅₆₇₈₉" for c in word):
        return True
    if "-" in word:  # "first-level" is two English words, "T/CECA-G" a standard's number
        return all(len(part) < 3 or _is_symbol(part) for part in word.split("-"))
    return word in _UNITS


_UNITS = {"tce", "kgce", "kWh", "MWh", "GWh", "kcal", "kJ", "yuan"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# A Chinese document is cited by its number (国发〔2021〕23号, 国务院令第775号) and its title in 《》: names.
_DOCUMENT = re.compile(r"《[^》]*》|[\u3400-\u9fff]+(?:〔\d{4}〕\d+号|令第\d+号|令\d{4}年第\d+号)")


def _visible(report: str, fmt: str) -> str:
    """The words a reader sees, without code: HTML's <code>, <pre> and styles; Markdown's code spans."""
    if fmt == "html":
        report = re.sub(r"(?s)<(style|script|code|pre)\b.*?</\1>", " ", report)
        report = re.sub(r"</?(sub|sup|wbr)>", "", report)  # tCO<sub>2</sub>e is one word
        report = html.unescape(re.sub(r"(?s)<[^>]+>", " ", report))
    elif fmt == "md":
        report = re.sub(r"`[^`\n]*`", " ", report).replace("\\", "")
    return report


def foreign_words(report: str, lang: str, given=()) -> list[str]:
    """The words of the other language in a report: English words of three letters or more in a Chinese
    report, Chinese in an English one (document numbers and titles in 《》 are names)."""
    for text in given:
        report = re.sub(r"(?<![A-Za-z0-9_])" + re.escape(text) + r"(?![A-Za-z0-9_])", " ", report)
    if lang == "en":
        return _CJK.findall(_DOCUMENT.sub(" ", report))
    return [w for w in map(_core, _TOKEN.findall(report)) if len(w) >= 3 and not _is_symbol(w)]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path, params", list(_examples()))
def test_a_report_speaks_one_language(path, params, lang):
    result, given = _evaluated(path, params)
    found = {fmt: sorted(set(foreign_words(_visible(render(result, fmt, lang), fmt), lang, given)))
             for fmt in ("text", "md", "html")}
    assert not any(found.values()), found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", [EXAMPLES / "zero-carbon-factory" / "four-stars.json",
                                  EXAMPLES / "zero-carbon-park" / "passed-national.json"],
                         ids=["factory", "park"])
def test_a_pdf_report_speaks_one_language(path, lang):
    pypdf = pytest.importorskip("pypdf")
    try:
        import weasyprint  # noqa: F401  (its system libraries load on import)
    except (ImportError, OSError):
        pytest.skip("WeasyPrint's system libraries (pango) are not installed: bash .ci/install-pdf-deps")
    result, given = _evaluated(path, None)
    pages = pypdf.PdfReader(io.BytesIO(render(result, "pdf", lang))).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert not sorted(set(foreign_words(text, lang, given)))


@pytest.mark.parametrize("report, lang, found", [
    ("得分 82 (weight: placeholder)", "zh", ["weight", "placeholder"]),
    ("依据 T/CECA-G 0171-2022 3.1，ISO 14064-1:2018，5,000 MWh，tCO₂e/t，/electricity/green_certificates", "zh", []),
    ("first-level indicator", "zh", ["first-level", "indicator"]),
    ("Cited: 国发〔2021〕23号 and 《综合能耗计算通则》", "en", []),
    ("Cited: 国务院令第775号 第二十四条", "en", ["第二十四条"]),
])
def test_the_scan_finds_the_other_language(report, lang, found):
    assert foreign_words(report, lang) == found
