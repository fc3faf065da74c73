"""Conventions of the ecosystem: licence in the wheel, the platform's cache folder, colour and NO_COLOR,
shell completion."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from checker.interfaces.cli import main

ROOT = Path(__file__).parent.parent
BROKEN = "ruleset x {\n"


def test_the_licence_is_in_the_repository_and_in_the_wheel(tmp_path):
    licence = (ROOT / "LICENSE").read_text("utf-8")
    assert licence.startswith("MIT License")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)], cwd=ROOT,
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        carried = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert carried and archive.read(carried[0]).decode("utf-8") == licence
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    assert "License-Expression: MIT" in metadata
    assert any(n.startswith("checker/data/rulesets/") for n in names)


def test_the_grammar_cache_is_in_the_platforms_cache_folder(monkeypatch, tmp_path):
    from checker.language.parse import _cache_file
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # platformdirs honours it on Linux
    assert Path(_cache_file("grammar")).parent == tmp_path / "carbon-check"


def _lint_broken(tmp_path, monkeypatch, **env):
    (tmp_path / "broken.rules").write_text(BROKEN, "utf-8")
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(main, ["lint", "broken.rules"], color=True)  # as on a terminal


def test_diagnostics_are_coloured_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = _lint_broken(tmp_path, monkeypatch)
    assert result.exit_code == 2 and "\x1b[31m" in result.stderr and "error[" in result.stderr


def test_no_color_turns_colour_off(tmp_path, monkeypatch):
    result = _lint_broken(tmp_path, monkeypatch, NO_COLOR="1")
    assert result.exit_code == 2 and "error[" in result.stderr and "\x1b[" not in result.stderr


def test_piped_output_has_no_colour(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "broken.rules").write_text(BROKEN, "utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "broken.rules"])  # not a terminal
    assert "error[" in result.stderr and "\x1b[" not in result.stderr


def test_shell_completion_offers_the_shipped_rulesets(monkeypatch):
    from checker.evaluation.ruleset import shipped_rulesets
    monkeypatch.setenv("_CARBON_CHECK_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "carbon-check lint zero")
    monkeypatch.setenv("COMP_CWORD", "2")
    result = CliRunner().invoke(main, [], prog_name="carbon-check")
    offered = [line.split(",", 1)[1] for line in result.stdout.splitlines() if line.startswith("plain,")]
    assert offered == sorted(p.stem for p in shipped_rulesets() if p.stem.startswith("zero"))
    assert "file,zero" in result.stdout.splitlines()  # a .rules file of one's own completes too
    monkeypatch.setenv("COMP_WORDS", "carbon-check check a.json --ruleset carbon-m")
    monkeypatch.setenv("COMP_CWORD", "4")
    result = CliRunner().invoke(main, [], prog_name="carbon-check")
    assert "plain,carbon-market" in result.stdout.splitlines()


def test_completion_scripts_are_documented_and_generated(monkeypatch):
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "_CARBON_CHECK_COMPLETE=bash_source" in readme
    monkeypatch.setenv("_CARBON_CHECK_COMPLETE", "bash_source")
    result = CliRunner().invoke(main, [], prog_name="carbon-check")
    assert "_carbon_check_completion" in result.stdout
