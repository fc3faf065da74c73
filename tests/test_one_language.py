"""One language per report: every text a shipped ruleset shows carries both languages."""
import re
from pathlib import Path

import pytest

from checker.language import ast
from checker.language.parse import parse
from checker.resources import resource_dir

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
