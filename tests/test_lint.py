"""The grade-table lint: gaps (a point with no grade although a worse one is graded) and overlaps.

Each case writes a small ruleset beside a minimal evidence schema; only its `grades` table differs.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.interfaces.cli import main
from checker.tools.lint import MAX_POINTS, lint_grades
from checker.evaluation.ruleset import shipped_rulesets

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["I", "II"], "description": "Boundary type."},
        "consumption": {"type": "number", "x-unit": "MWh"},
        "renewable": {"type": "number", "x-unit": "MWh"},
        "residual": {"type": "number", "x-unit": "tCO2e"},
        "offsets": {"type": "number", "x-unit": "tCO2e"},
        "removals": {"type": "number", "x-unit": "tCO2e"},
        "certified": {"type": "boolean"},
        "assessments": {"type": "object", "properties": {"C1": {"type": "number"}}},
    },
}

HEADER = """\
ruleset lint_case {
  title "测试" en "Test"
  version "1.0.0"
  evidence "evidence.schema.json"
}
variant evidence.kind { "I" "一" en "one"  "II" "二" en "two" }
let renewable_share "可再生能源电力占比" en "Renewable share" in %
  = min(evidence.renewable / evidence.consumption, 100%)
let offset_ratio "抵消比例" en "Offset ratio" in % = evidence.offsets / evidence.residual
let removal_ratio "清除比例" en "Removal ratio" in % = evidence.removals / evidence.residual
let intensity "排放强度" en "Intensity" in tCO2e/MWh = evidence.residual / evidence.consumption
let certified "已认证" en "Certified" = evidence.certified
section S1 "评分" en "Score" max 100 {
  criterion C1 "评分" en "Score" max 100: assessed
}
"""

LITERAL = """
grades "星级" en "Stars" max 100 {
  grade six_stars "六星" en "6 stars": score == 100 and renewable_share == 100% and removal_ratio >= 100%
  grade five_stars "五星" en "5 stars": score in (90, 100) and renewable_share == 100% and offset_ratio >= 100%
  grade four_stars "四星" en "4 stars": score in (80, 90] and offset_ratio >= 80%
  grade three_stars "三星" en "3 stars": score in (70, 80] and offset_ratio >= 50%
}
"""

CUMULATIVE = """
grades "星级" en "Stars" max 100 {
  grade six_stars "六星" en "6 stars": score == 100 and renewable_share == 100% and removal_ratio >= 100%
  grade five_stars "五星" en "5 stars": score > 90 and renewable_share == 100% and offset_ratio >= 100%
  grade four_stars "四星" en "4 stars": score > 80 and offset_ratio >= 80%
  grade three_stars "三星" en "3 stars": score > 70 and offset_ratio >= 50%
}
"""

LITERAL_GAPS = [
    "no grade at score = 100, renewable_share = 100%, removal_ratio = 0%, offset_ratio = 100%, "
    "although score = 95 with the other values the same gets five_stars",
    "no grade at score = 95, renewable_share = 0%, removal_ratio = 0%, offset_ratio = 80%, "
    "although score = 90 with the other values the same gets four_stars",
    "no grade at score = 85, renewable_share = 0%, removal_ratio = 0%, offset_ratio = 50%, "
    "although score = 80 with the other values the same gets three_stars",
]


def write(folder, grades: str):
    (folder / "evidence.schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    path = folder / "case.rules"
    path.write_text(HEADER + grades, encoding="utf-8")
    return path


def grade_lines(grades: str, *ids: str) -> list[int]:
    """The line of each grade in the written ruleset, as diagnostics name it."""
    lines = (HEADER + grades).splitlines()
    return [next(n for n, line in enumerate(lines, 1) if f"grade {grade_id} " in line) for grade_id in ids]


def lint(folder, grades: str, overlaps: bool = False) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in lint_grades(load_ruleset(write(folder, grades)), overlaps=overlaps)]


# Each case: a grades table and every (code, message) the lint gives for it, in order.
CASES = {
    "literal star table": (LITERAL, [("grade-gap", message) for message in LITERAL_GAPS]),
    "cumulative star table": (CUMULATIVE, []),
    "lower is better: a band that excludes the best values": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": intensity <= 0.3 tCO2e/MWh and score > 90
  grade b "乙" en "B": intensity in (0.3 tCO2e/MWh, 500 kgCO2e/MWh]
}""", [("grade-gap", "no grade at intensity = 0 tCO2e/MWh, score = 0, although intensity = 0.4 tCO2e/MWh with "
                     "the other values the same gets b")]),
    "lower is better, bands open downwards": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": intensity <= 0.3 tCO2e/MWh and score > 90
  grade b "乙" en "B": intensity <= 0.5 tCO2e/MWh
}""", []),
    "a `not` turns a bound round": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": not (intensity > 0.3 tCO2e/MWh) and score > 90
  grade b "乙" en "B": intensity in (0.3 tCO2e/MWh, 500 kgCO2e/MWh]
}""", [("grade-gap", "no grade at intensity = 0 tCO2e/MWh, score = 0, although intensity = 0.4 tCO2e/MWh with "
                     "the other values the same gets b")]),
    "true/false lets take both values": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": certified and score > 80
  grade b "乙" en "B": score in (60, 80]
}""", [("grade-gap", "no grade at certified = false, score = 81, although score = 80 with the other values the "
                     "same gets b")]),
    "each variant on its own": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": variant == "I" and score > 80
  grade b "乙" en "B": variant == "II" and score in (60, 80]
}""", [("grade-gap", 'no grade at variant = "II", score = 81, although score = 80 with the other values the same '
                     'gets b')]),
    "a clause reading evidence is taken as holding, with a note": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": score > 90 and evidence.certified
  grade b "乙" en "B": score in (70, 90]
}""", [("grade-not-analysed", "grade a: `evidence.certified` is not a comparison with constants of the score, "
                              "the variant or a let holding a number or true/false; the grade-table analysis takes "
                              "it as holding")]),
    "arithmetic is not varied either": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": score > 80 and offset_ratio + removal_ratio >= 100%
  grade b "乙" en "B": score > 60
}""", [("grade-not-analysed", "grade a: `offset_ratio + removal_ratio >= 100%` is not a comparison with "
                              "constants of the score, the variant or a let holding a number or true/false; the "
                              "grade-table analysis takes it as holding")]),
    "a higher score never gets a lower grade": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": score >= 95
  grade b "乙" en "B": score in [80, 90)
  grade c "丙" en "C": score >= 60
}""", [("grade-inversion", "c at score = 90, although score = 85 with the other values the same gets b")]),
    "lower is better: a lower intensity never gets a lower grade": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": intensity <= 0.1 tCO2e/MWh
  grade b "乙" en "B": intensity in (0.2 tCO2e/MWh, 0.5 tCO2e/MWh]
  grade c "丙" en "C": intensity <= 0.5 tCO2e/MWh
}""", [("grade-inversion", "c at intensity = 0.2 tCO2e/MWh, although intensity = 0.35 tCO2e/MWh with the other "
                           "values the same gets b")]),
    "a higher score never loses a grade": ("""
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": score in [90, 95]
}""", [("grade-gap", "no grade at score = 96, although score = 95 with the other values the same gets a")]),
}


@pytest.mark.parametrize("name", CASES)
def test_grade_table(tmp_path, name):
    grades, expected = CASES[name]
    assert lint(tmp_path, grades) == expected


def test_overlaps_only_when_asked_one_line_per_pair(tmp_path):
    grades = """
grades "等级" en "Levels" max 100 {
  grade good "良" en "Good": score > 80 and offset_ratio >= 80%
  grade fair "中" en "Fair": score > 60
}"""
    assert lint(tmp_path, grades) == []
    assert lint(tmp_path, grades, overlaps=True) == [
        ("grade-overlap", "good and fair both hold at score = 81, offset_ratio = 80%: the first listed, good, wins")]


def test_every_grade_pair_of_the_cumulative_table_overlaps(tmp_path):
    found = lint(tmp_path, CUMULATIVE, overlaps=True)
    assert [code for code, _ in found] == ["grade-overlap"] * 6
    assert found[0][1].startswith("six_stars and five_stars both hold at score = 100, renewable_share = 100%")


def test_a_large_grid_is_sampled_and_says_so(tmp_path):
    lets = "".join(f'let x{i} "x{i}" en "x{i}" in tCO2e = evidence.offsets\n' for i in range(6))
    bounds = " and ".join(f"x{i} in [1 tCO2e, 3 tCO2e)" for i in range(6))
    grades = f"""{lets}
grades "等级" en "Levels" max 100 {{
  grade a "甲" en "A": {bounds} and score > 90
  grade b "乙" en "B": score in [50, 80]
}}"""
    first, second = lint(tmp_path, grades), lint(tmp_path, grades)
    assert first == second   # the sample is the same every time
    assert first[-1] == ("grade-sampled", f"the grade table tells 125000 combinations of values apart; "
                                          f"{MAX_POINTS} of them, evenly spread, were examined")
    gaps = [message for code, message in first if code == "grade-gap"]
    assert len(gaps) == 1 and gaps[0].endswith(", although score = 80 with the other values the same gets b")


@pytest.mark.parametrize("path", shipped_rulesets(), ids=lambda p: p.stem)
def test_shipped_rulesets_have_no_grade_gap(path):
    assert lint_grades(load_ruleset(path)) == []


def test_lint_command_prints_the_gaps_and_exits_0(tmp_path, monkeypatch):
    write(tmp_path, LITERAL)
    monkeypatch.chdir(tmp_path)   # diagnostics name files relative to the working folder
    result = CliRunner().invoke(main, ["lint", "case.rules"])
    assert result.exit_code == 0
    assert result.stdout == "case.rules: ok (4 warnings)\n"  # and one: its schema departs from the conventions
    lines = grade_lines(LITERAL, "five_stars", "four_stars", "three_stars")
    assert [line for line in result.stderr.splitlines() if "warning[grade-gap]" in line] == [
        f"case.rules:{line}:3: warning[grade-gap]: {message}" for line, message in zip(lines, LITERAL_GAPS)]
    assert "Traceback" not in result.output


def test_lint_command_counts_notes_apart_and_lists_overlaps_on_request(tmp_path, monkeypatch):
    grades = """
grades "等级" en "Levels" max 100 {
  grade a "甲" en "A": score > 90 and evidence.certified
  grade b "乙" en "B": score > 70
}"""
    write(tmp_path, grades)
    a, b = grade_lines(grades, "a", "b")
    monkeypatch.chdir(tmp_path)
    plain = CliRunner().invoke(main, ["lint", "case.rules"])
    assert (plain.exit_code, plain.stdout) == (0, "case.rules: ok (1 warning, 1 note)\n")  # the schema's
    assert f"case.rules:{a}:38: note[grade-not-analysed]: grade a: `evidence.certified` is not" in plain.stderr
    overlaps = CliRunner().invoke(main, ["lint", "case.rules", "--overlaps"])
    assert (overlaps.exit_code, overlaps.stdout) == (0, "case.rules: ok (2 warnings, 1 note)\n")
    assert (f"case.rules:{b}:3: warning[grade-overlap]: a and b both hold at score = 91: the first listed, a, wins"
            in overlaps.stderr.splitlines())


def test_lint_json_and_sarif_carry_every_diagnostic_with_its_place(tmp_path, monkeypatch):
    write(tmp_path, LITERAL)
    monkeypatch.chdir(tmp_path)
    lines = grade_lines(LITERAL, "five_stars", "four_stars", "three_stars")
    plain = CliRunner().invoke(main, ["lint", "case.rules", "--format", "json"])
    assert plain.exit_code == 0
    data = json.loads(plain.stdout)
    assert (data["errors"], data["warnings"]) == (0, 4)
    assert [(d["code"], d["file"], d["line"], d["column"]) for d in data["diagnostics"]] == [
        ("schema-convention", "case.rules", 4, 3)] + [("grade-gap", "case.rules", line, 3) for line in lines]
    sarif = json.loads(CliRunner().invoke(main, ["lint", "case.rules", "--format", "sarif"]).stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "carbon-check"
    assert run["tool"]["driver"]["rules"] == [{"id": "grade-gap"}, {"id": "schema-convention"}]
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]] == [
        ("schema-convention", "warning", "case.rules", 4)] + [("grade-gap", "warning", "case.rules", line)
                                                             for line in lines]
    assert run["results"][1]["message"]["text"].startswith(LITERAL_GAPS[0])


def test_lint_sarif_reports_a_ruleset_that_does_not_load_and_exits_2(tmp_path, monkeypatch):
    (tmp_path / "broken.rules").write_text("ruleset x {\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "broken.rules", "--format", "sarif"])
    assert result.exit_code == 2
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert results and all(r["level"] == "error" for r in results)
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.rules"
