"""The emissions bridge (gross → green electricity → residual → credits → removals → net) and values outside
the accounting boundary (`let … when COND`) in every report format and both languages."""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from checker import load_evidence, load_ruleset
from checker.catalogue import catalogue
from checker.outputs.report import build_view, render
from test_issuable_reports import pdf_pages

ROOT = Path(__file__).resolve().parent.parent
FACTORY = ROOT / "examples" / "zero-carbon-factory"
DATE = "2026-11-25"
OUTSIDE = {"zh": "不适用（不在核算边界内）", "en": "not applicable (outside the boundary)"}


def result(name: str, **changes) -> dict:
    evidence, _ = load_evidence(FACTORY / f"{name}.json")
    evidence = copy.deepcopy(evidence)
    for path, value in changes.items():
        node = evidence
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return load_ruleset("zero-carbon-factory").evaluate(evidence, date=DATE).to_dict()


def rows(data: dict, lang: str = "en") -> list[tuple[str, str, str]]:
    chart = build_view(data, lang, catalogue(None)[lang])["emissions_chart"]
    return [(row["kind"], row["label"], row["display"]) for row in chart["rows"]]


def test_type_i_factory_bridge_goes_from_gross_through_green_electricity_to_net():
    assert rows(result("four-stars")) == [
        ("gross", "Category 1: direct emissions", "1,214 tCO2e"),
        ("gross", "Category 2: energy-indirect emissions, gross", "4,292.8 tCO2e"),
        ("outside", "Categories 3-4: transport and products used", OUTSIDE["en"]),
        ("minus", "Green power and certificates", "−2,683 tCO2e"),
        ("total", "Residual emissions", "2,823.8 tCO2e"),
        ("minus", "Carbon credits retired", "−2,000 tCO2e"),
        ("minus", "Verified removals", "−300 tCO2e"),
        ("net", "Net emissions", "523.8 tCO2e"),
    ]


def test_bars_add_up_gross_less_green_electricity_is_the_residual():
    chart = build_view(result("four-stars"), "zh", catalogue(None)["zh"])["emissions_chart"]
    by_kind = {}
    for row in chart["rows"]:
        by_kind.setdefault(row["kind"], []).append(row)
    gross = sum((r["end"] - r["start"] for r in by_kind["gross"]), Decimal(0))
    green = by_kind["minus"][0]
    assert green["end"] == gross and gross - (green["end"] - green["start"]) == by_kind["total"][0]["end"]
    outside = by_kind["outside"][0]
    assert outside["start"] == outside["end"] and outside["chars"] == 0  # no bar, in any format
    assert outside["display"] == OUTSIDE["zh"]


def test_type_ii_factory_shows_categories_3_4_as_a_bar():
    kinds = {label: (kind, display) for kind, label, display in rows(result("five-stars"))}
    kind, display = kinds["Categories 3-4: transport and products used"]
    assert kind == "gross" and display != OUTSIDE["en"] and display.endswith("tCO2e")


def test_no_green_electricity_no_green_step():
    data = result("four-stars", electricity__green_power_trading=0, electricity__green_certificates=0)
    found = rows(data)
    assert [k for k, *_ in found] == ["gross", "gross", "outside", "total", "minus", "minus", "net"]
    assert found[1][1] == "Category 2: energy-indirect emissions"  # no "gross": nothing was taken off
    assert found[1][2] == "4,292.8 tCO2e" and found[3] == ("total", "Residual emissions", "5,506.8 tCO2e")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_outside_the_boundary_is_said_in_every_format(fmt, lang):
    text = render(result("four-stars"), fmt, lang)
    other = OUTSIDE["en" if lang == "zh" else "zh"]
    # the values table, the bridge and the residual's explanation
    assert text.count(OUTSIDE[lang]) >= 2 and other not in text
    assert "0 tCO2e  类别3-4" not in text and "categories3_4 0" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_outside_the_boundary_in_the_pdf(lang, tmp_path):
    pages = pdf_pages(FACTORY / "four-stars.json", "--lang", lang, tmp_path / "f.pdf")
    text = "".join(pages).replace("\n", " ")
    assert OUTSIDE[lang].replace(" ", "") in text.replace(" ", "")


# ------------------------------------------------------------------------------ lint

BOUNDED = '''ruleset bounded {
  title "边界" en "Boundary"
  version "1"
  evidence "bounded.schema.json"
}
variant evidence.type {
  "I"  "Ⅰ型" en "Type I"
  "II" "Ⅱ型" en "Type II"
}
let direct "直接" en "Direct" in tCO2e = evidence.direct
let indirect "间接" en "Indirect" in tCO2e = evidence.transport when variant == "II"
let ratio "比" en "Ratio" = direct / indirect
let guarded "比" en "Ratio" = if variant == "II" then direct / indirect else 0
let same "比" en "Ratio" = direct / indirect when variant == "II"
let other "比" en "Ratio" = if direct > 0 tCO2e then direct / indirect else 0
require R "要求" en "Requirement" when variant == "II": direct / indirect < 2
'''


def test_lint_warns_of_a_division_by_a_value_outside_its_boundary(tmp_path):
    from checker.language.parse import parse
    from checker.tools.lint_usage import lint_boundary
    from checker.tools.scaffold import scaffold
    (tmp_path / "bounded.rules").write_text(BOUNDED, encoding="utf-8")
    (tmp_path / "bounded.schema.json").write_text(
        json.dumps(scaffold(parse(BOUNDED, "bounded.rules"))), encoding="utf-8")
    found = [(d.code, d.span.line, d.message) for d in lint_boundary(load_ruleset(tmp_path / "bounded.rules"))]
    message = "`direct / indirect` divides by 'indirect', which is 0 where `variant == \"II\"` does not hold: " \
              "there the division fails"
    # not where the division is read only inside the boundary (`if`, the let's or the item's own `when`)
    assert found == [("boundary-division", 12, message), ("boundary-division", 15, message)]


def test_shipped_rulesets_divide_by_no_value_outside_its_boundary():
    from checker.tools.lint_usage import lint_boundary
    for path in sorted((ROOT / "rulesets").glob("*.rules")):
        assert lint_boundary(load_ruleset(path)) == [], path.name


def test_the_outside_value_is_one_object_through_copies_and_pickles():
    import pickle
    from checker.language.values import OUTSIDE
    assert pickle.loads(pickle.dumps(OUTSIDE)) is OUTSIDE
    assert copy.deepcopy({"v": OUTSIDE})["v"] is OUTSIDE and copy.copy(OUTSIDE) is OUTSIDE


def test_a_negative_net_is_written_with_the_minus_sign_of_the_steps():
    net = rows(result("six-stars"))[-1]
    assert net == ("net", "Net emissions", "−186 tCO2e")
