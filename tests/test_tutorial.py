"""docs/tutorial.md runs as written: its ruleset, scaffolded schema, cases and report, in an empty folder."""
from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from checker.interfaces.cli import main

TUTORIAL = (Path(__file__).resolve().parent.parent / "docs" / "tutorial.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", TUTORIAL, re.DOTALL)


def block(starting: str) -> str:
    return next(text for _, text in BLOCKS if text.startswith(starting))


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("supplier.rules").write_text(block("ruleset supplier"), encoding="utf-8")
    assert run("schema", "--scaffold", "supplier.rules", "-o", "supplier.schema.json").exit_code == 0
    lint = run("lint", "supplier.rules")
    assert lint.exit_code == 0 and block("supplier.rules:24:6: warning[tier-never-reached]") in lint.stderr
    schema = json.loads(Path("supplier.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["target"]["enum"].append("none")  # as the tutorial says
    Path("supplier.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    lint = run("lint", "supplier.rules")
    assert (lint.exit_code, lint.stdout) == (0, "supplier.rules: ok (0 warnings)\n"), lint.output
    Path("supplier.cases.yaml").write_text(block("base:"), encoding="utf-8")
    cases = run("test", "supplier.rules")
    assert cases.exit_code == 0 and "4 passed, 0 failed" in cases.output, cases.output
    assert "E1 tier 3 (0 otherwise)" in cases.output
    evidence = re.search(r"echo '(.*)' > acme.json", TUTORIAL).group(1)
    Path("acme.json").write_text(evidence, encoding="utf-8")
    report = run("check", "acme.json", "--ruleset", "supplier.rules", "--lang", "en")
    assert report.exit_code == 0, report.output
    for shown in ("50", "renewable_share >= 20%", "30 more points"):
        assert shown in report.stdout, shown
