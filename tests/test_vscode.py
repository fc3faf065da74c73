"""The VS Code extension in editors/vscode: its TextMate grammar tokenises every shipped ruleset as VS Code
would (vscode-textmate with vscode-oniguruma, run by node), and agrees with the Pygments lexer on what each
word is. Skips only where node or npm is not installed; the npm packages are installed when missing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String

from checker.language.highlight import CarbonLexer

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "editors" / "vscode"
SHIPPED = sorted((ROOT / "rulesets").glob("*.rules")) + sorted((ROOT / "rulesets" / "lib").glob("*.rules"))
SAMPLE = ROOT / "tests" / "data" / "language" / "continued-texts.rules"  # texts over several lines
PACKAGES = ("vscode-textmate@9", "vscode-oniguruma@2")
# What a word is, for Pygments, and the scope VS Code must give it.
SCOPES = [(Comment, "comment.line"), (String, "string.quoted"), (Keyword.Declaration, "keyword.other.declaration"),
          (Keyword.Type, "keyword.other.unit"), (Keyword.Constant, "constant.language"),
          (Number, "constant.numeric"), (Operator.Word, "keyword.operator.word"), (Operator, "keyword.operator"),
          (Name.Function, "entity.name.function"), (Name.Builtin, "variable.language"),
          (Name.Variable, "entity.name.variable"), (Name.Namespace, "entity.name.namespace"), (Keyword, "keyword"),
          (Punctuation, "punctuation")]


def npm_folder() -> Path:
    folder = Path(os.environ.get("CARBON_CHECK_NPM_DIR") or Path.home() / ".cache" / "carbon-check" / "npm")
    if not (folder / "node_modules" / "vscode-textmate").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), *PACKAGES],
                       check=True, capture_output=True, timeout=600)
    return folder


@pytest.fixture(scope="module")
def tokens():
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm (system packages) are needed to run vscode-textmate")
    environment = dict(os.environ, NODE_PATH=str(npm_folder() / "node_modules"))
    done = subprocess.run(["node", str(EXTENSION / "test" / "tokenise.js"), *map(str, SHIPPED + [SAMPLE])], env=environment,
                          check=True, capture_output=True, timeout=300)
    return json.loads(done.stdout)


def test_the_extension_names_its_grammar_and_configuration():
    package = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    (language,) = package["contributes"]["languages"]
    (grammar,) = package["contributes"]["grammars"]
    assert language["extensions"] == [".rules"] and grammar["language"] == language["id"]
    syntax = json.loads((EXTENSION / grammar["path"]).read_text(encoding="utf-8"))
    assert syntax["scopeName"] == grammar["scopeName"]
    configuration = json.loads((EXTENSION / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"


def scopes_at(lines: list, line: int, column: int) -> list[str]:
    for start, end, scopes in lines[line]:
        if start <= column < end:
            return scopes
    return []


@pytest.mark.parametrize("path", SHIPPED + [SAMPLE], ids=lambda p: p.name)
def test_vscode_tokenises_like_pygments(path, tokens):
    lines = tokens[str(path)]
    text = path.read_text(encoding="utf-8")
    assert len(lines) == text.count("\n") + 1
    checked = 0
    for start, kind, value in CarbonLexer().get_tokens_unprocessed(text):
        expected = next((scope for token, scope in SCOPES if kind in token), None)
        if expected is None or not value.strip():
            continue
        line = text.count("\n", 0, start)
        column = start - (text.rfind("\n", 0, start) + 1)
        scopes = scopes_at(lines, line, column)
        assert any(s.startswith(expected) for s in scopes), f"{path.name}:{line + 1}:{column + 1} {value!r}: {scopes}"
        checked += 1
    assert checked > (20 if path == SAMPLE else 50)


def test_a_plus_that_goes_on_with_a_text_is_not_a_sum(tokens):
    lines = tokens[str(SAMPLE)]
    text = SAMPLE.read_text(encoding="utf-8").split("\n")
    pluses = {n: [i for i, ch in enumerate(line) if ch == "+" and "#" not in line[:i]] for n, line in enumerate(text)}
    kinds = [(text[n].strip(), scopes_at(lines, n, i)[-1]) for n, found in pluses.items() for i in found]
    assert [kind.rsplit(".", 1)[0] for _, kind in kinds] == ["punctuation.separator.continuation"] * 3 + [
        "keyword.operator"], kinds


@pytest.mark.parametrize("setting", [None, "venv"])
def test_the_client_starts_the_language_server_as_configured(setting):
    """extension.js run by node with stand-ins for VS Code's modules: the server command, its setting, the
    documents it serves. (VS Code itself is not installed where the tests run.)"""
    if not shutil.which("node"):
        pytest.skip("node (a system package) is needed to run the extension's code")
    configured = str(Path(sys.executable).parent / "carbon-check") if setting else None
    done = subprocess.run(["node", str(EXTENSION / "test" / "activate.js"), *([configured] if configured else [])],
                          check=True, capture_output=True, text=True, timeout=60)
    recorded = json.loads(done.stdout)
    package = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    (client,) = recorded["clients"]
    assert client["serverOptions"] == {"command": configured or "carbon-check", "args": ["lsp", "--stdio"]}
    assert recorded["asked"] == [key for key in package["contributes"]["configuration"]["properties"]]
    language = package["contributes"]["languages"][0]["id"]
    assert {selector["language"] for selector in client["clientOptions"]["documentSelector"]} == {language}
    assert (recorded["started"], recorded["stopped"]) == (1, 1)
    assert package["activationEvents"] == [f"onLanguage:{language}"] and package["main"] == "./extension.js"
    if configured:  # the command line it starts is one carbon-check accepts
        assert subprocess.run([configured, *client["serverOptions"]["args"], "--help"], capture_output=True,
                              timeout=60).returncode == 0
