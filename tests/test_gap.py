"""The gap to a grade (checker.evaluation.gap.gap_to), the `gap` command, and the what-if of `check --set`."""
from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_evidence, load_ruleset
from checker.interfaces.cli import main
from checker.evaluation.gap import gap_to
from checker.evaluation.whatif import ChangeError, apply_changes, compare, parse_change
from checker.outputs.advice import condition_action, current, required
from checker.outputs.gaptext import render_comparison
from checker.catalogue import messages
from conftest import leaves, replaced

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "zero-carbon-factory"

# A ruleset with one grade per clause shape: interval, constant on the left, strict comparison with a
# parameter, a set, a sum over a list, a ratio whose boundary is no short decimal, a missing field.
SHAPES = """
ruleset gap_shapes {
  title "形状" en "Shapes"
  version "1"
  evidence "shapes.schema.json"
}
param floor "下限" en "Floor" in MWh default 40 MWh
let share "占比" en "Share" in % = evidence.green / evidence.total
require R1 "有说明" en "Described" waivable: present(evidence.note)
section S "S" en "S" max 10 {
  criterion C1 "C1" en "C1" max 10: scale share from 0% to 100%
}
grades "等级" en "Grade" max 10 {
  grade top "顶" en "Top": score >= 10 and share == 100%
  grade high "高" en "High": 60% <= share and evidence.green > floor and evidence.level in {"a", "b"}
  grade mid "中" en "Mid": share in [30%, 50%] and sum(evidence.items) >= 10 MWh
  grade lean "精" en "Lean": share <= 15% and present(evidence.audit)
  grade low "低" en "Low": share >= 0%
}
"""
SCHEMA = {
    "type": "object",
    "properties": {
        "green": {"type": "number", "x-unit": "MWh", "minimum": 0, "description": "Green electricity.",
                  "x-description-zh": "绿电。", "examples": [20]},
        "total": {"type": "number", "x-unit": "MWh", "minimum": 0, "description": "All electricity.",
                  "x-description-zh": "总电量。", "examples": [100]},
        "items": {"type": "array", "items": {"type": "number", "x-unit": "MWh", "minimum": 0, "examples": [1]},
                  "description": "Items.", "x-description-zh": "条目。"},
        "level": {"type": "string", "enum": ["a", "b", "c"], "description": "Level.", "examples": ["a"]},
        "note": {"type": "string", "description": "Note.", "examples": ["x"]},
        "audit": {"type": "string", "description": "Audit.", "examples": ["x"]},
        "waivers": {"type": "object", "description": "Waivers."},
    },
}
BASE = {"green": Decimal(20), "total": Decimal(100), "items": [Decimal(4)], "level": "c", "note": "n"}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shapes")
    (folder / "shapes.schema.json").write_text(json.dumps(SCHEMA), "utf-8")
    (folder / "shapes.rules").write_text(SHAPES, "utf-8")
    return load_ruleset(folder / "shapes.rules")


def _words(condition, lang="en"):
    """A condition's value now, what it requires and its advice, as the outputs put them in words (the result
    records data)."""
    t = messages(lang)
    return current(condition, t, lang), required(condition, t, lang), condition_action(condition["action"], t, lang)


def _conditions(gap):
    return [(c["condition"], c["status"], *_words(c)) for c in gap["conditions"]]


SHAPE_CASES = [
    # (evidence changes, target, params, expected target, expected conditions)
    ({}, None, {}, "lean", [
        ("share <= 15%", "not_met", "20%", "≤ 15%",
         # 20 / (100 + δ) <= 15% needs δ >= 33.33…: rounded up, so the condition holds at the amount shown
         "raise /total by at least 33.3334 MWh (to at least 133.3334 MWh): All electricity"),
        ("present(evidence.audit)", "not_met", None, "to be given", "provide /audit"),
    ]),
    ({}, "mid", {}, "mid", [
        ("share in [30%, 50%]", "not_met", "20%", "∈ [30%, 50%]",
         "raise /green by at least 10 MWh (to at least 30 MWh): Green electricity"),
        ("sum(evidence.items) >= 10 MWh", "not_met", "4 MWh", "≥ 10 MWh",
         "add an item like /items/0 to /items with value of at least 6 MWh (Items)"),
    ]),
    ({"green": Decimal(70)}, "mid", {}, "mid", [
        ("share in [30%, 50%]", "not_met", "70%", "∈ [30%, 50%]",
         "raise /total by at least 40 MWh (to at least 140 MWh): All electricity"),
        ("sum(evidence.items) >= 10 MWh", "not_met", "4 MWh", "≥ 10 MWh",
         "add an item like /items/0 to /items with value of at least 6 MWh (Items)"),
    ]),
    ({}, "high", {}, "high", [
        ("60% <= share", "not_met", "20%", "≥ 60%",
         "raise /green by at least 40 MWh (to at least 60 MWh): Green electricity"),
        ("evidence.green > floor", "not_met", "20 MWh", "> 40 MWh",
         "raise /green by more than 20 MWh (to more than 40 MWh): Green electricity"),
        ("evidence.level in {\"a\", \"b\"}", "not_met", "c", "∈ {a, b}", None),
    ]),
    ({}, "high", {"floor": "10 MWh"}, "high", [
        ("60% <= share", "not_met", "20%", "≥ 60%",
         "raise /green by at least 40 MWh (to at least 60 MWh): Green electricity"),
        ("evidence.level in {\"a\", \"b\"}", "not_met", "c", "∈ {a, b}", None),
    ]),
    ({}, "top", {}, "top", [
        ("score >= 10", "not_met", "2", "≥ 10", "needs at least 8 more points; criteria not at full marks: C1 2/10"),
        ("share == 100%", "not_met", "20%", "= 100%", "raise /green by 80 MWh (to 100 MWh): Green electricity"),
    ]),
    # Ineligible: the failed requirement first, then what the grade its conditions reach still needs (nothing).
    ({"note": None}, None, {}, "low", [
        ("R1: present(evidence.note)", "not_met", None, "to be given",
         "provide /note; or give the reason for a waiver at /waivers/R1"),
    ]),
    # Nothing but the sum is known to be missing: the clause says what to provide.
    ({"items": None}, "mid", {}, "mid", [
        ("share in [30%, 50%]", "not_met", "20%", "∈ [30%, 50%]",
         "raise /green by at least 10 MWh (to at least 30 MWh): Green electricity"),
        ("sum(evidence.items) >= 10 MWh", "missing", None, "≥ 10 MWh", "provide /items"),
    ]),
]


@pytest.mark.parametrize("changes, target, params, expected_target, expected", SHAPE_CASES)
def test_gap_of_each_clause_shape(shapes, changes, target, params, expected_target, expected):
    evidence = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    result = shapes.evaluate(evidence, params=params)
    gap = gap_to(shapes, evidence, result, shapes.parameters(params), target)
    assert gap["target"]["id"] == expected_target
    assert _conditions(gap) == expected


def test_the_gap_is_attached_to_the_result_only_on_request(shapes):
    result = shapes.evaluate(dict(BASE), gap=True)
    assert result.grade["id"] == "low"
    assert result.to_dict()["gap"]["target"]["id"] == "lean"
    default = shapes.evaluate(dict(BASE))
    assert default.gap is None and default.to_dict()["gap"] is None


def test_the_result_is_plain_data_and_the_analysis_is_kept_by_the_ruleset(shapes):
    lean = shapes.evaluate(dict(BASE), gap=False)
    assert lean.gap is None and lean.to_dict()["gap"] is None
    assert not [name for name in lean.__getstate__() if callable(getattr(lean, name))]
    assert shapes.gap_plan is shapes.gap_plan  # worked out once per loaded ruleset
    assert copy.deepcopy(shapes.evaluate(dict(BASE), gap=True)).gap["target"]["id"] == "lean"


def test_no_gap_above_the_top_grade_or_without_grades(shapes, tmp_path):
    top = shapes.evaluate({**BASE, "green": Decimal(100)}, gap=True)
    assert top.grade["id"] == "top" and top.gap is None
    (tmp_path / "shapes.schema.json").write_text(json.dumps(SCHEMA), "utf-8")
    (tmp_path / "pass.rules").write_text('ruleset pass_fail { title "通过" version "1" evidence "shapes.schema.json" }\n'
                                         'require R1 "有说明" en "Described": present(evidence.note)\n', "utf-8")
    assert load_ruleset(tmp_path / "pass.rules").evaluate(dict(BASE), gap=True).gap is None


def test_an_unknown_target_is_refused(shapes):
    result = shapes.evaluate(dict(BASE))
    with pytest.raises(ValueError, match="no grade 'summit'"):
        gap_to(shapes, BASE, result, {}, "summit")


def _apply_action(evidence: dict, pointer: str, value: Decimal) -> dict:
    return apply_changes(evidence, [parse_change(f"{pointer}={value}")])


@pytest.mark.parametrize("pointer, shown, holds, short_of", [
    # The amount an action names meets its condition, and a little less does not.
    ("/total", "33.3334", Decimal("133.3334"), Decimal("133.3333")),
    ("/green", "10", Decimal("30"), Decimal("29.99")),
])
def test_an_action_is_the_smallest_change_that_meets_the_condition(shapes, pointer, shown, holds, short_of):
    target = "lean" if pointer == "/total" else "mid"
    clause = "share <= 15%" if pointer == "/total" else "share in [30%, 50%]"
    gap = gap_to(shapes, BASE, shapes.evaluate(dict(BASE)), {}, target)
    assert f"by at least {shown} MWh" in _words(gap["conditions"][0])[2]

    def status(value):
        grade = next(g for g in shapes.evaluate(_apply_action(BASE, pointer, value)).grades if g.id == target)
        return next(c.status for c in grade.conditions if c.id == clause)
    assert status(holds) == "met"
    assert status(short_of) == "not_met"


# The shipped ruleset: the figures of the examples, worked out by hand in the comments.
EXAMPLE_CASES = [
    ("four-stars", "five_stars", [
        ("score > 90", "82.18", "> 90", "needs more than 7.82 more points; criteria not at full marks: E1 10.5/15"),
        # renewable 7,000 of 10,000 MWh: 3,000 MWh more of any renewable source
        ("renewable_share == 100%", "70%", "= 100%",
         "raise /electricity/renewable_self_generated by 3,000 MWh (to 5,000 MWh)"),
        # residual 1,214 + 3,000 MWh × 0.5366 = 2,823.8 tCO2e; offsets 2,300 tCO2e; 523.8 more, or
        # 523.8 / 0.5366 = 976.146… MWh more green power (rounded up)
        ("offset_ratio >= 100%", "81.5%", "≥ 100%",
         "add an item like /offsets/credits/0 to /offsets/credits with quantity of at least 523.8 tCO2e"),
    ]),
    ("three-stars", "four_stars", [
        ("score > 80", "78.4", "> 80", "needs more than 1.6 more points"),
        ("offset_ratio >= 80%", "63.7%", "≥ 80%",
         "add an item like /offsets/credits/0 to /offsets/credits with quantity of at least 459.04 tCO2e"),
    ]),
    ("five-stars", "six_stars", [
        ("score == 100", "93.87", "= 100", "needs 6.13 more points; criteria not at full marks: G1 14/15"),
        ("removal_ratio >= 100%", "17.3%", "≥ 100%",
         "add an item like /offsets/removals/0 to /offsets/removals with quantity of at least 1,500 tCO2e"),
    ]),
    ("incomplete", "three_stars", [
        ("score > 70", "62.68", "> 70", "E1 0/15 (missing /electricity/consumption)"),
    ]),
    ("ineligible", "four_stars", [
        ('R3: evidence.compliance.green_factory in {"national", "provincial"}', "none",
         "∈ {national, provincial}", None),
    ]),
]


@pytest.mark.parametrize("name, target, expected", EXAMPLE_CASES)
def test_gap_of_the_examples(name, target, expected):
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, raw = load_evidence(EXAMPLES / f"{name}.json")
    gap = ruleset.evaluate(evidence, evidence_bytes=raw, gap=True).gap
    assert gap["target"]["id"] == target
    assert len(gap["conditions"]) == len(expected)
    for condition, (text, shown, needed, action) in zip(gap["conditions"], expected):
        words = _words(condition)
        assert (condition["condition"], words[0], words[1]) == (text, shown, needed)
        if action is None:
            assert condition["action"] is None
        else:
            assert action in words[2]
            assert _words(condition, "zh")[2]


def test_the_offset_action_reaches_five_stars_with_the_other_conditions():
    """Adding the credits the gap names, and the renewable electricity, gives 5 stars if the points are there."""
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(EXAMPLES / "four-stars.json")
    changed = apply_changes(evidence, [
        parse_change('/offsets/credits/-={"standard": "CCER", "serial": "S", "quantity": 523.8, "retired": true}'),
        parse_change("/electricity/renewable_self_generated=5000"),
    ])
    five = next(g for g in ruleset.evaluate(changed).grades if g.id == "five_stars")
    assert [(c.id, c.status) for c in five.conditions] == [
        ("score > 90", "not_met"), ("renewable_share == 100%", "met"), ("offset_ratio >= 100%", "met")]
    short = apply_changes(changed, [parse_change("/offsets/credits/1/quantity=523.7")])
    five = next(g for g in ruleset.evaluate(short).grades if g.id == "five_stars")
    assert five.conditions[2].status == "not_met"


def test_gap_is_deterministic():
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, raw = load_evidence(EXAMPLES / "four-stars.json")
    first = ruleset.evaluate(evidence, evidence_bytes=raw, date="2026-11-25", gap=True).to_json()
    assert ruleset.evaluate(evidence, evidence_bytes=raw, date="2026-11-25", gap=True).to_json() == first
    assert "float" not in {type(v).__name__ for _, v in leaves(json.loads(first, parse_float=Decimal)["gap"])}


# --------------------------------------------------------------------------------------- the CLI

def _run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("args, code, shown", [
    (["four-stars.json", "--lang", "en"], 0, "target: 5 stars (five_stars)"),
    (["four-stars.json", "--lang", "en", "--target", "six_stars"], 0, "removal_ratio >= 100%"),
    (["four-stars.json", "--lang", "en", "--target", "three_stars"], 0, "every condition of 3 stars holds"),
    (["six-stars.json", "--lang", "en"], 1, "nothing ranks above 6 stars"),
    (["four-stars.json", "--target", "seven_stars"], 2, "no grade 'seven_stars'"),
    (["four-stars.json", "--lang", "zh"], 0, "目标等级: 五星 (five_stars)"),
])
def test_gap_command(args, code, shown):
    result = _run("gap", str(EXAMPLES / args[0]), *args[1:])
    assert result.exit_code == code, result.output
    assert shown in result.output


OUTCOME_IDS = r"\b(graded|not_graded|ineligible|incomplete|passed)\b"
CJK = r"[\u3000-\u9fff\uff00-\uffef]"


def _descriptions(node):
    """The schema's English descriptions: actions quote them, and some name a Chinese term."""
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            yield node["description"].rstrip(".。")
        for value in node.values():
            yield from _descriptions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _descriptions(value)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_gap_command_speaks_one_language(example):
    chinese = _run("gap", str(EXAMPLES / example), "--lang", "zh")
    english = _run("gap", str(EXAMPLES / example), "--lang", "en")
    assert chinese.exit_code in (0, 1) and english.exit_code in (0, 1)
    assert chinese.output.startswith("结果: ") and not re.findall(OUTCOME_IDS, chinese.output)
    for text in messages("en")["gap"].values():
        assert " " not in text.strip() or text.split("{")[0].strip() not in chinese.output, text
    data = english.output
    for description in sorted(_descriptions(load_ruleset("zero-carbon-factory").schema), key=len, reverse=True):
        data = data.replace(description, "")
    assert english.output.startswith("outcome: ") and not re.findall(CJK, data)


def test_what_if_speaks_one_language():
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(EXAMPLES / "four-stars.json")
    changes = ["/electricity/consumption=null", "/offsets/credits/0/retired=false"]
    before = ruleset.evaluate(evidence)
    diff = compare(before, ruleset.evaluate(apply_changes(evidence, [parse_change(c) for c in changes])))
    chinese, english = (render_comparison(diff, changes, lang) for lang in ("zh", "en"))
    assert "  结果     已定级 → 证据不完整\n" in chinese and "  指标        O1: 8.15 → 1.06 分\n" in chinese
    assert "70% → 缺失（/electricity/consumption）" in chinese
    assert not re.findall(OUTCOME_IDS + r"|partly_met|not_met|\bmissing\b|points", chinese)
    assert "  outcome  Graded → Incomplete\n" in english and "E1: partly met → missing; 10.5 → 0 points" in english
    assert not re.findall(CJK, english)


def test_gap_command_json():
    result = _run("gap", str(EXAMPLES / "three-stars.json"), "--format", "json")
    data = json.loads(result.output, parse_float=Decimal)
    assert result.exit_code == 0
    assert data["grade"]["id"] == "three_stars" and data["gap"]["target"]["id"] == "four_stars"
    assert data["score"] == Decimal("78.4")


def test_gap_command_refuses_invalid_evidence(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"ruleset": "zero-carbon-factory", "boundary": {"type": "III"}}', "utf-8")
    assert _run("gap", str(bad)).exit_code == 2


# ---------------------------------------------------------------------------------------- what-if

@pytest.mark.parametrize("text, path, value", [
    ("/a/b=1.50", ("a", "b"), Decimal("1.50")),
    ("/a=\"x=y\"", ("a",), "x=y"),
    ("/a~1b/c~0d=true", ("a/b", "c~d"), True),
    ("/list/-={\"q\": 2}", ("list", "-"), {"q": Decimal(2)}),
])
def test_parse_change(text, path, value):
    assert parse_change(text) == (path, value)


def test_parse_change_null_deletes():
    path, value = parse_change("/a=null")
    assert path == ("a",) and value is not None and apply_changes({"a": 1, "b": 2}, [(path, value)]) == {"b": 2}


@pytest.mark.parametrize("text, message", [
    ("a=1", "expected /POINTER=VALUE"),
    ("/a", "expected /POINTER=VALUE"),
    ("/a=abc", "is not JSON"),
    ("/a=NaN", "expected a finite number"),
    ("/a=1e999999999999", "exponent between -100 and 100"),
    ("/a=1, \"value\": 2", "is not JSON"),
    ("/x=1, \"y\": 2", "is not JSON"),  # never silently 1
    ("/x=1, 2", "must be one JSON value"),
    ("/x=1], \"y\": [2", "must be one JSON value"),
    ("/x=", "must be one JSON value"),
])
def test_parse_change_refuses(text, message):
    with pytest.raises(ChangeError, match=message):
        parse_change(text)


@pytest.mark.parametrize("changes, expected", [
    (["/x/y=5"], {"x": {"y": Decimal(5)}, "l": [Decimal(1), Decimal(2)]}),
    (["/l/1=7"], {"l": [Decimal(1), Decimal(7)]}),
    (["/l/-=3"], {"l": [Decimal(1), Decimal(2), Decimal(3)]}),
    (["/l/2=3"], {"l": [Decimal(1), Decimal(2), Decimal(3)]}),  # the length appends, as JSON Patch's add
    (["/l/0=null"], {"l": [Decimal(2)]}),
    (["/l=null", "/n=\"t\""], {"n": "t"}),
])
def test_apply_changes_leaves_the_original_alone(changes, expected):
    original = {"l": [Decimal(1), Decimal(2)]}
    assert apply_changes(original, [parse_change(c) for c in changes]) == expected
    assert original == {"l": [Decimal(1), Decimal(2)]}


@pytest.mark.parametrize("change, message", [
    ("/l/3=1", "/l/3: the list at /l has 2 items, no index 3"),
    ("/l/2/q=1", "/l/2/q: the list at /l has 2 items, no index 2"),
    ("/l/x=1", "'x' is not an index of the list at /l"),
    ("/l/²=1", "'²' is not an index of the list at /l"),  # a digit to str.isdigit, never a raw int() error
    ("/l/0/q=1", "/l/0 is not an object or a list"),
    ("/m/q=null", "nothing at /m to delete from"),
])
def test_apply_changes_refuses(change, message):
    with pytest.raises(ChangeError, match=message):
        apply_changes({"l": [Decimal(1), Decimal(2)]}, [parse_change(change)])


def test_compare_names_what_changed():
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(EXAMPLES / "four-stars.json")
    before = ruleset.evaluate(evidence)
    after = ruleset.evaluate(apply_changes(evidence, [parse_change("/offsets/credits/0/retired=false")]))
    diff = compare(before, after)
    assert diff["outcome"] == ["graded", "not_graded"]
    assert diff["score"] == [Decimal("82.18"), Decimal("75.09")]
    assert diff["criteria"] == [{"id": "O1", "points": [Decimal("8.15"), Decimal("1.06")]}]
    assert [g["id"] for g in diff["grades"]] == ["four_stars", "three_stars"]
    assert {v["id"] for v in diff["values"]} == {"credits_retired", "offset_ratio", "offset_ratio_categories_1_2"}
    assert compare(before, before)["criteria"] == []


@pytest.mark.parametrize("sets, code, shown", [
    (["/electricity/renewable_self_generated=5000"], 0, "score    82.18 → 86.68"),
    (["/offsets/credits/0/retired=false"], 1, "outcome  Graded → Not graded"),
    (["/electricity/consumption=null"], 1, "grade    4 stars → 3 stars (provisional)"),
    (["/applicant/name=\"x\""], 0, "nothing else changed"),
])
def test_check_set(sets, code, shown):
    args = ["check", str(EXAMPLES / "four-stars.json"), "--lang", "en"]
    for change in sets:
        args += ["--set", change]
    result = _run(*args)
    assert result.exit_code == code, result.output
    assert shown in result.output


@pytest.mark.parametrize("change", ["/offsets/credits/0/quantity=-5", "/offsets/credits/9/quantity=1", "/x=abc"])
def test_check_set_refuses_invalid_changes(change):
    result = _run("check", str(EXAMPLES / "four-stars.json"), "--set", change)
    assert result.exit_code == 2


def test_check_set_keeps_json_output_a_result():
    result = CliRunner().invoke(main, ["check", str(EXAMPLES / "four-stars.json"), "--format", "json",
                                  "--set", "/electricity/renewable_self_generated=5000"])
    assert json.loads(result.stdout)["score"] == 86.68
    assert "假设变更: /electricity/renewable_self_generated=5000" in result.stderr  # in the default language


# ------------------------------------------------------------------- probes work out only what changes

def _gap_examples():
    """(ruleset id, example) for every example evaluated with its folder's parameter file."""
    root = EXAMPLES.parent
    return [(folder.name, path) for folder in sorted(root.iterdir())
            if (root.parent / "rulesets" / f"{folder.name}.rules").is_file() for path in sorted(folder.glob("*.json"))]


def _halved(evidence):
    """The evidence with one number halved, for every number in it in turn."""
    for path, value in leaves(evidence):
        if isinstance(value, Decimal):
            yield replaced(evidence, path, value / 2)


@pytest.mark.parametrize("ruleset_id,example", _gap_examples(), ids=lambda v: getattr(v, "name", v))
def test_probes_reuse_what_the_moved_input_does_not_feed(ruleset_id, example, monkeypatch):
    """A probe, and each evaluation again of the advice and its plan, works out only the lets the changed input
    feeds (Plan.feeds) and takes the others as they were: the gap is the same as when every let is worked out
    again, on every example and, for the factory, on each example with every number halved in turn. The ruleset
    is in steady use: probes and outlooks run the generated code deciding only what is fed (Plan.probing,
    Plan.partial), compared here with the closures working out everything."""
    from checker.evaluation.gap import Plan
    from checker.interfaces.cli.common import params_file
    from checker.evaluation import levers
    monkeypatch.setattr(levers, "GENERATE_AFTER", 0)  # the generated code made at once
    ruleset = load_ruleset(ruleset_id)
    while ruleset.program.generate_later is not None:
        ruleset.program.used()
    params_path = example.parent / "params.yaml"
    params = ruleset.parameters(params_file(params_path)[0]) if params_path.exists() else {}
    evidence, _ = load_evidence(example)
    documents = [evidence, *(_halved(evidence) if ruleset_id == "zero-carbon-factory" else [])]
    results = [ruleset.evaluate(d, params=params, gap=False, validated=True) for d in documents]
    asked, direct = [], []
    probing = Plan.probing

    def recorded(*args):
        found = probing(*args)
        direct.append(found[2])  # whether the code takes the moved value as its argument
        return found
    monkeypatch.setattr(Plan, "probing", recorded)
    incremental = [gap_to(ruleset, d, r, params) for d, r in zip(documents, results)]
    monkeypatch.setattr(Plan, "feeds", lambda self, pointer: asked.append(pointer))  # None: everything again
    assert [gap_to(ruleset, d, r, params) for d, r in zip(documents, results)] == incremental
    if ruleset_id == "zero-carbon-factory" and example.stem == "four-stars":
        assert asked  # the comparison above did work out changes
        assert True in direct and False not in direct  # ... by code taking the moved value as its argument
        assert incremental[0]["actions"] and incremental[0]["plan"]  # ... for the actions and the plan too


def test_clauses_of_the_same_let_share_their_probe_values(monkeypatch):
    """The values at the probe steps of one move are worked out once for every clause whose subject is the same
    let (`_Analysis.steps`): the factory's gap, on each example and each one with a number halved, is the same as
    when every clause probes on its own, and some clauses did share."""
    from checker.evaluation import gap as gap_module
    ruleset = load_ruleset("zero-carbon-factory")
    documents = [d for example in sorted(EXAMPLES.glob("*.json")) for d in (load_evidence(example)[0],)
                 for d in (d, *_halved(d))]
    results = [ruleset.evaluate(d, gap=False, validated=True) for d in documents]
    asked, probed, kept = set(), [], []
    steps, probe = gap_module._Analysis.steps, gap_module._Analysis.probe

    def recorded(self, clause, move):
        kept.append((self, move))  # their ids stay theirs
        asked.add((id(self), id(move), id(clause)))
        return steps(self, clause, move)

    def counted(self, clause, move):
        probed.append(clause)
        return probe(self, clause, move)
    monkeypatch.setattr(gap_module._Analysis, "steps", recorded)
    monkeypatch.setattr(gap_module._Analysis, "probe", counted)
    shared = [gap_to(ruleset, d, r) for d, r in zip(documents, results)]
    assert len(probed) < len(asked)  # some clauses of one let took another's probe of the same move
    alone = (lambda self, clause, move: [self.probe(clause, move), None, None])  # each clause probing on its own
    monkeypatch.setattr(gap_module._Analysis, "steps", alone)
    assert [gap_to(ruleset, d, r) for d, r in zip(documents, results)] == shared


def _changed_leaves(evidence):
    """(path, evidence changed there) for every leaf: a number halved, a boolean flipped, anything removed."""
    for path, value in leaves(evidence):
        if isinstance(value, Decimal):
            yield path, replaced(evidence, path, value / 2)
        elif isinstance(value, bool):
            yield path, replaced(evidence, path, not value)
        yield path, replaced(evidence, path, KeyError)


@pytest.mark.parametrize("ruleset_id,example", _gap_examples(), ids=lambda v: getattr(v, "name", v))
def test_the_outlook_decides_as_the_whole_evaluation_does(ruleset_id, example, monkeypatch):
    """The advice reads only an outlook of each changed evidence (evaluate.outlook: no Result, grades below the
    one reached not looked at, what the change does not feed taken from before): its score, outcome, grade,
    requirement statuses and the target's clause statuses are the whole evaluation's, for every grade as the
    target, on every example and each example changed at one leaf; so are those of the generated code deciding
    only what the change feeds (Known.partial, made once the ruleset is in steady use) and of the closures."""
    from checker.evaluation import levers
    from checker.evaluation.evaluate import Known, evaluate, let_values, outlook
    from checker.interfaces.cli.common import params_file
    monkeypatch.setattr(levers, "GENERATE_AFTER", 0)  # the generated code made at once
    ruleset = load_ruleset(ruleset_id)
    program = ruleset.program
    if not program.grades:
        return
    while program.generate_later is not None:  # in steady use: the outlook's generated code is made
        program.used()
    params_path = example.parent / "params.yaml"
    params = ruleset.parameters(params_file(params_path)[0]) if params_path.exists() else {}
    evidence, _ = load_evidence(example)
    before = ruleset.evaluate(evidence, params=params, validated=True)
    values = let_values(program, before)
    provenance = {"ruleset": before.ruleset, "evidence": before.evidence, "tool": before.tool}
    documents = [((), evidence), *_changed_leaves(evidence)]
    for path, document in documents:
        whole = evaluate(program, document, params=params, provenance=provenance)
        reached = next((at for at, g in enumerate(whole.grades) if g.status == "met"), None)
        known = ruleset.gap_plan.known(before, values, ruleset.gap_plan.fed([path])) if path else None
        ways = [known]
        if known is not None:
            assert known.partial is not None
            # the closures, for what is not kept
            ways.append(Known(known.before, known.values, known.items, None, known.lets))
        for number, grade in enumerate(whole.grades):
            for way in ways:
                seen = outlook(program, document, params=params, known=way, grade=number)
                assert (seen.score, seen.outcome, seen.grade, seen.provisional_grade) == (
                    whole.score, whole.outcome, whole.grade, whole.provisional_grade), (path, number)
                assert seen.rank == reached and seen.requirements == [r.status for r in whole.requirements]
                assert seen.clauses == [c.status for c in grade.conditions], (path, number)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_a_search_set_ruled_out_by_what_it_can_score_never_reaches_the_target(example, monkeypatch):
    """The search skips a set of changes when the criteria its changes feed cannot score enough together
    (Advisor.beyond_reach: each criterion fed by one change scores as with that change alone, one fed by two
    or more at most its maximum). On each factory example and each with every number halved in turn, for
    every set the search looks at, evaluated whole on the changed evidence: the bound is at least the score,
    and is the score when no criterion is fed by two of its changes; a set skipped reaches no grade up to the
    target; and the gap is the same as when every set is evaluated."""
    from checker.evaluation import advice
    from checker.evaluation.evaluate import evaluate
    ruleset = load_ruleset("zero-carbon-factory")
    program = ruleset.program
    evidence, _ = load_evidence(example)
    documents = [evidence, *_halved(evidence)]
    results = [ruleset.evaluate(d, gap=False, validated=True) for d in documents]
    skipped, exact = [], []
    ruled_out = advice.Advisor.beyond_reach

    def checked(self, actions):
        changed = self.analysis.evidence
        for action in actions:
            changed = action["edits"][0].apply(changed)
        whole = evaluate(program, changed, provenance={"ruleset": {}, "tool": {}})
        bound = self.score_bound(actions)
        assert bound >= whole.score, [a["edits"] for a in actions]
        fed = [self.analysis.plan.feeds(a["edits"][0].path)[1] for a in actions]
        if not any(a & b for at, a in enumerate(fed) for b in fed[:at]):
            assert bound == whole.score  # exact when no criterion is fed by two of the changes
            exact.append(actions)
        if not ruled_out(self, actions):
            return False
        assert all(g.status != "met" for g in whole.grades[:self.target + 1]), [a["edits"] for a in actions]
        skipped.append(actions)
        return True
    monkeypatch.setattr(advice.Advisor, "beyond_reach", checked)
    gaps = [gap_to(ruleset, d, r, {}) for d, r in zip(documents, results)]
    monkeypatch.setattr(advice.Advisor, "beyond_reach", lambda self, actions: False)
    assert [gap_to(ruleset, d, r, {}) for d, r in zip(documents, results)] == gaps
    if example.stem in ("three-stars", "four-stars", "not-graded", "incomplete"):
        assert skipped  # sets were ruled out here
    if example.stem in ("three-stars", "four-stars", "not-graded"):
        assert exact  # ... and some bounds were the score


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_an_analysis_wanting_the_changes_at_one_input_offers_those_of_the_whole_analysis(example, monkeypatch):
    """The plan's tightening asks the analysis of the evidence with its other changes made only for changes of
    its last change's kind at its input (gap._Analysis.levers: the other levers are left out unless the
    MAX_ACTIONS cut-off or the choice of increases over decreases needs them). On each factory example and each
    with every number halved in turn, for every (input, kind) the whole analysis offers a change at, the
    analysis wanting it offers the same changes there, in the same order."""
    from checker.evaluation import advice
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(example)
    analyses = []
    made = advice.Advisor.__init__

    def kept(self, analysis, target, offered, *given):
        made(self, analysis, target, offered, *given)
        analyses.append((analysis.evidence, analysis.result, offered))
    monkeypatch.setattr(advice.Advisor, "__init__", kept)
    for document in [evidence, *_halved(evidence)]:
        gap_to(ruleset, document, ruleset.evaluate(document, gap=False, validated=True), {})
    kinds = set()
    for document, result, offered in analyses:
        whole = offered(document, result, None)
        for wanted in dict.fromkeys((e.path, e.kind) for e in whole):
            def there(edits):
                return [(e.key, e.amount) for e in edits if (e.path, e.kind) == wanted]
            assert there(offered(document, result, wanted)) == there(whole), wanted
            kinds.add(wanted[1])
    assert kinds == ({"add", "raise"} if example.stem in ("ineligible", "six-stars") else {"add", "raise", "lower"})


def test_the_gaps_generated_code_is_made_only_for_changes_tried_often():
    """Compiling costs more than a few outlooks save: a fed set's code is made at its 2 × GENERATE_AFTER-th use
    (a probe's at PROBE_AFTER ×), once the ruleset is in steady use; the closures work it out until then."""
    from checker.evaluation import levers
    ruleset = load_ruleset("zero-carbon-factory")
    while ruleset.program.generate_later is not None:
        ruleset.program.used()
    plan = levers.Plan(ruleset.program)
    fed = plan.feeds(("electricity", "consumption"))
    made = [plan.partial(fed) for _ in range(2 * levers.GENERATE_AFTER)]
    assert made[:-1] == [None] * (len(made) - 1) and callable(made[-1]) and plan.partial(fed) is made[-1]
    clause = plan.clause(ruleset.program.grades[0].clauses[1].node)
    probes = [plan.probing(clause, fed[0], ("electricity", "consumption"))[0]
              for _ in range(levers.PROBE_AFTER * levers.GENERATE_AFTER)]
    assert probes[:-1] == [None] * (len(probes) - 1) and callable(probes[-1])


_DOCUMENT = {"a": {"b": Decimal(1), "list": [{"q": Decimal(2)}, {"q": Decimal(3)}], "n": None}, "top": Decimal(4)}


@pytest.mark.parametrize("path", [("top",), ("new",), ("a", "b"), ("a", "c"), ("a", "list"), ("a", "list", 1, "q"),
                                  ("a", "list", 0, "new"), ("a", "list", 2, "q"), ("a", "list", "1", "q"),
                                  ("a", "n", "x"), ("missing", "x"), ("a", "b", "x"), ("a", "list", 1)],
                         ids=lambda p: "/".join(map(str, p)))
@pytest.mark.parametrize("kind", ["raise", "add"])
def test_an_edit_made_on_a_copy_of_the_containers_on_its_way_is_the_patched_document(path, kind):
    """The gap's edits and probes copy only the containers on their way (advice.copied_to) where all are there,
    else `pointer.patched` makes them: the same document either way, the original left as it was."""
    from checker.evaluation.advice import Edit, copied_to
    from checker.pointer import PointerError, get, patched
    original = copy.deepcopy(_DOCUMENT)
    edit = Edit(path, kind, None, Decimal(9), Decimal(9), None)
    items = get(_DOCUMENT, path)
    expected_value = [*(items if isinstance(items, list) else []), Decimal(9)] if kind == "add" else Decimal(9)
    try:
        expected = patched(_DOCUMENT, path, expected_value)
    except PointerError:
        expected = PointerError
    try:
        made = edit.apply(_DOCUMENT)
    except PointerError:
        made = PointerError
    assert made == expected and _DOCUMENT == original
    found = copied_to(_DOCUMENT, path)
    assert (found is not None) == (path in {("top",), ("new",), ("a", "b"), ("a", "c"), ("a", "list"),
                                            ("a", "list", 1, "q"), ("a", "list", 0, "new"), ("a", "list", 1)})


# ------------------------------------------------------------------------------ advice as a plan

def _gap(name):
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, raw = load_evidence(EXAMPLES / f"{name}.json")
    return ruleset.evaluate(evidence, evidence_bytes=raw, gap=True).gap


def _changed(change):
    return (change["pointer"], change["to"] if not isinstance(change["to"], dict) else change["to"]["quantity"])


def test_an_action_shows_all_its_effects_at_once():
    """3,000 MWh of green power meets both electricity conditions and earns 7.06 points: one action, not three."""
    first = _gap("four-stars")["actions"][0]
    assert [_changed(c) for c in first["changes"]] == [("/electricity/green_power_trading", Decimal(6000))]
    assert first["changes"][0]["from"] == 3000 and first["changes"][0]["amount"] == 3000
    assert [f["condition"] for f in first["fixes"]] == ["renewable_share == 100%", "offset_ratio >= 100%"]
    # named by the items' labels, in both languages, with what each requires as data
    assert [f["label"] for f in first["fixes"]] == [
        {"zh": "可再生能源电力占比", "en": "Renewable electricity share"},
        {"zh": "剩余排放抵消比例", "en": "Offset ratio of residual emissions"}]
    assert [(f["required"], f["unit"]) for f in first["fixes"]] == [
        ({"op": "==", "values": [100]}, "%"), ({"op": ">=", "values": [100]}, "%")]
    assert first["breaks"] == []
    assert (first["points"], first["score"], first["grade"]["id"]) == (Decimal("7.06"), Decimal("89.24"), "four_stars")


@pytest.mark.parametrize("name", ["four-stars", "three-stars", "five-stars", "not-graded"])
def test_actions_are_ranked_fewest_changes_then_target_then_most_points(name):
    actions = _gap(name)["actions"]
    assert actions, name
    keys = [(len(a["changes"]), a["grade"] is None or a["grade"]["id"] != _gap(name)["target"]["id"],
             -a["points"], -len(a["fixes"])) for a in actions]
    assert keys == sorted(keys)
    assert all(a["fixes"] or a["points"] > 0 for a in actions)  # nothing offered that does nothing


def test_the_plan_reaches_the_next_grade_and_check_set_confirms_it():
    """The plan's changes, made with `check --set` on the original evidence, give the grade the plan names."""
    plan = _gap("four-stars")["plan"]
    assert plan["grade"]["id"] == "five_stars" and plan["score"] == Decimal("90.01")  # `score > 90`: one cent past
    assert [c["kind"] for c in plan["changes"]] == ["raise", "add"]
    args = ["check", str(EXAMPLES / "four-stars.json"), "--format", "json"]
    for change in plan["changes"]:
        args += ["--set", f"{change['pointer']}={_json(change['to'])}"]
    result = CliRunner().invoke(main, args)
    assert json.loads(result.stdout)["grade"]["id"] == "five_stars", result.output
    # points are kept to the cent, so the boundary is not sharp at the third decimal; well short of it fails
    one_short = args[:-1] + [args[-1].replace('"quantity": 188.028', '"quantity": 150')]
    assert '"quantity": 188.028' in args[-1]
    assert json.loads(CliRunner().invoke(main, one_short).stdout)["grade"]["id"] == "four_stars"


def _json(value):
    from checker.evaluation.result import dumps
    return dumps(value).strip()


def test_no_plan_when_the_missing_points_are_assessed():
    """Six stars needs 100 points; G1 and G2 are the auditor's: no change to evidence numbers gets there."""
    gap = _gap("five-stars")
    assert gap["plan"] is None
    assert [([f["condition"] for f in a["fixes"]], a["grade"]["id"]) for a in gap["actions"]] == [
        (["removal_ratio >= 100%"], "five_stars")]


def test_gap_text_shows_the_plan_with_the_report_number_formatter():
    english = _run("gap", str(EXAMPLES / "four-stars.json"), "--lang", "en").output
    assert "1. raise /electricity/green_power_trading by 3,000 MWh (to 6,000 MWh)" in english
    assert "→ meets Renewable electricity share = 100%, Offset ratio of residual emissions ≥ 100%; gains +7.06 " \
           "points; result: Graded: 4 stars, score 89.24" in english
    assert "Plan reaching 5 stars in the fewest changes (2; searched among sets of up to 4 of the 6 best actions), " \
           "all evaluated again together: 5 stars, score 90.01" in english
    assert "✗ Offset ratio of residual emissions ≥ 100%   [current 81.5%]   ‹offset_ratio >= 100%›" in english
    assert "quantity of 188.028 tCO2e" in english  # advice amounts keep every digit: rounded down they would fail
    chinese = _run("gap", str(EXAMPLES / "four-stars.json"), "--lang", "zh").output
    assert "→ 满足 可再生能源电力占比 = 100%、剩余排放抵消比例 ≥ 100%；得分 +7.06" in chinese
    assert "以最少变更（2 项）达到五星的组合方案（在前 6 项措施中搜索至多 4 项的组合；" in chinese
    chinese = _run("gap", str(EXAMPLES / "five-stars.json"), "--lang", "zh").output
    assert "未找到达到六星的组合方案" in chinese and "得分 93.87 / 100" in chinese


def test_the_plan_has_the_fewest_changes_and_is_as_small_as_the_others_leave():
    """No single action reaches 5 stars, so two changes are the fewest; the removal each action sized alone
    (523.8 or 2,523.8 tCO2e) becomes 188.028 once 3,000 MWh of green power has lowered the residual emissions."""
    gap = _gap("four-stars")
    assert all(a["grade"]["id"] == "four_stars" for a in gap["actions"])
    assert len(gap["plan"]["changes"]) == 2 and gap["plan"]["search"] == {"actions": 6, "changes": 4}
    assert sorted(a["changes"][0]["amount"] for a in gap["actions"] if a["changes"][0]["kind"] == "add"
                  and "removals" in a["changes"][0]["pointer"]) == [Decimal("523.8"), Decimal("2523.8")]
    assert gap["plan"]["changes"][1]["amount"] == Decimal("188.028")


def test_the_result_records_the_advice_as_data_and_the_words_come_from_the_catalogue():
    """No text in the gap is in a language except labels (from the ruleset and the evidence schema) and the
    evidence's own values in a change: the words are the outputs', in the report's language."""
    def texts(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("label", "to", "from"):
                    yield from texts(v, k)
        elif isinstance(node, list):
            for v in node:
                yield from texts(v, key)
        elif isinstance(node, str):
            yield key, node
    for name in ("four-stars", "three-stars", "incomplete", "ineligible", "five-stars"):
        words = [(k, v) for k, v in texts(_gap(name)) if re.search(r"[\u4e00-\u9fff]", v) or " " in v
                 and k not in ("condition",)]
        assert words == [], name


def test_no_advice_outside_the_accounting_boundary():
    """Categories 3-4 count only for a Type II factory (`let categories3_4 … when variant == "II"`): for a Type I
    factory the gap never advises changing its transport or product emissions, even when they are given."""
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(EXAMPLES / "three-stars.json")
    assert evidence["boundary"]["type"] == "I"
    evidence = {**evidence, "emissions": {**evidence["emissions"], "indirect": [
        {"category": Decimal(3), "description": "transport", "co2e": Decimal(900)}]}}
    result = ruleset.evaluate(evidence, gap=True)
    assert next(v.status for v in result.values if v.id == "categories3_4") == "not_applicable"
    changes = [c for a in result.gap["actions"] for c in a["changes"]] + [
        c for k in result.gap["conditions"] if k["action"] for c in k["action"]["changes"]]
    assert changes and not [c for c in changes if c["pointer"].startswith("/emissions/indirect")]


def _on_boundary_by_every_place(delta, probe, bound):
    """The short decimal `_on_boundary` finds, looked for at every number of places from none to 12."""
    import decimal
    from checker.evaluation.gap import PLACES, TINY
    tolerance = abs(delta) * TINY + TINY
    for quantum in PLACES:
        try:
            short = delta.quantize(quantum)
        except decimal.InvalidOperation:
            return None
        if abs(short - delta) <= tolerance:
            return (short, True) if probe(short) == bound else None
    return None


@pytest.mark.parametrize("delta", ["523.8", "523.80000000000000000000001", "523.79999999999999999999999", "0", "-0",
                                   "0E-30", "1E-21", "-1E-19", "500", "5E+2", "-523.8", "0.000000000001",
                                   "0.0000000000005", "0.0000000000004999999999", "123.456789012345",
                                   "99999999.99999999999999999", "123456789012345678901234.5", "1E+30",
                                   "12345678901234567890123456789.01", "0.1000000000000000000001", "7"])
def test_a_short_solution_is_found_at_its_fewest_places(delta):
    """`_on_boundary` goes straight to the fewest places that lie within the tolerance when only one multiple of
    10^-12 can (a tolerance under half of 10^-12): the same short decimal, with the same exponent, as trying
    every number of places in turn, near and far from one, small and too long for 12 places."""
    import decimal
    from checker.evaluation.evaluate import CONTEXT
    from checker.evaluation.gap import _on_boundary
    with decimal.localcontext(CONTEXT):
        delta = Decimal(delta)
        probed = []

        def probe(value):
            probed.append(value)
            return Decimal(1)
        found = _on_boundary(delta, probe, Decimal(1))
        expected = _on_boundary_by_every_place(delta, probe, Decimal(1))
    assert repr(found) == repr(expected)
    assert probed[:1] == probed[1:]  # both probed the same short decimal, or neither did
