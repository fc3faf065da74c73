"""`check … --format json` in its plainest form, run without click (checker.interfaces.cli.plain): the same
bytes and exit code as through click; any other command line, and any failure, left to click."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.interfaces.cli import main
from checker.interfaces.cli.plain import plain_check, plain_options

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))
DATE = ["--date", "2026-11-25"]


@pytest.mark.parametrize("argv, taken", [
    (["check", "a.json", "--format", "json"], {"evidence": "a.json", "fmt": "json"}),
    (["check", "--format=json", "a.json", "--date", "2026-01-02", "-r", "x", "--lang", "en"],
     {"evidence": "a.json", "fmt": "json", "date": "2026-01-02", "ruleset": "x", "lang": "en"}),
    (["check", "a.json", "--ruleset=x.rules", "--format", "json", "--lang=zh"],
     {"evidence": "a.json", "fmt": "json", "ruleset": "x.rules", "lang": "zh"}),
    # left to click
    (["check", "a.json"], None),   # a text report
    (["check", "a.json", "--format", "html"], None),
    (["check", "a.json", "--format", "JSON"], None),
    (["check", "-", "--format", "json"], None),   # standard input
    (["check", "", "--format", "json"], None),
    (["check", "a.json", "b.json", "--format", "json"], None),
    (["check", "--format", "json"], None),
    (["check", "a.json", "--format", "json", "--format", "json"], None),
    (["check", "a.json", "--format", "json", "--param", "x=1"], None),
    (["check", "a.json", "--format", "json", "-o", "out.json"], None),
    (["check", "a.json", "--format", "json", "--help"], None),
    (["check", "a.json", "--format", "json", "--lang", "fr"], None),
    (["check", "a.json", "--format", "json", "-r=x"], None),   # click reads the value "=x"
    (["check", "a.json", "--format", "json", "-rx"], None),
    (["check", "a.json", "--format", "json", "--date"], None),
    (["check", "a.json", "--format", "json", "--date", ""], None),
    (["check", "a.json", "--format", "json", "--ruleset", "--lang"], None),
    (["check", "a.json", "--format", "json", "--"], None),
    (["check", "a.json", "--format", "json", "--dat", "2026-01-02"], None),
    (["validate", "a.json", "--format", "json"], None),
    (["--version"], None),
    ([], None),
])
def test_only_the_plainest_check_is_taken(argv, taken):
    assert plain_options(argv) == taken


def _plain(argv: list[str], monkeypatch) -> tuple[int | None, bytes]:
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="utf-8"))
    code = plain_check(argv)
    sys.stdout.flush()
    return code, out.getvalue()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_plain_check_writes_what_click_writes(example, monkeypatch):
    argv = ["check", str(example), "--format", "json", *DATE]
    through_click = CliRunner().invoke(main, argv)
    code, written = _plain(argv + ["--lang", "en"], monkeypatch)
    assert (code, written) == (through_click.exit_code, through_click.stdout_bytes)
    assert json.loads(written)["evidence"]["sha256"]


def test_without_a_date_both_take_the_same_default(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")   # 2025-12-01
    argv = ["check", str(ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"), "--format", "json"]
    code, written = _plain(argv, monkeypatch)
    assert (code, written) == (0, CliRunner().invoke(main, argv).stdout_bytes)
    assert json.loads(written)["date"] == "2025-12-01"


@pytest.mark.parametrize("problem", ["invalid", "missing file", "unknown ruleset", "bad date"])
def test_a_failure_is_left_to_click_and_reported_by_it(problem, tmp_path, monkeypatch):
    example = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"
    evidence = json.loads(example.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**evidence, "period": {"from": "soon"}}), encoding="utf-8")
    argv = {"invalid": ["check", str(bad)], "missing file": ["check", str(tmp_path / "none.json")],
            "unknown ruleset": ["check", str(example), "-r", "no-such-ruleset"],
            "bad date": ["check", str(example), "--date", "2026-13-01"]}[problem] + ["--format", "json"]
    assert _plain(argv, monkeypatch) == (None, b"")   # nothing written: click runs the command
    monkeypatch.undo()
    fresh = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", *argv], capture_output=True, timeout=120,
                           env={**os.environ, "NO_COLOR": "1"})
    through_click = CliRunner(env={"NO_COLOR": "1"}).invoke(main, argv, prog_name="python -m checker.interfaces.cli")
    assert fresh.returncode == through_click.exit_code == 2
    assert (fresh.stdout, fresh.stderr) == (b"", through_click.stderr_bytes) and fresh.stderr


def test_a_plain_check_in_a_fresh_process_imports_no_click_openssl_or_typing():
    script = ("import sys\nfrom checker.interfaces.cli import run\n"
              "sys.argv[1:] = ['check', sys.argv[1], '--format', 'json']\n"
              "try:\n    run()\nexcept SystemExit as done:\n    code = done.code\n"
              "print(code, sorted(m for m in ('click', 'hashlib', 'typing', 'lark', 'yaml', 'jinja2', 'jsonschema')"
              " if m in sys.modules),"
              " file=sys.stderr)")
    example = str(ROOT / "examples" / "zero-carbon-factory" / "four-stars.json")
    # The first check after the code or the ruleset changed parses and caches the ruleset (lark, and typing with
    # it): what is measured is every check after that one.
    subprocess.run([sys.executable, "-c", script, example], capture_output=True, timeout=120)
    fresh = subprocess.run([sys.executable, "-c", script, example], capture_output=True, timeout=120)
    assert fresh.stderr.strip() == b"0 []", fresh.stderr
    assert json.loads(fresh.stdout)["outcome"] == "graded"
