"""The ruleset test runner: `carbon-check test` and checker.tools.cases, on a small ruleset written per test."""
from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner

from checker.tools.cases import CaseLoader, CasesError, Suite, load_cases
from checker.interfaces.cli import main

TINY_RULES = """\
ruleset tiny {
  title "小" en "Tiny"
  version "1"
  evidence "tiny.schema.json"
}
param bar "门槛" en "Bar" default 1
let share "比例" en "Share" in % = evidence.part / evidence.whole
require R1 "合规" en "Compliant": evidence.ok
section S1 "得分" en "Points" max 10 {
  criterion C1 "等级" en "Level" max 10:
    10 if evidence.level >= 2
     5 if evidence.level >= bar
     0 otherwise
}
grades "等级" en "Grade" max 10 {
  grade gold "金" en "Gold": score >= 10
  grade silver "银" en "Silver": score >= 5
}
"""
TINY_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "ok": {"type": "boolean"}, "level": {"type": "integer", "minimum": 0},
        "part": {"type": "number"}, "whole": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "a/b": {"type": "object", "properties": {"c": {"type": "string"}}},
        "day": {"type": "string"},
    },
}
BASE = "base: {ok: true, level: 2, part: 1, whole: 4}\n"
GOLD = "  - name: gold\n    expect: {outcome: graded, grade: gold, score: 10}\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "tiny.rules").write_text(TINY_RULES, encoding="utf-8")
    (tmp_path / "tiny.schema.json").write_text(json.dumps(TINY_SCHEMA), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # messages name files relative to the working folder
    return tmp_path


def write_cases(folder: Path, text: str, name: str = "tiny") -> Path:
    path = folder / f"{name}.cases.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, ["test", *map(str, args)])


# ------------------------------------------------------------------ YAML loading

@pytest.mark.parametrize("text, expected", [
    ("0.1", Decimal("0.1")),
    ("70.01", Decimal("70.01")),
    ("26_000", Decimal(26000)),
    ("-3", Decimal(-3)),
    ("1e3", Decimal("1E+3")),
    ("2.5e-2", Decimal("0.025")),
    ("2024-06-30", "2024-06-30"),   # dates stay text, as JSON evidence holds them
    ("'80'", "80"),
    ("null", None),
])
def test_yaml_scalars_load_exactly(text, expected):
    value = yaml.load(f"v: {text}", Loader=CaseLoader)["v"]
    assert value == expected and type(value) is type(expected)


def test_yaml_floats_never_appear():
    data = yaml.load("[1.10, 0.3, 1e-7]", Loader=CaseLoader)
    assert all(isinstance(v, Decimal) for v in data)
    assert str(data[0]) == "1.10"


# ------------------------------------------------------------------ passing and failing cases

def test_all_passing_exits_0_with_the_summary(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD)
    result = run("tiny.rules")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "1 passed, 0 failed"


def test_a_failing_case_prints_one_line_saying_why(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD + """\
  - name: silver expected wrongly
    set: {/level: 1}
    expect: {grade: gold}
""")
    result = run("tiny.cases.yaml")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == ("tiny.cases.yaml: case 'silver expected wrongly': expected grade gold, got silver "
                        "(score 5 — gold: `score >= 10` does not hold (score = 5))")
    assert lines[1] == "1 passed, 1 failed"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("expect, fragments", [
    ("{outcome: not_graded}", ["expected outcome not_graded, got graded", "gold is reached"]),
    ("{score: 9.99}", ["expected score 9.99, got 10", "below their maximum: no criterion"]),
    ("{statuses: {R1: fail}}", ["expected R1 fail, got pass", "`evidence.ok` holds"]),
    ("{statuses: {gold: not_met}}", ["expected gold not_met, got met"]),
    ("{points: {C1: 5}}", ["expected points C1 5, got 10", "10 of 10 points"]),
    ("{values: {share: 25.0001}}", ["expected share 25.0001, got 25", "share = 25%"]),
    ("{missing: [/ok]}", ["expected missing [/ok], got []", "not /ok"]),
    ("{provisional_grade: silver}", ["expected provisional grade silver, got none"]),
])
def test_each_kind_of_mismatch_is_explained(folder, expect, fragments):
    write_cases(folder, BASE + f"cases:\n  - name: c\n    expect: {expect}\n")
    result = run("tiny.cases.yaml")
    assert result.exit_code == 1, result.output
    line = result.stdout.splitlines()[0]
    assert line.startswith("tiny.cases.yaml: case 'c': ")
    for fragment in fragments:
        assert fragment in line


def test_every_mismatch_of_a_case_is_on_its_one_line(folder):
    write_cases(folder, BASE + "cases:\n  - name: c\n    expect: {grade: silver, score: 5, points: {C1: 5}}\n")
    lines = run("tiny.cases.yaml").stdout.splitlines()
    assert lines[0].count("expected ") == 3 and lines[1] == "0 passed, 1 failed"


@pytest.mark.parametrize("case, outcome", [
    ("set: {/ok: false}\n    expect: {outcome: ineligible, grade: null, statuses: {R1: fail}}", "passed"),
    ("set: {/ok: null}\n    expect: {outcome: incomplete, provisional_grade: gold, missing: [/ok]}", "passed"),
    ("set: {/whole: 0}\n    expect: {statuses: {share: error}, values: {share: null}}", "passed"),
    ("set: {/whole: 0}\n    expect: {values: {share: 0}}", "failed"),
    ("set: {/level: -1}\n    expect: {outcome: invalid}", "passed"),
    ("set: {/level: -1}\n    expect: {outcome: graded}", "failed"),
    ("set: {/level: 1}\n    params: {bar: 2}\n    expect: {grade: null, outcome: not_graded}", "passed"),
    ("set: {/tags: [], /tags/-: x, /a~1b/c: made}\n    expect: {grade: gold}", "passed"),
])
def test_outcomes_parameters_and_pointers(folder, case, outcome):
    path = write_cases(folder, BASE + f"cases:\n  - name: c\n    {case}\n")
    result = Suite(path).run_all()[0]
    assert result.status == outcome, result.message


def test_set_creates_objects_appends_and_deletes(folder):
    path = write_cases(folder, """\
        base: {ok: true, level: 2, tags: [a, b]}
        cases:
          - name: c
            set: {/tags/-: c, /tags/0: null, /a~1b/c: x, /level: null}
            expect: {grade: null}
        """)
    suite = Suite(path)
    assert suite.evidence(suite.case("c"), suite.ruleset) == {"ok": True, "tags": ["b", "c"], "a/b": {"c": "x"}}
    assert suite.cases.base["tags"] == ["a", "b"]   # each case changes its own copy


# ------------------------------------------------------------------ coverage

def test_coverage_names_what_no_case_reaches(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD)
    lines = run("tiny.rules").stdout.splitlines()
    assert lines[1:] == [
        "coverage of tiny.rules (1 evaluated case):",
        "  requirements never failing: R1",
        "  tiers never chosen: C1 tier 2 (5 if evidence.level >= bar), C1 tier 3 (0 otherwise)",
        "  grades never reached: silver",
    ]


def test_coverage_complete(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD + """\
  - {name: silver, set: {/level: 1}, expect: {grade: silver}}
  - {name: none, set: {/level: 0}, expect: {grade: null}}
  - {name: veto, set: {/ok: false}, expect: {outcome: ineligible}}
""")
    lines = run("tiny.rules").stdout.splitlines()
    assert lines == ["4 passed, 0 failed", "coverage of tiny.rules (4 evaluated cases): "
                                           "every requirement, criterion, tier and grade is reached"]


def test_the_shipped_zero_carbon_factory_cases_reach_everything():
    result = run("zero-carbon-factory")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith("every requirement, criterion, tier and grade is reached")


# ------------------------------------------------------------------ JUnit XML

def test_junit_xml_is_well_formed_and_counts_right(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD + """\
  - {name: "wrong <&>", set: {/level: 1}, expect: {grade: gold}}
  - {name: no file, evidence: nowhere.json, expect: {grade: gold}}
""")
    report = folder / "out" / "junit.xml"
    result = run("tiny.rules", "--junit", report)
    assert result.exit_code == 2   # a case that cannot run as written
    root = ElementTree.parse(report).getroot()
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "3", "1", "1")
    suite = root.find("testsuite")
    assert [suite.get(k) for k in ("name", "tests", "failures", "errors")] == ["tiny", "3", "1", "1"]
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["gold", "wrong <&>", "no file"]
    assert cases[0].find("failure") is None
    assert cases[1].find("failure").text in result.stdout.splitlines()
    assert "cannot run: evidence nowhere.json" in cases[2].find("error").get("message")
    assert "every requirement" not in suite.find("system-out").text
    assert list(report.parent.iterdir()) == [report]   # written atomically: no temporary file left
    first = report.read_bytes()
    run("tiny.rules", "--junit", report)
    assert report.read_bytes() == first   # no timings or timestamps: the same run gives the same bytes


def test_junit_records_a_malformed_file_as_an_error(folder):
    write_cases(folder, "cases: [\n")
    report = folder / "junit.xml"
    assert run("tiny.rules", "--junit", report).exit_code == 2
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("errors")) == ("1", "1")
    assert suite.find("testcase/error").get("message").startswith("tiny.cases.yaml:")


# ------------------------------------------------------------------ malformed files: a message, exit 2

MALFORMED = [
    ("yaml-syntax", "cases: [\n", "tiny.cases.yaml:2:1: expected the node content, but found '<stream end>'"),
    ("not-a-mapping", "- 1\n", "tiny.cases.yaml:1: the cases file should be a mapping, found a list"),
    ("no-cases", BASE, "tiny.cases.yaml:1: expected `cases:` with a list of at least one case"),
    ("unknown-top-key", BASE + "case:\n" + GOLD, "unknown top-level key 'case' (did you mean 'cases'?)"),
    ("unknown-case-key", BASE + "cases:\n  - name: a\n    expct: {grade: gold}\n",
     "tiny.cases.yaml:4: unknown case key 'expct' (did you mean 'expect'?)"),
    ("unknown-expect-key", BASE + "cases:\n  - name: a\n    expect: {grde: gold}\n",
     "tiny.cases.yaml:4: unknown expect key 'grde' (did you mean 'grade'?)"),
    ("unknown-expect-key-no-hint", BASE + "cases:\n  - name: a\n    expect: {colour: gold}\n",
     "unknown expect key 'colour'; expected one of: outcome, grade, provisional_grade, score"),
    ("empty-expect", BASE + "cases:\n  - name: a\n    expect: {}\n", "`expect:` checks nothing"),
    ("no-expect", BASE + "cases:\n  - name: a\n", "case 'a': expect should be a mapping, found nothing"),
    ("unknown-outcome", BASE + "cases:\n  - name: a\n    expect: {outcome: gradded}\n",
     "unknown outcome 'gradded' (did you mean 'graded'?)"),
    ("duplicate-key", BASE + "cases:\n  - name: a\n    expect: {grade: gold, grade: silver}\n",
     "tiny.cases.yaml:4:27: found the key 'grade' twice"),
    ("duplicate-name", BASE + "cases:\n" + GOLD + GOLD, "a second case named 'gold' (the first is at line 3)"),
    ("no-name", BASE + "cases:\n  - expect: {grade: gold}\n", "a case needs a `name:`"),
    ("no-evidence", "cases:\n" + GOLD, "case 'gold': no evidence: give `evidence:` or a file-level `base:`"),
    ("score-text", BASE + "cases:\n  - name: a\n    expect: {score: '10'}\n",
     "score should be a number or null, found the text '10'"),
    ("points-text", BASE + "cases:\n  - name: a\n    expect: {points: {C1: '5'}}\n",
     "tiny.cases.yaml:4: case 'a': points: C1 should be a number, found the text '5'"),
    ("infinite", BASE + "cases:\n  - name: a\n    expect: {score: .inf}\n", "expected a finite decimal number"),
    ("python-tag", BASE + "cases:\n  - name: a\n    expect: !!python/object:os.system {}\n",
     "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"),
    ("not-a-pointer", BASE + "cases:\n  - name: a\n    set: {level: 1}\n    expect: {grade: gold}\n",
     "'level' is not a JSON pointer"),
    ("number-key", "base: {1: x}\ncases:\n" + GOLD, "base has the key Decimal('1'); JSON keys are text"),
    ("invalid-and-more", BASE + "cases:\n  - name: a\n    expect: {outcome: invalid, grade: gold}\n",
     "with `outcome: invalid` expect nothing else"),
    ("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdef", "bcdefg")) + "base: {tags: *g}\n"
     "cases:\n" + GOLD, "tiny.cases.yaml:6:4: the aliases here expand to more than 1000000 values"),
    ("self-reference", "base: &b {a/b: *b}\ncases:\n" + GOLD, "tiny.cases.yaml:1:7: an alias here refers to itself"),
    ("not-utf8", b"cases: \xff\n", "expected UTF-8 text, found the byte 0xff at offset 7"),
    # checked against the ruleset once it loads
    ("unknown-grade", BASE + "cases:\n  - name: a\n    expect: {grade: golden}\n",
     "tiny.cases.yaml:4: case 'a': the ruleset has no grade 'golden' (did you mean 'gold'?)"),
    ("unknown-status-id", BASE + "cases:\n  - name: a\n    expect: {statuses: {R11: pass}}\n",
     "the ruleset has no requirement, criterion, grade or value 'R11' (did you mean 'R1'?)"),
    ("wrong-status-word", BASE + "cases:\n  - name: a\n    expect: {statuses: {R1: met}}\n",
     "R1 is a requirement; its status is one of pass, fail, waived, not_applicable, missing, error, not 'met'"),
    ("unknown-points-id", BASE + "cases:\n  - name: a\n    expect: {points: {R1: 1}}\n",
     "the ruleset has no criterion 'R1'"),
    ("unknown-value", BASE + "cases:\n  - name: a\n    expect: {values: {shares: 1}}\n",
     "the ruleset has no value (let) 'shares' (did you mean 'share'?)"),
    ("unknown-param", BASE + "params: {barr: 1}\ncases:\n" + GOLD,
     "tiny.cases.yaml:2: params: the ruleset has no parameter 'barr' (did you mean 'bar'?)"),
    ("unknown-ruleset", "ruleset: nothing.rules\n" + BASE + "cases:\n" + GOLD,
     "tiny.cases.yaml:1: no ruleset 'nothing.rules' beside the cases file or shipped"),
]


@pytest.mark.parametrize("text, message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_cases_file_is_a_clear_error(folder, text, message):
    path = folder / "tiny.cases.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    result = run("tiny.rules")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout.splitlines()[0] == "0 passed, 0 failed, 1 cases file not run (see the errors)"


@pytest.mark.parametrize("case, message", [
    ("evidence: nowhere.json", "evidence nowhere.json: expected an evidence file, found nothing at this path"),
    ("set: {/nothing/here: null}", "cannot run: set /nothing/here (line 4): nothing at /nothing to delete from"),
    ("set: {/levle: null}", "nothing to delete: no member 'levle' (did you mean 'level'?)"),
    ("set: {/level/x: 1}", "/level is not an object or a list"),
    ("set: {/tags: [a], /tags/3: b}", "the list at /tags has 1 item, no index 3"),
    ("set: {/tags: [a], /tags/01: b}", "'01' is not an index of the list at /tags"),
    ("set: {/tags: [a], /tags/²: b}", "'²' is not an index of the list at /tags"),
    ("set: {/a~2b: 1}", "'~' is written '~0' in a JSON pointer"),
    ("params: {bar: yes}", "cannot run: parameter 'bar' must be a number"),
])
def test_a_case_that_cannot_run_is_an_error_line(folder, case, message):
    write_cases(folder, BASE + f"cases:\n  - name: c\n    {case}\n    expect: {{grade: gold}}\n")
    result = run("tiny.rules")
    assert result.exit_code == 2, result.output
    line = result.stdout.splitlines()[0]
    assert line.startswith("tiny.cases.yaml: case 'c': cannot run: ") and message in line
    assert result.stdout.splitlines()[1] == "0 passed, 1 failed"


def test_a_ruleset_that_does_not_load_is_exit_2(folder):
    (folder / "tiny.rules").write_text(TINY_RULES.replace("evidence.ok", "evidence.okay"), encoding="utf-8")
    write_cases(folder, BASE + "cases:\n" + GOLD)
    result = run("tiny.rules")
    assert result.exit_code == 2
    assert "tiny.cases.yaml: its ruleset does not load:" in result.stderr
    assert "evidence.okay" in result.stderr and "Traceback" not in result.output


def test_load_cases_raises_cases_error_with_every_problem(folder):
    path = write_cases(folder, BASE + "cases:\n  - name: a\n    expct: {}\n  - name: b\n    expect: {grde: x}\n")
    with pytest.raises(CasesError) as info:
        load_cases(path)
    assert len(info.value.problems) == 3   # unknown key, no expect, unknown expect key
    assert all(p.startswith("tiny.cases.yaml:") for p in info.value.problems)


# ------------------------------------------------------------------ what to run

def test_targets(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD)
    (folder / "sub").mkdir()
    for target in ("tiny.rules", "tiny.cases.yaml", "."):
        result = run(target)
        assert (result.exit_code, result.stdout.splitlines()[0]) == (0, "1 passed, 0 failed"), target


@pytest.mark.parametrize("target, message", [
    ("zero-carbon-factori", "no ruleset named 'zero-carbon-factori'"),
    ("missing.cases.yaml", "missing.cases.yaml: no such cases file"),
    ("sub", "sub: no *.cases.yaml files in this folder"),
    ("lonely.rules", "lonely.rules: no cases file (expected lonely.cases.yaml)"),
])
def test_a_target_with_nothing_to_run_is_exit_2(folder, target, message):
    (folder / "sub").mkdir()
    (folder / "lonely.rules").write_text(TINY_RULES, encoding="utf-8")
    result = run(target)
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_default_runs_every_shipped_cases_file():
    result = run()
    assert "coverage of rulesets/zero-carbon-factory.rules" in result.stdout
    assert any(line.endswith(" failed") and " passed, " in line for line in result.stdout.splitlines())


# ------------------------------------------------------------------ unsetting, several paths, every error at once

def test_a_case_unsets_a_file_level_parameter_with_null(folder):
    # bar 3 makes level 2 worth 0 points at C1's second tier… unless the case unsets it (default 1: 10 points).
    write_cases(folder, BASE.replace("level: 2", "level: 1") + "params: {bar: 3}\ncases:\n"
                "  - name: file bar\n    expect: {score: 0}\n"
                "  - name: default bar\n    params: {bar: null}\n    expect: {score: 5}\n")
    result = run("tiny.rules")
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, "2 passed, 0 failed"), result.output


def test_test_takes_several_paths(folder):
    write_cases(folder, BASE + "cases:\n" + GOLD)
    other = folder / "other"
    other.mkdir()
    for name in ("tiny.rules", "tiny.schema.json"):
        (other / name).write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    write_cases(other, BASE + "cases:\n" + GOLD + GOLD.replace("name: gold", "name: gold again"))
    result = run("tiny.cases.yaml", "other", "tiny.rules")  # tiny.rules names the first file again: run once
    assert (result.exit_code, result.stdout.splitlines()[0]) == (0, "3 passed, 0 failed"), result.output


def test_several_paths_report_every_one_that_is_not_found(folder):
    result = run("nowhere.cases.yaml", "tiny.rules", "nothing.cases.yaml")
    assert result.exit_code == 2
    assert "nowhere.cases.yaml: no such cases file" in result.stderr
    assert "nothing.cases.yaml: no such cases file" in result.stderr
    assert "tiny.rules: no cases file" in result.stderr


def test_a_bad_cases_file_gives_every_error_at_once(folder):
    write_cases(folder, BASE + "cases:\n"
                "  - name: a\n    params: {barr: 1}\n    expect: {outcome: gradd}\n"
                "  - name: b\n    colour: red\n    expect: {grade: goldd}\n")
    result = run("tiny.rules")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "tiny.cases.yaml:4: case 'a': the ruleset has no parameter 'barr' (did you mean 'bar'?)",
        "tiny.cases.yaml:5: case 'a': unknown outcome 'gradd' (did you mean 'graded'?)",
        "tiny.cases.yaml:7: unknown case key 'colour'; expected one of: name, rules, evidence, set, params, validate, "
        "expect",
        "tiny.cases.yaml:8: case 'b': the ruleset has no grade 'goldd' (did you mean 'gold'?)",
    ]
    assert result.stdout.splitlines()[0] == "0 passed, 0 failed, 1 cases file not run (see the errors)"


# ------------------------------------------------------------------ rules inline, as the language suite writes them

INLINE = """\
schema:
  properties:
    a: {type: number, x-unit: MWh}
    b: {type: number}
rules: |
  let total in kWh = evidence.a + 500 kWh
  let ratio = evidence.b / (evidence.b - 2)
  require R1 "有电" en "Has energy": evidence.a > 0 MWh
cases:
  - name: given
    evidence: {a: 1.5, b: 4}
    expect:
      values: {total: 2000, ratio: 2}
      displays: {total: 2000 kWh}
      explanations: {R1: "`evidence.a > 0 MWh` holds (evidence.a = 1.5 MWh)"}
      missing: {}
      errors: []
  - name: missing
    evidence: {b: 3}
    expect:
      values: {total: {missing: [/a]}, ratio: 3}
      missing: {/a: [total, R1]}
  - name: error
    evidence: {a: 1, b: 2}
    expect:
      values: {ratio: {error: "division by zero in `evidence.b / (evidence.b - 2)`"}}
      errors: [{item: ratio, message: "division by zero in `evidence.b / (evidence.b - 2)`"}]
  - name: null as given
    validate: false
    evidence: {a: null, b: 1}
    expect: {values: {total: {missing: [/a]}}}
  - name: load error
    rules: |
      let x = evidence.a + 1 tCO2e
    expect: {diagnostics: ["error[unit]: cannot add MWh with tCO2e"]}
"""


def test_a_cases_file_may_hold_its_ruleset_and_schema_inline(folder):
    write_cases(folder, INLINE, name="inline")
    result = run("inline.cases.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "5 passed, 0 failed"
    # the case with its own rules is not counted in the coverage of the file's ruleset
    assert "coverage of inline.rules (4 evaluated cases)" in result.stdout


@pytest.mark.parametrize("old, new, message", [
    ("ratio: 2}", "ratio: 2.5}", "expected ratio 2.5, got 2"),
    ("{total: 2000 kWh}", "{total: 2000.0 kWh}", "expected total shown as '2000.0 kWh', got '2000 kWh'"),
    ("holds (evidence.a = 1.5 MWh)", "holds", "expected R1 explained as '`evidence.a > 0 MWh` holds', got "),
    ("{missing: [/a]}, ratio", "{missing: [/b]}, ratio", 'expected total {"missing": ["/b"]}, got {"missing": ["/a"]}'),
    ("{/a: [total, R1]}", "{/a: [total]}", 'expected missing {"/a": ["total"]}, got {"/a": ["total", "R1"]}'),
    ("      errors: []", "      errors: [{item: R1, message: x}]", 'expected errors [{"item": "R1", "message": "x"}], got []'),
    ("{ratio: {error: \"division", "{ratio: {error: \"a division", 'expected ratio {"error": "a division'),
    ("1 tCO2e", "1 MWh", "expected the rules not to load (error[unit]: cannot add MWh with tCO2e), but they load"),
    ("add MWh with tCO2e\"]", "add tCO2e with MWh\"]", 'got ["error[unit]: cannot add MWh with tCO2e"]'),
    ("    validate: false\n", "", "case 'null as given': expected a result, got invalid evidence (/a: expected a number"),
])
def test_each_thing_an_inline_case_expects_is_compared(folder, old, new, message):
    assert old in INLINE
    write_cases(folder, INLINE.replace(old, new, 1), name="inline")
    result = run("inline.cases.yaml")
    assert result.exit_code == 1, result.output
    assert message in result.stdout and result.stdout.splitlines()[1] == "4 passed, 1 failed"


@pytest.mark.parametrize("old, new, message", [
    ("rules: |\n  let total", "ruleset: tiny.rules\nrules: |\n  let total", "not both"),
    ("    expect: {values: {total: {missing: [/a]}}}", "    expect: {values: {total: {absent: [/a]}}}",
     "values: total should be {missing: [pointers]} or {error: reason}"),
    ("    expect: {diagnostics", "    evidence: {}\n    expect: {values: {}, diagnostics",
     "with `diagnostics:` expect nothing else"),
    ("    rules: |\n      let x", "    set: {/a: 1}\n    params: |\n      let x", "`diagnostics:` are those of the case's "
                                                                                  "own `rules:`"),
    ("validate: false", "validate: no-thanks", "validate should be true or false"),
    ("displays: {total", "displays: {totl", "the ruleset has no value (let) 'totl' (did you mean 'total'?)"),
    ("explanations: {R1", "explanations: {R2", "the ruleset has no requirement, criterion or value 'R2'"),
    ("      errors: []", "      errors: [R1]", "errors should be a list of {item: id, message: text}"),
])
def test_mistakes_in_inline_cases_are_clear_errors(folder, old, new, message):
    assert old in INLINE
    write_cases(folder, INLINE.replace(old, new, 1), name="inline")
    result = run("inline.cases.yaml")
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_schema_needs_inline_rules(folder):
    write_cases(folder, "schema: {}\n" + BASE + "cases:\n" + GOLD)
    assert "`schema:` is the evidence schema of inline `rules:`" in run("tiny.cases.yaml").stderr


def test_the_language_suite_is_ruleset_cases():
    """tests/language holds the language's conformance suite in this format, run by the pytest plugin."""
    folder = Path(__file__).parent / "language"
    files = sorted(folder.glob("*.cases.yaml"))
    assert sorted(folder.glob("*.yaml")) == files   # a file of another name would never run
    cases = [case for path in files for case in load_cases(path).cases]
    assert len(files) >= 12 and len(cases) > 200
    assert load_cases(files[0].with_name("numbers.cases.yaml")).cases[0].evidence["a"] == Decimal("0.1")


# ------------------------------------------------------------------ the pytest plugin

def test_plain_pytest_runs_a_folder_of_rulesets_and_cases(pytester):
    """A standards writer's repository: a ruleset, its schema and its cases, and nothing else."""
    pytester.makefile(".rules", tiny=TINY_RULES)
    (pytester.path / "tiny.schema.json").write_text(json.dumps(TINY_SCHEMA), encoding="utf-8")
    (pytester.path / "tiny.cases.yaml").write_text(
        "ruleset: tiny.rules\n" + BASE + "cases:\n" + GOLD
        + "  - name: wrong\n    expect: {grade: silver}\n", encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*tiny.cases.yaml: case 'wrong': expected grade silver, got gold*"])
    assert "Traceback" not in result.stdout.str()


def test_a_cases_file_that_cannot_run_fails_one_test_with_its_problems(pytester):
    pytester.makefile(".rules", tiny=TINY_RULES)
    (pytester.path / "tiny.schema.json").write_text(json.dumps(TINY_SCHEMA), encoding="utf-8")
    (pytester.path / "tiny.cases.yaml").write_text("ruleset: tiny.rules\ncases:\n  - name: x\n    expect: {grde: gold}\n",
                                                   encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*tiny.cases.yaml:4*grde*"])
