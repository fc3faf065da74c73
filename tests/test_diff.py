"""`carbon-check diff`: which applications of a corpus change result from one ruleset version to another."""
from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from checker import load_ruleset, parse_evidence
from checker.interfaces.cli import main
from checker.tools.diff import Row, Side, _kind
from checker.evaluation.whatif import DELETE, apply_changes
from checker.evaluation.result import dumps

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "zero-carbon-factory"
SHIPPED = ROOT / "rulesets" / "zero-carbon-factory.rules"
SCHEMA = ROOT / "schemas" / "zero-carbon-factory.schema.json"
# The edit: the 4-star offset threshold from 80% to 85%, and one placeholder point moved from E1 to E2.
EDITS = {
    'version   "1.0.0"': 'version   "1.1.0"',
    'en "Renewable electricity share" max 15': 'en "Renewable electricity share" max 14',
    'en "Energy efficiency of the main products" max 10': 'en "Energy efficiency of the main products" max 11',
    "score > 80 and offset_ratio >= 80%": "score > 80 and offset_ratio >= 85%",
}
CHANGED_LINES = [
    "five-stars.json: five_stars; score 93.87 → 92.87; E1 15 → 14 points; E2 met → partly_met",
    "four-stars.json: four_stars → three_stars; score 82.18 → 81.48; E1 10.5 → 9.8 points",
    "ineligible.json: ineligible; score 82.18 → 81.48; E1 10.5 → 9.8 points",
    "not-graded.json: not_graded; score 60.18 → 59.48; E1 10.5 → 9.8 points",
    "six-stars.json: six_stars → five_stars; score 100 → 99; E1 15 → 14 points; E2 met → partly_met",
    "three-stars.json: three_stars; score 78.4 → 77.7; E1 10.5 → 9.8 points",
]
TRANSITIONS = [
    "  six_stars → five_stars     1",
    "  five_stars → five_stars    1",
    "  four_stars → three_stars   1",
    "  three_stars → three_stars  1",
    "  incomplete → incomplete    1",
    "  not_graded → not_graded    1",
    "  ineligible → ineligible    1",
]


def _edited(folder: Path, extra: dict[str, str] | None = None) -> Path:
    text = SHIPPED.read_text("utf-8")
    for old, new in {**EDITS, **(extra or {})}.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "my-edit.rules"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture()
def edited(tmp_path):
    return _edited(tmp_path / "rules")


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in EXAMPLES.glob("*.json"):
        shutil.copy(path, folder / path.name)
    return folder


def _variant(folder: Path, name: str, changes: list) -> Path:
    """A four-star example changed at JSON pointers, written as a new application."""
    evidence = parse_evidence((EXAMPLES / "four-stars.json").read_bytes())
    path = folder / name
    path.write_text(dumps(apply_changes(evidence, changes)), "utf-8")
    return path


def _diff(*args):
    return CliRunner().invoke(main, ["diff", *map(str, args), "--date", "2026-11-25"], catch_exceptions=False)


def test_the_examples_under_the_edited_ruleset(edited):
    result = _diff("zero-carbon-factory", edited, EXAMPLES, "--lang", "en")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("old: zero_carbon_factory 1.0.0 sha256 " + load_ruleset(SHIPPED).sha256)
    assert lines[1].startswith(f"new: zero_carbon_factory 1.1.0 sha256 {load_ruleset(edited).sha256} (")
    assert lines[2] == "7 applications, 6 changed: grade up 0, grade down 2, outcome changed 0, score only 4"
    assert lines[3:5] == ["", "transitions:"]
    assert lines[5:12] == TRANSITIONS
    assert lines[12:] == [""] + CHANGED_LINES  # incomplete.json does not change: E1 is missing in both


def test_workbooks_are_compared_like_their_json(edited, tmp_path):
    from checker.outputs.workbook import write_workbook
    rules = load_ruleset(SHIPPED)
    folder = tmp_path / "books"
    folder.mkdir()
    for path in EXAMPLES.glob("*.json"):
        content = write_workbook(rules.schema, rules.description, parse_evidence(path.read_bytes()))
        (folder / f"{path.stem}.xlsx").write_bytes(content)
    book = openpyxl.load_workbook(folder / "four-stars.xlsx")
    book["核算边界内的用电情况"]["C3"] = "lots"
    book.save(folder / "unreadable.xlsx")
    result = _diff("zero-carbon-factory", edited, folder, "--lang", "en")
    assert result.exit_code == 2, result.output
    assert "8 applications, 6 changed" in result.output
    for line in CHANGED_LINES:
        assert line.replace(".json", ".xlsx") in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("unreadable.xlsx: "))
    assert line.startswith("unreadable.xlsx: invalid; ")
    assert line.endswith("unreadable.xlsx: 核算边界内的用电情况!C3: /electricity/consumption: expected a number, found 'lots'")


def test_swapping_the_versions_turns_grades_down_into_grades_up(edited):
    result = _diff(edited, "zero-carbon-factory", EXAMPLES, "--lang", "en")
    assert "7 applications, 6 changed: grade up 2, grade down 0, outcome changed 0, score only 4" in result.output
    assert "four-stars.json: three_stars → four_stars; score 81.48 → 82.18; E1 9.8 → 10.5 points" in result.output


def test_the_same_ruleset_changes_nothing_and_all_lists_every_application():
    result = _diff("zero-carbon-factory", SHIPPED, EXAMPLES, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "7 applications, 0 changed: grade up 0, grade down 0, outcome changed 0, score only 0" in result.output
    assert ".json" not in result.output
    listed = _diff("zero-carbon-factory", SHIPPED, EXAMPLES, "--lang", "en", "--all").output.splitlines()[-7:]
    assert listed[0] == "five-stars.json: five_stars; score 93.87; unchanged"
    assert [line.split(":")[0] for line in listed] == sorted(p.name for p in EXAMPLES.glob("*.json"))


def test_chinese_is_the_default(edited):
    output = _diff("zero-carbon-factory", edited, EXAMPLES).output
    assert "7 份申请，6 份结果有变化：等级上升 0、等级下降 2、结果类型变化 0、仅得分变化 4" in output
    assert "four-stars.json：four_stars → three_stars；得分 82.18 → 81.48；E1 10.5 → 9.8 分" in output


def test_generated_applications_move_each_way(edited, corpus):
    # 88.5% offsets: four stars under both; fewer credits: three stars under both; no consumption: incomplete
    _variant(corpus, "app-0001.json", [(("offsets", "credits", "-"), {"standard": "CCER", "serial": "S9",
                                                                      "quantity": Decimal("200"), "retired": True})])
    _variant(corpus, "app-0002.json", [(("offsets", "credits", "0", "quantity"), Decimal("1500"))])
    _variant(corpus, "app-0003.json", [(("electricity", "consumption"), DELETE)])
    result = _diff("zero-carbon-factory", edited, corpus, "--lang", "en")
    lines = result.output.splitlines()
    assert lines[2] == "10 applications, 8 changed: grade up 0, grade down 2, outcome changed 0, score only 6"
    assert lines[5:10] == ["  six_stars → five_stars                                 1",
                           "  five_stars → five_stars                                1",
                           "  four_stars → four_stars                                1",
                           "  four_stars → three_stars                               1",
                           "  three_stars → three_stars                              2"]
    assert lines[10] == "  three_stars (provisional) → three_stars (provisional)  1"
    assert lines[14:17] == ["", "app-0001.json: four_stars; score 82.88 → 82.18; E1 10.5 → 9.8 points",
                            "app-0002.json: three_stars; score 80.4 → 79.7; E1 10.5 → 9.8 points"]
    assert lines[17:] == CHANGED_LINES  # app-0003.json: E1 is missing under both, nothing else changes


def test_an_application_the_new_schema_refuses_changes_outcome(tmp_path, corpus):
    rules = _edited(tmp_path / "strict")
    schema = json.loads(SCHEMA.read_text("utf-8"))
    schema["properties"]["applicant"]["properties"]["site"]["maxLength"] = 12
    (rules.parent / SCHEMA.name).write_text(json.dumps(schema, ensure_ascii=False), "utf-8")  # found beside it
    _variant(corpus, "long-site.json", [(("applicant", "site"), "浙江省湖州市吴兴区织里镇工业园区")])
    result = _diff("zero-carbon-factory", rules, corpus, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "8 applications, 7 changed: grade up 0, grade down 2, outcome changed 1, score only 4" in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("long-site.json"))
    assert line.startswith("long-site.json: four_stars → invalid; score 82.18 → —; new: ")
    assert "/applicant/site" in line and "  four_stars → invalid       1" in result.output


def test_an_unreadable_application_is_listed_and_exits_2(edited, corpus):
    (corpus / "broken.json").write_bytes(b'{"ruleset": "zero-carbon-factory",')
    result = _diff("zero-carbon-factory", edited, corpus, "--lang", "en")
    assert result.exit_code == 2
    assert "8 applications, 6 changed: grade up 0, grade down 2, outcome changed 0, score only 4, " \
           "not scored by either 1" in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("broken.json"))
    assert line.startswith("broken.json: invalid; ") and "expected valid JSON" in line
    assert CHANGED_LINES[1] in result.output  # the others are still compared


def test_items_only_in_one_version_are_named_once_and_parameters_go_where_declared(tmp_path):
    rules = _edited(tmp_path / "renamed", {
        'criterion P2 "低碳产品设计"': 'criterion P3 "低碳产品设计"',
        '(reduction at the source) (weight: placeholder)": assessed':
            '(reduction at the source) (weight: placeholder)": assessed from evidence.assessments.P2',
        'let year "核算年度"': 'param surcharge "附加" en "Surcharge" default "none"\n\nlet year "核算年度"',
    })
    result = _diff("zero-carbon-factory", rules, EXAMPLES, "--lang", "en", "--param", "surcharge=some",
                   "--param", "gwp_vintage=AR5")
    lines = result.output.splitlines()
    assert lines[2:5] == ["added: criterion P3", "removed: criterion P2",
                          "parameter surcharge is only in the new ruleset; it is not passed to the other"]
    assert not any(" P2 " in line or " P3 " in line for line in lines[5:])  # never per application
    wrong = _diff("zero-carbon-factory", rules, EXAMPLES, "--param", "surcharg=some")
    assert wrong.exit_code == 2 and "has a parameter 'surcharg'" in wrong.output


def test_json_holds_the_same_data_exactly_and_is_reproducible(edited):
    first = _diff("zero-carbon-factory", edited, EXAMPLES, "--format", "json")
    assert first.exit_code == 1
    assert first.output == _diff("zero-carbon-factory", edited, EXAMPLES, "--format", "json").output
    data = json.loads(first.output, parse_float=Decimal)
    assert (data["old"]["version"], data["new"]["version"]) == ("1.0.0", "1.1.0")
    assert data["counts"] == {"applications": 7, "changed": 6, "grade_up": 0, "grade_down": 2,
                              "outcome_changed": 0, "score_only": 4, "invalid": 0, "error": 0}
    assert {"from": "four_stars", "to": "three_stars", "count": 1} in data["transitions"]
    four = next(a for a in data["applications"] if a["id"] == "four-stars")
    assert (four["change"], four["old"]["score"], four["new"]["score"]) == ("grade_down", Decimal("82.18"),
                                                                            Decimal("81.48"))
    assert four["items"] == [{"id": "E1", "points": [Decimal("10.5"), Decimal("9.8")]}]
    assert len(data["applications"]) == 6  # the unchanged one only with --all
    everything = json.loads(_diff("zero-carbon-factory", edited, EXAMPLES, "--format", "json", "--all").output)
    assert len(everything["applications"]) == 7


def test_csv_has_every_application_and_no_formulas(edited, corpus, monkeypatch):
    shutil.copy(corpus / "four-stars.json", corpus / "=HYPERLINK(1).json")
    monkeypatch.chdir(corpus)
    result = _diff("zero-carbon-factory", edited, ".", "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 8 and rows[0]["file"] == "'=HYPERLINK(1).json"
    assert rows[0]["id"] == "_HYPERLINK_1_" and rows[0]["change"] == "grade_down"
    four = next(r for r in rows if r["id"] == "four-stars")
    assert [four[c] for c in ("old_outcome", "new_outcome", "old_grade", "new_grade", "old_score", "new_score",
                              "changed_items", "error")] == ["graded", "graded", "four_stars", "three_stars",
                                                             "82.18", "81.48", "E1 10.5 → 9.8", ""]
    assert next(r for r in rows if r["id"] == "incomplete")["change"] == ""


def test_json_lines_are_read_like_batch_and_sorted_by_line_number(edited, tmp_path):
    line = json.dumps(json.loads((EXAMPLES / "four-stars.json").read_text("utf-8")), ensure_ascii=False)
    (tmp_path / "corpus.jsonl").write_text("\n".join([line] * 11) + "\n", "utf-8")
    result = _diff("zero-carbon-factory", edited, tmp_path / "corpus.jsonl", "--lang", "en")
    names = [line.split(": ")[0] for line in result.output.splitlines() if line.startswith("corpus")]
    assert names == [f"corpus.jsonl:{n}" for n in range(1, 12)]
    assert "  four_stars → three_stars  11" in result.output


def test_a_fault_in_one_application_is_listed_and_exits_3(edited, monkeypatch):
    from checker.evaluation.ruleset import Ruleset
    evaluate = Ruleset.evaluate

    def faulty(self, evidence, **options):
        if self.text("version") == "1.1.0" and evidence["applicant"]["name"].startswith("湖州绿源"):
            raise RuntimeError("boom")
        return evaluate(self, evidence, **options)

    monkeypatch.setattr(Ruleset, "evaluate", faulty)
    result = _diff("zero-carbon-factory", edited, EXAMPLES / "four-stars.json", EXAMPLES / "three-stars.json",
                   "--lang", "en")
    assert result.exit_code == 3
    assert "four-stars.json: four_stars → error; score 82.18 → —; new: RuntimeError: boom" in result.output


def test_wrong_rulesets_and_inputs_exit_2(edited, tmp_path):
    assert _diff("zero-carbon-factory", "no-such-ruleset", EXAMPLES).exit_code == 2
    assert _diff("zero-carbon-factory", edited, tmp_path / "nothing-here").exit_code == 2
    assert "Exit codes:" in _diff("--help").output


@pytest.mark.parametrize("old, new, kind", [
    (Side("graded", "four_stars"), Side("graded", "three_stars"), "grade_down"),
    (Side("not_graded"), Side("graded", "three_stars"), "grade_up"),
    (Side("incomplete", "four_stars", True), Side("incomplete", "five_stars", True), "grade_up"),
    (Side("incomplete", "four_stars", True), Side("graded", "four_stars"), "outcome_changed"),
    (Side("graded", "four_stars"), Side("ineligible"), "outcome_changed"),
    (Side("graded", "four_stars", score=Decimal("81")), Side("graded", "four_stars", score=Decimal("82")),
     "score_only"),
    (Side("graded", "seven_stars"), Side("graded", "six_stars"), "grade_down"),  # ranked as the old version did
    (Side("graded", "four_stars", score=Decimal("81")), Side("graded", "four_stars", score=Decimal("81.0")), None),
    (Side("invalid", error="x"), Side("invalid", error="x"), "invalid"),
])
def test_kinds_of_change(old, new, kind):
    new_order = ["six_stars", "five_stars", "four_stars", "three_stars"]
    assert _kind(Row("a", "a.json", "a.json", old, new), (new_order, ["seven_stars"] + new_order)) == kind
