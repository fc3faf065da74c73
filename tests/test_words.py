"""The words of the language are listed once (checker.language.words); the grammar and the docs agree."""
import re
from pathlib import Path

from checker.language.functions import FUNCTIONS, reference
from checker.language.words import DECLARATIONS, GIVEN, RESERVED
from checker.resources import resource_dir

ROOT = Path(__file__).resolve().parent.parent


def test_the_grammar_reserves_exactly_the_listed_words():
    grammar = (resource_dir("grammar") / "carbon.lark").read_text(encoding="utf-8")
    pattern = re.search(r"^NAME: /\(\?!\(([^)]*)\)", grammar, re.MULTILINE).group(1)
    assert sorted(pattern.split("|")) == sorted(RESERVED)


def test_every_declaration_word_but_variant_is_reserved():
    assert set(DECLARATIONS) - set(RESERVED) == {"variant"}


def test_the_language_reference_lists_the_words():
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text.split("## Reserved words", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z_]+)`", section))
    assert set(RESERVED) | set(GIVEN) <= listed


def test_the_language_reference_lists_every_built_in_from_the_registry():
    """docs/language.md carries functions.reference() between its markers; regenerate with
    `python -c "from checker.language.functions import reference; print(reference())"`."""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    block = text.split("<!-- built-ins -->\n", 1)[1].split("<!-- /built-ins -->", 1)[0]
    assert block == reference()


def test_every_built_in_has_an_example_that_calls_it():
    for name, function in FUNCTIONS.items():
        assert function.example.startswith(name + "("), name
        assert function.category in ("value", "number", "text", "list", "table", "date"), name
