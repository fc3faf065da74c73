"""The formatter: one layout, every comment kept, idempotent, and never a change of meaning.

Meaning is compared as the syntax tree without places (`shape`), on every shipped ruleset, every rules text
of the language suite, and seeded mutations of the shipped rulesets' layout.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from lark import Lark

from checker.interfaces.cli import main
from checker.language.diagnostics import RulesetError
from checker.language.format import WIDTH, display_width, format_source, shape
from checker.language.parse import parse
from checker.tools.cases import load_cases, ruleset_text

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rulesets").glob("*.rules")) + sorted((ROOT / "rulesets" / "lib").glob("*.rules"))
CORPUS = sorted((ROOT / "tests" / "fuzz" / "corpus" / "rulesets").glob("*.rules"))
STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def comments(text: str) -> list[str]:
    return [m.group().rstrip() for m in STRING_OR_COMMENT.finditer(text) if m.group().startswith("#")]


def assert_formats(source: str, name: str = "test.rules") -> str:
    formatted = format_source(source, name)
    assert shape(parse(formatted, name)) == shape(parse(source, name))
    assert format_source(formatted, name) == formatted, "formatting twice changes the text"
    assert comments(formatted) == comments(source), "a comment was lost or moved out of order"
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")
    return formatted


def relayout(source: str, rng: random.Random) -> str:
    """The same tokens, comments and line breaks with other indentation and spacing."""
    out = []
    for line in source.split("\n"):
        pieces, last = [], 0
        for m in STRING_OR_COMMENT.finditer(line):
            pieces.append(re.sub(r"[ \t]+", lambda _: " " * rng.randint(1, 4), line[last:m.start()]))
            pieces.append(m.group())
            last = m.end()
        pieces.append(re.sub(r"[ \t]+", lambda _: " " * rng.randint(1, 4), line[last:]))
        out.append(" " * rng.randint(0, 9) + "".join(pieces).strip())
    return "\n".join(out)


def rules_texts():
    """Every `rules` text of the language suite, as the suite loads it."""
    for path in sorted((ROOT / "tests" / "language").glob("*.cases.yaml")):
        cases = load_cases(path)
        texts = [cases.rules] + [case.rules for case in cases.cases]
        for i, rules in enumerate(text for text in texts if text is not None):
            yield pytest.param(ruleset_text(rules), id=f"{path.name.removesuffix('.cases.yaml')}-{i}")


@pytest.mark.parametrize("path", SHIPPED + CORPUS, ids=lambda p: p.name)
def test_shipped_rulesets_and_the_fuzz_corpus_keep_their_meaning(path):
    formats_or_fails_alike(path.read_text(encoding="utf-8"), path.name)


def formats_or_fails_alike(source: str, name: str) -> None:
    """A ruleset that parses keeps its meaning; one that does not is reported, not formatted away."""
    try:
        parse(source, name)
    except RulesetError:
        with pytest.raises(RulesetError):
            format_source(source, name)
        return
    assert_formats(source, name)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_layout_does_not_depend_on_indentation_or_alignment(path):
    source = path.read_text(encoding="utf-8")
    expected = format_source(source, path.name)
    rng = random.Random(path.name)
    for _ in range(3):
        assert format_source(relayout(source, rng), path.name) == expected


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_mutated_layouts_keep_their_meaning(path):
    """Line breaks moved: joined where no comment ends a line, broken between random tokens."""
    source = path.read_text(encoding="utf-8")
    rng = random.Random(f"mutate {path.name}")
    for _ in range(4):
        lines = source.split("\n")
        text = lines[0]
        for line in lines[1:]:
            joinable = "#" not in text.rsplit("\n", 1)[-1] and not line.lstrip().startswith("#")
            text += (" " if joinable and rng.random() < 0.5 else "\n") + line
        text = re.sub(r"(?<=[A-Za-z0-9_)\]]) (?=[=+*/(<>a-z])",
                      lambda m: "\n" if rng.random() < 0.05 else " ", text)
        try:
            parse(text, path.name)
        except RulesetError:
            continue  # a break inside a row key or the like: not a layout of the same ruleset
        assert shape(parse(assert_formats(text, path.name), path.name)) == shape(parse(source, path.name))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_texts_split_anywhere_format_alike(path):
    """Every text cut into `"…" +` pieces at random places, on random lines: the same canonical layout."""
    source = path.read_text(encoding="utf-8")
    expected = format_source(source, path.name)
    rng = random.Random(f"split {path.name}")
    strings = sorted((t for words in _grammar().parse(source).find_data("words") for t in words.children
                      if t.type == "STRING"), key=lambda t: t.start_pos)
    out, last = [], 0
    for token in strings:
        units = re.findall(r'\\.|[^"]', token[1:-1])
        cuts = sorted(rng.sample(range(1, len(units)), min(3, len(units) - 1))) if len(units) > 1 else []
        pieces = ["".join(units[a:b]) for a, b in zip([0] + cuts, cuts + [len(units)])]
        out += [source[last:token.start_pos], " +\n".join(f'"{p}"' for p in pieces)]
        last = token.end_pos
    split = "".join(out) + source[last:]
    assert split != source
    assert shape(parse(split, path.name)) == shape(parse(source, path.name))
    assert format_source(split, path.name) == expected


@lru_cache(maxsize=1)
def _grammar() -> Lark:
    return Lark((ROOT / "grammar" / "carbon.lark").read_text(encoding="utf-8"), parser="lalr",
                propagate_positions=True)


@pytest.mark.parametrize("source", list(rules_texts()))
def test_language_suite_rules_keep_their_meaning(source):
    formats_or_fails_alike(source, "test.rules")


MESSY = '''# leading comment

ruleset   demo{title "演示"   en "Demo"   # trailing on a meta
version "1"
  evidence "demo.schema.json"}
let a "甲" en "A" in tCO2e = evidence.x+evidence.y*2 cite "somewhere"
let b = if a>1 then 1 else if a > 0 then 2 else 3
table t columns "x" "y" {
  "k1": 1 -2.5
  "longer key": none 30 cite "c"   # trailing on a row
  # before the last row
  2024 : 3 4
}
require R1 "一" en "One" :
  a > 0 and # why
  (b == 1 or b == 2)
section S "节" en "Section" max 10 {
  criterion C1 "条" max 10 : 10 if a>2
   5 if a>1
   0 otherwise
  # end of the section
}
# the end
'''

EXPECTED = '''# leading comment

ruleset demo {
  title    "演示" en "Demo"  # trailing on a meta
  version  "1"
  evidence "demo.schema.json"
}
let a "甲" en "A" in tCO2e = evidence.x + evidence.y * 2 cite "somewhere"
let b = if a > 1 then 1 else if a > 0 then 2 else 3
table t columns "x" "y" {
  "k1":            1 -2.5
  "longer key": none   30  cite "c"  # trailing on a row
  # before the last row
  2024:            3    4
}
require R1 "一" en "One":
  a > 0 and  # why
    (b == 1 or b == 2)
section S "节" en "Section" max 10 {
  criterion C1 "条" max 10:
    10 if a > 2
     5 if a > 1
     0 otherwise
  # end of the section
}
# the end
'''


def test_a_messy_ruleset_gets_the_canonical_layout():
    assert assert_formats(MESSY) == EXPECTED


def test_long_conditions_break_before_their_operators():
    condition = " and ".join(f"evidence.indicator_{i} > {i}" for i in range(8))
    formatted = assert_formats(f'ruleset r {{ title "t" }}\nrequire R "要求" en "Requirement": {condition}\n')
    lines = formatted.splitlines()
    assert all(len(line) <= WIDTH for line in lines)
    assert [line.split()[0] for line in lines[4:]] == ["evidence.indicator_0"] + ["and"] * 7


def test_a_when_starts_its_own_line_once_the_head_takes_more_than_one():
    one_line = assert_formats(f'ruleset r {{ title "t" }}\nrequire R "要求" when evidence.due: evidence.done\n')
    assert 'require R "要求" when evidence.due:' in one_line
    long = ('require R "要求" en "Requirement" cite "标准 第5条" en "Standard, clause 5 and a longer citation text" '
            'when evidence.due: evidence.done\n')
    formatted = assert_formats(f'ruleset r {{ title "t" }}\n{long}')
    lines = formatted.splitlines()
    assert lines[-2].strip() == "when evidence.due:" and lines[-3].strip().startswith("en ")


def test_long_argument_lists_fill_lines_aligned_after_the_parenthesis():
    codes = ", ".join(f'"{7200 + i}"' for i in range(30))
    formatted = assert_formats(f'ruleset r {{ title "t" }}\nlet steel = starts_with_any(evidence.cn, {codes})\n')
    lines = formatted.splitlines()[3:]
    assert len(lines) > 2 and all(len(line) <= WIDTH for line in lines)
    assert lines[0].startswith("let steel = starts_with_any(evidence.cn, ")
    assert all(line.startswith(" " * len("let steel = starts_with_any(") + '"') for line in lines[1:])


LONG_ZH = ("精确编码：重点排放单位门槛（覆盖行业内年度温室气体排放量达到2.6万吨二氧化碳当量，生态环境部令第19号）；"
           "清缴量不少于核查排放量，1个配额=1吨二氧化碳当量（国务院令第775号第十四条、第三十条）；"
           "CCER抵销不超过应清缴配额的5%（生态环境部令第19号），本规则集将其读作计入上限。")
LONG_EN = ("Exact: the key-emitter threshold (annual emissions of 26,000 tCO2e or more in a covered sector, "
           "MEE Order No. 19); surrender not below the verified emissions, 1 allowance = 1 tCO2e.")


def test_long_texts_wrap_under_their_first_quote():
    formatted = assert_formats(f'ruleset r {{ title "t"\nbasis "{LONG_ZH}" en "{LONG_EN}" }}\n')
    lines = formatted.splitlines()
    assert all(display_width(line) <= WIDTH for line in lines)
    english = next(i for i, line in enumerate(lines) if line.lstrip().startswith("en "))
    zh, en = lines[2:english], lines[english:-1]
    assert zh[0].startswith('  basis "') and len(zh) > 2 and len(en) > 2
    assert {line.index('"') for line in zh} == {len("  basis ")}
    assert {line.index('"') for line in en} == {len("        en ")}
    assert all(line.endswith('" +') for line in zh[:-1] + en[:-1]) and not zh[-1].endswith("+")
    assert not any(line.lstrip()[1] in "，。、；：）" for line in zh[1:])  # no piece starts with a closing mark
    assert all(line.endswith(' " +') for line in en[:-1])  # English is cut after a space
    assert zh[0].endswith('当量，" +')  # after a mark near the end rather than inside a word


def test_a_short_text_in_pieces_becomes_one_and_a_text_with_nowhere_to_cut_stays_long():
    url = "https://example.org/" + "x" * 120
    formatted = assert_formats(f'ruleset r {{ title "演" +\n "示" en "De" + "mo"\nsource "{url}" }}\n')
    assert formatted == f'ruleset r {{\n  title  "演示" en "Demo"\n  source "{url}"\n}}\n'


def test_a_comment_between_pieces_stays_where_it_was():
    source = 'ruleset r {\n  title "甲" +  # why\n    "乙" +\n  # before the last piece\n  "丙"\n}\n'
    assert assert_formats(source) == (
        'ruleset r {\n  title "甲" +  # why\n        "乙" +\n        # before the last piece\n        "丙"\n}\n')


def test_a_text_is_never_cut_inside_an_escape():
    quoted = '\\"引\\"号\\n' * 30  # `\"引\"号\n`: a cut inside an escape would not parse, or mean another text
    formatted = assert_formats(f'ruleset r {{ title "t"\nnote "{quoted}" }}\n')
    assert len(formatted.splitlines()) > 5 and all(display_width(line) <= WIDTH for line in formatted.splitlines())


def test_long_sets_fill_lines_aligned_after_the_brace():
    kinds = ", ".join(f'"kind_{i}"' for i in range(30))
    formatted = assert_formats(f'ruleset r {{ title "t" }}\nrequire R "要求": evidence.kind in {{{kinds}}}\n')
    lines = formatted.splitlines()[4:]
    assert len(lines) > 2 and all(len(line) <= WIDTH for line in lines)
    assert lines[0].startswith('  evidence.kind in {"kind_0", ') and lines[-1].endswith('"kind_29"}')
    assert all(line.startswith(" " * len('  evidence.kind in {') + '"') for line in lines[1:])


def test_syntax_errors_are_the_checkers_own():
    with pytest.raises(RulesetError) as raised:
        format_source('ruleset r { title "t" }\nlet x = 1 +\n', "bad.rules")
    assert raised.value.diagnostics[0].span.file == "bad.rules"


def test_shipped_rulesets_are_formatted():
    """CI's check that every shipped ruleset is in the canonical layout: run `carbon-check fmt rulesets/`."""
    result = CliRunner().invoke(main, ["fmt", "--check", str(ROOT / "rulesets")])
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ the command

def test_fmt_check_lists_the_files_it_would_change(tmp_path):
    messy, tidy = tmp_path / "messy.rules", tmp_path / "tidy.rules"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(EXPECTED, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_diff_shows_the_change_and_writes_nothing(tmp_path):
    messy = tmp_path / "messy.rules"
    messy.write_text(MESSY, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--diff", str(messy)])
    assert result.exit_code == 1
    assert "-ruleset   demo{title" in result.output and "+ruleset demo {" in result.output
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_rewrites_files_then_has_nothing_to_do(tmp_path):
    messy = tmp_path / "messy.rules"
    messy.write_text(MESSY, encoding="utf-8")
    assert CliRunner().invoke(main, ["fmt", str(messy)]).exit_code == 0
    assert messy.read_text(encoding="utf-8") == EXPECTED
    assert CliRunner().invoke(main, ["fmt", "--check", str(messy)]).exit_code == 0


def test_fmt_leaves_an_invalid_file_alone(tmp_path):
    bad, messy = tmp_path / "bad.rules", tmp_path / "messy.rules"
    bad.write_text('ruleset r { title "t" }\nlet x = \n', encoding="utf-8")
    messy.write_text(MESSY, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", str(bad), str(messy)])
    assert result.exit_code == 2
    assert f"{bad}:2:7: error[syntax]" in result.output
    assert bad.read_text(encoding="utf-8") == 'ruleset r { title "t" }\nlet x = \n'
    assert messy.read_text(encoding="utf-8") == EXPECTED  # the other files are still formatted


def test_fmt_says_when_a_file_is_not_text(tmp_path):
    binary = tmp_path / "binary.rules"
    binary.write_bytes(b"\xff\xfe ruleset")
    result = CliRunner().invoke(main, ["fmt", str(binary)])
    assert result.exit_code == 2 and f"{binary}: cannot read" in result.output
    assert binary.read_bytes() == b"\xff\xfe ruleset"


def test_fmt_reads_standard_input():
    result = CliRunner().invoke(main, ["fmt", "-"], input=MESSY)
    assert result.exit_code == 0 and result.output == EXPECTED
