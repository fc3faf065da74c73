"""Golden tests of what a standards writer reads when a ruleset does not load.

Each `tests/data/language/invalid/NAME.rules` has the exact rendering of its diagnostics in NAME.txt:
file:line:column, the source line with a caret (wide characters counted as two cells), what was
expected, and a hint. Every error in a file is reported at once.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import RulesetError, load_ruleset
from checker.interfaces.cli import main
from checker.language.parse import MAX_SYNTAX_ERRORS
from conftest import load_errors

INVALID = Path(__file__).parent / "data" / "language" / "invalid"
GOLDEN = sorted(INVALID.glob("*.rules"))


def rendered(name: str) -> str:
    with pytest.raises(RulesetError) as raised:
        load_ruleset(name)
    return raised.value.render() + "\n"


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_diagnostics(path, monkeypatch):
    monkeypatch.chdir(INVALID)  # files are shown relative to the working folder
    assert rendered(path.name) == path.with_suffix(".txt").read_text(encoding="utf-8")


def test_every_golden_ruleset_has_its_expected_text():
    assert len(GOLDEN) >= 9
    assert sorted(p.stem for p in INVALID.glob("*.txt")) == sorted(p.stem for p in GOLDEN)


def test_lint_exits_2_with_every_error_and_no_traceback(monkeypatch):
    monkeypatch.chdir(INVALID)
    result = CliRunner().invoke(main, ["lint", "structure.rules"])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == (INVALID / "structure.txt").read_text(encoding="utf-8")
    assert result.stdout == ""


def test_lint_in_a_fresh_process():
    run = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", "lint", "syntax-several.rules"],
                         capture_output=True, cwd=INVALID, timeout=120)
    assert run.returncode == 2
    assert run.stderr.decode("utf-8") == (INVALID / "syntax-several.txt").read_text(encoding="utf-8")
    assert b"Traceback" not in run.stderr + run.stdout


# ------------------------------------------------------------------ recovery after a syntax error

def _syntax_errors(rules: str) -> list[str]:
    return [e for e in load_errors(rules) if e.startswith("error[syntax]")]


def test_valid_declarations_after_an_error_report_nothing():
    rules = 'let a = 1 +\nlet b = "let" # let\nlet c = b\nrequire R "r" en "r": true\n'
    assert _syntax_errors(rules) == ["error[syntax]: unexpected 'let'"]


def test_errors_in_declarations_after_the_first_are_reported():
    rules = "let a = (1\nlet b = 2 *\nlet c = 3 @ 4\nlet d = 4\n"
    assert _syntax_errors(rules) == ["error[syntax]: unexpected 'let'", "error[syntax]: unexpected 'let'",
                                     "error[syntax]: unexpected character '@'"]


def test_an_error_at_the_end_of_the_file_is_the_last():
    assert _syntax_errors("let a = 1 *\nlet b = 2 +") == ["error[syntax]: unexpected 'let'",
                                                          "error[syntax]: unexpected end of file"]


def test_an_error_in_the_header_stops_the_search():
    text = 'ruleset r { title "t" version "1"\nlet a = 1 +\nlet b = 2\n'
    assert _syntax_errors(text) == ["error[syntax]: unexpected 'let'"]


def test_the_number_of_syntax_errors_is_bounded():
    rules = "".join(f"let v{i} = {i} +\n" for i in range(MAX_SYNTAX_ERRORS + 5))
    assert len(_syntax_errors(rules)) == MAX_SYNTAX_ERRORS


def test_numeric_table_rows_need_no_line_breaks_or_citations():
    assert load_errors('table t "t" en "t" { 2021: 1 2022: 2\n 2023: 3 }\nlet x = t["q"]') == [
        "error[unknown-row]: table 't' has no row \"q\""]


# ------------------------------------------------------------------ the parser's cache

LOAD = "from checker import load_ruleset; load_ruleset('zero-carbon-factory'); print('loaded')"


def _load_with_cache_home(cache_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run([sys.executable, "-c", LOAD], capture_output=True, env=env, timeout=120)


def test_the_parse_tables_are_cached_in_the_users_cache_folder(tmp_path):
    assert _load_with_cache_home(tmp_path).stdout == b"loaded\n"
    folder = tmp_path / "carbon-check"
    cached = list(folder.glob("grammar-*.lark"))
    assert len(cached) == 1 and folder.stat().st_mode & 0o077 == 0  # private to the user
    assert _load_with_cache_home(tmp_path).stdout == b"loaded\n"
    assert list(folder.glob("grammar-*.lark")) == cached


def test_a_damaged_or_unwritable_cache_is_not_an_error(tmp_path):
    assert _load_with_cache_home(tmp_path).returncode == 0
    (cached,) = (tmp_path / "carbon-check").glob("grammar-*.lark")
    cached.write_bytes(b"not a parser")
    damaged = _load_with_cache_home(tmp_path)
    assert (damaged.returncode, damaged.stderr) == (0, b"")
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    unwritable = _load_with_cache_home(blocked)  # the cache folder cannot be made inside a file
    assert (unwritable.returncode, unwritable.stderr) == (0, b"")
