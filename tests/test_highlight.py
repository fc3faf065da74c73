"""Highlighting: the Pygments lexer found through its entry point, and rule code in HTML reports."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import find_lexer_class_for_filename, get_lexer_by_name
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String

from checker.language.highlight import CarbonLexer, rule_code_html
from checker.outputs.report import rule_code

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rulesets").glob("*.rules")) + sorted((ROOT / "rulesets" / "lib").glob("*.rules"))


def test_the_lexer_is_installed_under_its_names():
    assert isinstance(get_lexer_by_name("carbon-check"), CarbonLexer)
    assert find_lexer_class_for_filename("zero-carbon-factory.rules") is CarbonLexer


def test_pygmentize_finds_it_by_name_and_by_file_but_carbon_is_pygments_own():
    """What docs/editors.md says: `-l carbon-check` and `*.rules` reach this lexer; `-l carbon` cannot, because
    Pygments looks up its built-in lexers (Google's Carbon language has that alias) before installed ones."""
    ruleset = str(ROOT / "rulesets" / "cbam.rules")
    guessed = subprocess.run([sys.executable, "-m", "pygments", "-N", ruleset], capture_output=True, text=True)
    assert guessed.stdout.strip() == "carbon-check"
    raw = subprocess.run([sys.executable, "-m", "pygments", "-l", "carbon-check", "-f", "raw", ruleset],
                         capture_output=True, text=True, check=True).stdout
    assert "Token.Keyword.Namespace\t'ruleset'" in raw and "Token.Error" not in raw
    assert get_lexer_by_name("carbon").name == "Carbon" and not isinstance(get_lexer_by_name("carbon"), CarbonLexer)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_rulesets_lex_without_errors_and_lose_nothing(path):
    text = path.read_text(encoding="utf-8")
    tokens = list(CarbonLexer().get_tokens(text))
    assert not [value for kind, value in tokens if kind in Error]
    assert "".join(value for _, value in tokens) == text


def kinds(code: str) -> list:
    return [(kind, value) for kind, value in CarbonLexer().get_tokens(code) if value.strip()]


def test_words_are_told_apart():
    assert kinds('let share "占比" in % = 90 tCO2e and min(x, 2) # why') == [
        (Keyword.Declaration, "let"), (Name.Variable, "share"), (String.Double, '"占比"'),
        (Operator.Word, "in"), (Keyword.Type, "%"), (Operator, "="), (Number, "90"), (Keyword.Type, "tCO2e"),
        (Operator.Word, "and"), (Name.Function, "min"), (Punctuation, "("), (Name, "x"), (Punctuation, ","),
        (Number, "2"), (Punctuation, ")"), (Comment.Single, "# why")]


def test_a_plus_that_goes_on_with_a_text_is_not_a_sum():
    assert kinds('basis "甲" +  # why\n      "乙" en "A" + "B"\nlet x = 1 + 2') == [
        (Name, "basis"), (String.Double, '"甲"'), (Punctuation, "+"), (Comment.Single, "# why"),
        (String.Double, '"乙"'), (Keyword, "en"), (String.Double, '"A"'), (Punctuation, "+"), (String.Double, '"B"'),
        (Keyword.Declaration, "let"), (Name.Variable, "x"), (Operator, "="), (Number, "1"), (Operator, "+"),
        (Number, "2")]


def test_a_number_before_a_keyword_has_no_unit():
    assert (Operator.Word, "and") in kinds("score > 90 and x")


def test_rule_code_is_escaped_and_marked_up():
    html = rule_code('evidence.x in {"<script>"} and a < 1')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<span class="nb">evidence</span>' in html and '<span class="ow">and</span>' in html
    assert rule_code_html("a") == '<span class="n">a</span>'


def test_the_docs_rule_code_blocks_lex_without_errors():
    import re
    blocks = [block for doc in sorted((ROOT / "docs").glob("*.md"))
              for block in re.findall(r"^```carbon-check\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S)]
    assert len(blocks) >= 5
    for block in blocks:
        assert not [value for kind, value in CarbonLexer().get_tokens(block) if kind in Error], block
