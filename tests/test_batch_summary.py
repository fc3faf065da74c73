"""`batch` over a folder mixing rulesets, and its index: grouping, sorting, a colour per bar."""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.interfaces.cli import main
from checker.tools import batch, batch_summary

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# file in the mixed folder: (its content: an example to copy, or bytes), (ruleset id, outcome, grade, error words)
MIXED = {
    "factory-four.json": ("zero-carbon-factory/four-stars.json", ("zero_carbon_factory", "graded", "four_stars", "")),
    "factory-three.json": ("zero-carbon-factory/three-stars.json",
                           ("zero_carbon_factory", "graded", "three_stars", "")),
    "factory-incomplete.json": ("zero-carbon-factory/incomplete.json",
                                ("zero_carbon_factory", "incomplete", "", "")),
    "project-review.json": ("dual-control-project/no-separate-review.json",
                            ("dual_control_project", "classified", "no_separate_review", "")),
    "park-passed.json": ("zero-carbon-park/passed-national.json", ("zero_carbon_park", "passed", "", "")),
    "park-invalid.json": (b'{"ruleset": "zero-carbon-park", "park": 3}',
                          ("zero_carbon_park", "invalid", "", "/park")),
    "no-field.json": (b'{"applicant": {"name": "x"}}', ("", "invalid", "", 'names no ruleset (no top-level "ruleset"')),
    "unknown.json": (b'{"ruleset": "zero-carbon-fatcory"}',
                     ("", "invalid", "", "names the ruleset 'zero-carbon-fatcory', which is not shipped")),
    "not-json.json": (b'{"ruleset": ', ("", "invalid", "", "expected valid JSON")),
}


def _batch(*args):
    return CliRunner().invoke(main, ["batch", *map(str, args), "--date", "2026-11-25"], catch_exceptions=False)


def _summary(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "summary.csv").read_bytes().decode("utf-8-sig"))))


@pytest.fixture()
def mixed(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name, (content, _) in MIXED.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else (EXAMPLES / content).read_bytes())
    return folder


@pytest.fixture()
def mixed_out(mixed, tmp_path):
    out = tmp_path / "out"
    result = _batch(mixed, "--out", out, "--lang", "en", "--jobs", "2")
    assert result.exit_code == 2, result.output   # some files could not be scored: invalid input
    return out


def test_each_file_is_scored_by_the_ruleset_it_names(mixed_out):
    rows = _summary(mixed_out)
    assert {r["id"]: (r["ruleset"], r["outcome"], r["grade"]) for r in rows} == {
        Path(name).stem: expected[:3] for name, (_, expected) in MIXED.items()}
    for row in rows:
        assert MIXED[row["id"] + ".json"][1][3] in row["error"]
        assert (row["file"] != "") == (row["outcome"] != "invalid")


def test_the_summary_groups_by_ruleset_and_keeps_input_order_within(mixed_out):
    data = (mixed_out / "summary.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert [(r["ruleset"], r["id"]) for r in _summary(mixed_out)] == [
        ("dual_control_project", "project-review"),
        ("zero_carbon_factory", "factory-four"), ("zero_carbon_factory", "factory-incomplete"),
        ("zero_carbon_factory", "factory-three"),
        ("zero_carbon_park", "park-invalid"), ("zero_carbon_park", "park-passed"),
        ("", "no-field"), ("", "not-json"), ("", "unknown")]


def test_each_result_is_what_check_writes_for_that_file(mixed, mixed_out):
    compared = 0
    for row in _summary(mixed_out):
        if not row["file"]:
            continue
        alone = CliRunner().invoke(main, ["check", str(mixed / f"{row['id']}.json"), "--format", "json",
                                          "--date", "2026-11-25"])
        assert (mixed_out / row["file"]).read_bytes() == alone.stdout_bytes, row["id"]
        compared += 1
    assert compared == 5


def test_the_index_has_a_section_and_a_chart_per_ruleset(mixed_out):
    page = (mixed_out / "index.html").read_text("utf-8")
    assert "<h1>Batch results</h1>" in page
    sections = re.findall(r"<section>\s*<h2>([^<]*)</h2>(.*?)</section>", page, re.S)
    headings = {title: re.findall(r"<h3>([^<]*)</h3>", body) for title, body in sections}
    assert headings == {
        load_ruleset("dual-control-project").text("title", "en"): ["Class distribution", "Applications"],
        load_ruleset("zero-carbon-factory").text("title", "en"): ["Grade distribution", "Applications"],
        load_ruleset("zero-carbon-park").text("title", "en"): ["Outcome distribution", "Applications"],
        "Applications with no known ruleset": ["Applications"],
    }
    project = dict(sections)[load_ruleset("dual-control-project").text("title", "en")]
    bars = dict(re.findall(r'end">([^<]*)</text>\s*<rect[^>]*></rect>\s*<text[^>]*>(\d+)</text>', project))
    assert bars == {"Provincial energy review": "0", "Energy review (below the provincial threshold)": "0",
                    "No separate energy review": "1"}   # classes counted, no outcome bar for "classified"


def test_a_ruleset_given_still_scores_every_file_by_it(mixed, tmp_path):
    out = tmp_path / "out"
    assert _batch(mixed, "-r", "zero-carbon-factory", "--out", out).exit_code == 2
    rows = _summary(out)
    assert {r["ruleset"] for r in rows} == {"zero_carbon_factory"}
    assert {r["id"] for r in rows if r["outcome"] != "invalid"} == {"factory-four", "factory-three",
                                                                     "factory-incomplete"}


def test_parameters_need_a_ruleset(mixed, tmp_path):
    result = _batch(mixed, "--out", tmp_path / "out", "--param", "gwp_vintage=AR6")
    assert result.exit_code == 2 and "--param 须与 --ruleset 同用" in result.output


def test_a_rerun_of_a_mixed_folder_keeps_every_result(mixed, mixed_out):
    before = {p.name: p.read_bytes() for p in mixed_out.iterdir()}
    again = _batch(mixed, "--out", mixed_out, "--lang", "en")
    assert "(5 already there)" in again.output
    assert {p.name: p.read_bytes() for p in mixed_out.iterdir()} == before


# ---------------------------------------------------------------------------------------- sorting

FACTORY = ["five-stars", "four-stars", "incomplete", "ineligible", "not-graded", "six-stars", "three-stars"]
SORTED = {  # the zero-carbon-factory examples, by each key
    "file": FACTORY,
    # the applicants' names in code-point order: 台州, 嘉兴, 宁波, 杭州, 温州, 湖州, 绍兴
    "applicant": ["incomplete", "three-stars", "five-stars", "six-stars", "ineligible", "four-stars", "not-graded"],
    # graded from the highest grade, then the other outcomes from the best
    "outcome": ["six-stars", "five-stars", "four-stars", "three-stars", "not-graded", "incomplete", "ineligible"],
    "grade": ["six-stars", "five-stars", "four-stars", "three-stars", "not-graded", "incomplete", "ineligible"],
    # highest first; equal scores (82.18) in input order
    "score": ["six-stars", "five-stars", "four-stars", "ineligible", "three-stars", "incomplete", "not-graded"],
}


def _table(page: str) -> list[tuple[str, dict[str, int]]]:
    rows = re.findall(r'<tr class="[^"]*"((?: data-\w+="\d+")*)>\s*<td>([^<]*)</td>', page)
    return [(name, {k: int(v) for k, v in re.findall(r'data-(\w+)="(\d+)"', attrs)}) for attrs, name in rows]


@pytest.fixture(scope="module")
def factory_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("factory")
    assert _batch(EXAMPLES / "zero-carbon-factory", "-r", "zero-carbon-factory", "--out", out).exit_code == 0
    return out


def test_equal_scores_written_differently_keep_input_order():
    rows = [batch.Row(name, "in", "graded", score=score) for name, score in
            (("a", "1.50"), ("b", "2"), ("c", "1.5"), ("d", None), ("e", "0"), ("f", "-0"))]
    assert batch_summary._places(rows, [])["score"] == [1, 0, 2, 5, 3, 4]


@pytest.mark.parametrize("key", list(SORTED))
def test_the_table_is_written_sorted_by_the_key_chosen(factory_rows, tmp_path, key):
    rows = batch.collect([str(EXAMPLES / "zero-carbon-factory")])
    assert [r.id for r in rows] == FACTORY
    # The rows of the first run, rendered again in each order (a run per key would score everything again).
    summary = {r["id"]: r for r in _summary(factory_rows)}
    scored = [batch.Row(i, summary[i]["source"], summary[i]["outcome"], summary[i]["grade"] or None,
                        summary[i]["score"] or None, applicant=_applicant(i), ruleset="zero_carbon_factory")
              for i in FACTORY]
    page = batch_summary.index_html(scored, [load_ruleset("zero-carbon-factory")], "zh", None, ("json",),
                                    sort=key).decode("utf-8")
    table = _table(page)
    assert [name for name, _ in table] == SORTED[key]
    # What the script sorts by (each row's place by every key) gives the same orders.
    for other, expected in SORTED.items():
        assert [name for name, places in sorted(table, key=lambda row: row[1][other])] == expected
    assert re.search(rf'<th data-key="{key}" aria-sort="(de|a)scending">', page)
    assert len(re.findall(r"<th [^>]*aria-sort=", page)) == 1  # only the key's heading


def _applicant(name: str) -> str:
    return json.loads((EXAMPLES / "zero-carbon-factory" / f"{name}.json").read_text("utf-8"))["applicant"]["name"]


def test_the_cli_writes_the_order_asked(factory_rows, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(factory_rows, out)
    result = _batch(EXAMPLES / "zero-carbon-factory", "-r", "zero-carbon-factory", "--out", out, "--sort", "score")
    assert result.exit_code == 0 and "（7 份沿用已有结果）" in result.output
    page = (out / "index.html").read_text("utf-8")
    assert [name for name, _ in _table(page)] == SORTED["score"]
    assert "申请按得分（从高到低）排序。" in page
    assert _batch(EXAMPLES / "zero-carbon-factory", "--out", out, "--sort", "colour").exit_code == 2


# ---------------------------------------------------------------------------------------- colours

@pytest.mark.parametrize("ruleset, outcomes", [
    ("zero-carbon-factory", ["graded", "not_graded", "incomplete", "ineligible", "invalid", "error"]),
    ("dual-control-project", ["classified", "incomplete", "ineligible", "invalid"]),
    ("zero-carbon-park", ["passed", "ineligible", "incomplete", "invalid", "error"]),
])
def test_every_bar_has_its_own_colour(ruleset, outcomes):
    rules = load_ruleset(ruleset)
    grades = [g.id for g in rules.model.grades.grades] if rules.model.grades else []
    rows = [batch.Row(f"a{i}", "x.json", outcome, ruleset=rules.id) for i, outcome in enumerate(outcomes)
            if outcome not in ("graded", "classified")]
    rows += [batch.Row(f"g{i}", "x.json", outcomes[0], grade, ruleset=rules.id) for i, grade in enumerate(grades)]
    page = batch_summary.index_html(rows, [rules], "en", None, ("json",)).decode("utf-8")
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', page)
    shown = [o for o in outcomes if o not in ("graded", "classified")]
    assert len(fills) == len(grades) + len(shown)
    assert len(set(fills)) == len(fills), fills
    # A row's badge has its outcome's colour, and its grade the colour of the grade's bar.
    for outcome in shown:
        assert f'<span style="background: {batch_summary.OUTCOME_COLOURS[outcome]}">' in page
    for grade, fill in zip(grades, fills):
        assert f'class="swatch" style="background: {fill}"' in page


def test_ranked_grades_go_from_dark_to_light():
    colours = list(batch_summary.grade_colours(["a", "b", "c", "d"], classes=False).values())
    assert colours[0] == "#0b5d2a" and colours[-1] == "#8ccf9b"
    lightness = [sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colours]
    assert lightness == sorted(lightness) and len(set(lightness)) == 4


# ---------------------------------------------------------------------------------------- table cells

@pytest.mark.parametrize("text, cell", [
    ('a<b>&"\'c', "a&lt;b&gt;&amp;&#34;&#39;c"),    # escaped as the templates escape
    ("工厂\x01\x7f\x9f 甲", "工厂 甲"),              # control characters dropped, as in every html report
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("0", "0"),
])
def test_every_text_of_a_row_is_written_escaped(text, cell):
    row = batch.Row(f"id{text}", f"in/{text}", batch.INVALID, score="12.5", file=f"id{text}.json", error=text,
                    applicant=text, ruleset=None)
    page = batch_summary.index_html([row], [], "en", None, ("json", "html")).decode("utf-8")
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert f"<td>id{cell}</td>" in body and f"<td>{cell}</td>" in body and f"<td>in/{cell}</td>" in body
    assert '<td class="score">12.5</td>' in body and f'<td class="error">{cell}</td>' in body
    assert f'<a href="id{cell}.json">json</a> <a href="id{cell}.html">html</a> </td>' in body


def test_a_row_without_applicant_score_file_or_error_has_empty_cells():
    row = batch.Row("a", "a.json", batch.FAILED, ruleset=None)
    page = batch_summary.index_html([row], [], "en", None, ("json",)).decode("utf-8")
    assert ('<td>a</td>\n  <td></td>\n  <td>a.json</td>\n  <td class="outcome"><span style="background: #3c434a">'
            in page)
    assert '<td class="grade"></td>\n  <td class="score"></td>\n  <td></td>\n  <td class="error"></td>\n</tr>' in page


def test_a_cell_is_written_as_the_index_template_would_write_it_for_every_character():
    """The index's cells skip escaping a text with nothing to change: each character they leave as it is, the
    template leaves as it is too, and every other character is written as the template writes it."""
    environment = batch_summary.index_template().environment
    written = environment.from_string("{{ value }}")
    cell = batch_summary._cell(environment.finalize)
    everything = "".join(chr(c) for c in range(0x110000) if not 0xd800 <= c < 0xe000)
    kept = batch_summary._CHANGED.sub("", everything)
    assert cell(kept) is kept and written.render(value=kept) == kept and len(kept) > 0x10f000
    changed = batch_summary._CHANGED.findall(everything)
    assert len(changed) + len(kept) == len(everything)
    for c in changed:
        assert cell(c) == written.render(value=c) and cell(f"a{c}b") == written.render(value=f"a{c}b"), repr(c)
