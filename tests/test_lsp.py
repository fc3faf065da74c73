"""The language server, driven as an editor drives it: `carbon-check lsp` over stdio, pygls's client.

One session opens a copy of the zero-carbon-factory ruleset, edits it and asks every question; the tests
below read the answers. Diagnostics are compared with what the checker itself reports for the same text.
"""
from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from checker.evaluation.ruleset import load_ruleset
from checker.language.diagnostics import RulesetError
from checker.language.format import format_source
from checker.tools.lint import lint_grades

ROOT = Path(__file__).resolve().parent.parent
RULESET = ROOT / "rulesets" / "zero-carbon-factory.rules"
LIBRARY = ROOT / "rulesets" / "lib" / "reference.rules"
TYPO = ("= evidence.reporting_period.year", "= evidence.reporting_period.yeer")


def at(text: str, needle: str, offset: int = 0, occurrence: int = 0) -> lsp.Position:
    """The position of `needle` (its `occurrence`-th appearance) in `text`, `offset` characters in."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    return lsp.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


async def session(folder: Path) -> dict:
    path = folder / RULESET.name
    shutil.copy(RULESET, path)
    shutil.copytree(LIBRARY.parent, folder / "lib")
    text = path.read_text(encoding="utf-8")
    uri = from_fs_path(str(path))
    doc = lsp.TextDocumentIdentifier(uri=uri)
    answers: dict = {"text": text, "path": path, "diagnostics": []}
    published = asyncio.Queue()

    client = LanguageClient("carbon-check-tests", "1")

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams):
        published.put_nowait(params)

    async def diagnostics():
        return await asyncio.wait_for(published.get(), 60)  # a guard against a hang, not a speed test

    await client.start_io(sys.executable, "-m", "checker.interfaces.cli", "lsp", "--stdio")
    try:
        await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(),
                                                           root_uri=from_fs_path(str(folder))))
        client.initialized(lsp.InitializedParams())
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="carbon-check", version=1, text=text)))
        answers["opened"] = await diagnostics()
        versions = [(2, text.replace(*TYPO)), (3, text.replace("let year", "let year year")), (4, text)]
        for version, changed in versions:
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=changed)]))
            answers["diagnostics"].append((changed, await diagnostics()))

        async def hover(needle, offset=0, occurrence=0):
            return await client.text_document_hover_async(lsp.HoverParams(
                text_document=doc, position=at(text, needle, offset, occurrence)))

        async def definition(needle, offset=0, occurrence=0):
            return await client.text_document_definition_async(lsp.DefinitionParams(
                text_document=doc, position=at(text, needle, offset, occurrence)))

        answers["hover_let"] = await hover("* grid_factor", 3)
        answers["hover_evidence"] = await hover("evidence.electricity.consumption", len("evidence.electricity.c"))
        answers["hover_object"] = await hover("evidence.electricity.consumption", len("evidence.e"))
        answers["hover_function"] = await hover("latest(", 1)
        answers["hover_criterion"] = await hover("criterion M1", len("criterion M"))
        answers["hover_item_field"] = await hover("s.mass", 3)
        answers["definition_let"] = await definition("* grid_factor", 3)
        answers["definition_param"] = await definition("gwp_vintage]", 2)
        answers["definition_library"] = await definition("reference.grid_average", len("reference.grid"))
        answers["definition_import"] = await definition("reference.grid_average", 2)

        flush_left = "\n".join(line.strip() for line in text.split("\n"))
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=5),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=flush_left)]))
        await diagnostics()
        answers["formatting"] = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=doc, options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))

        # Completion while typing: the document gains a line that is being written.
        typing = text + "let typing = evidence.electricity.\n"
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=6),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=typing)]))
        await diagnostics()
        answers["complete_evidence"] = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=doc, position=at(typing, "evidence.electricity.\n", len("evidence.electricity."))))
        answers["complete_name"] = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=doc, position=at(typing, "let typing = ", len("let typing = "))))
        answers["complete_item_field"] = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=doc, position=at(typing, "s.mass", 2)))
        answers["complete_library"] = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=doc, position=at(typing, "reference.grid_average", len("reference."))))
        answers["unformattable"] = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=doc, options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
        answers["semantic"] = await client.text_document_semantic_tokens_full_async(
            lsp.SemanticTokensParams(text_document=doc))
        answers["typing_semantic"] = typing
        answers["symbols"] = await client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=doc))
        # A second document: a function of the ruleset's own, and a text over several lines.
        other = folder / "functions.rules"
        other.write_text(FUNCTIONS, encoding="utf-8")
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
            uri=from_fs_path(str(other)), language_id="carbon-check", version=1, text=FUNCTIONS)))
        answers["functions_opened"] = await diagnostics()
        other_doc = lsp.TextDocumentIdentifier(uri=from_fs_path(str(other)))
        answers["definition_function"] = await client.text_document_definition_async(lsp.DefinitionParams(
            text_document=other_doc, position=at(FUNCTIONS, "twice(evidence", 1)))
        answers["hover_user_function"] = await client.text_document_hover_async(lsp.HoverParams(
            text_document=other_doc, position=at(FUNCTIONS, "= twice", 3)))
        answers["hover_continued"] = await client.text_document_hover_async(lsp.HoverParams(
            text_document=other_doc, position=at(FUNCTIONS, "let doubled", 5)))
        answers["functions_symbols"] = await client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=other_doc))
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return answers


FUNCTIONS = """ruleset functions {
  title    "函数" en "Functions"
  version  "1"
  evidence "zero-carbon-factory.schema.json"
}
function twice(x: number): number = x * 2
let doubled "两倍的" +
            "年度" en "Twice the " + "year" = twice(evidence.reporting_period.year)
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    return asyncio.run(session(tmp_path_factory.mktemp("lsp")))


def checker_says(path: Path, text: str):
    """What `carbon-check lint` finds in `text`: the checker's errors and warnings, then the grade gaps."""
    try:
        rules = load_ruleset(path, text=text)
    except RulesetError as error:
        return error.diagnostics
    return rules.warnings + lint_grades(rules)


def test_diagnostics_on_open_are_the_linters(answers):
    expected = checker_says(answers["path"], answers["text"])
    assert [d.code for d in answers["opened"].diagnostics] == [d.code for d in expected]
    assert not [d for d in answers["opened"].diagnostics if d.severity == lsp.DiagnosticSeverity.Error]


def test_diagnostics_follow_every_change_with_the_clis_codes_places_and_messages(answers):
    typo, syntax, fixed = answers["diagnostics"]
    for changed, published in (typo, syntax):
        expected = checker_says(answers["path"], changed)
        assert expected and [d.code for d in published.diagnostics] == [d.code for d in expected]
        for got, want in zip(published.diagnostics, expected):
            assert got.message.startswith(want.message)
            assert (got.range.start.line, got.range.start.character) == (want.span.line - 1, want.span.column - 1)
            assert got.range.end.line == want.span.end_line - 1
            assert got.severity == lsp.DiagnosticSeverity.Error
    assert syntax[1].diagnostics[0].code == "syntax"
    assert [d.code for d in fixed[1].diagnostics] == [d.code for d in answers["opened"].diagnostics]
    assert (typo[1].version, syntax[1].version, fixed[1].version) == (2, 3, 4)


def test_hover_shows_labels_unit_cite_and_definition(answers):
    let = answers["hover_let"].contents.value
    assert "电网排放因子 / Grid emission factor" in let and "unit: tCO2/MWh" in let
    assert "cite: 生态环境部、国家统计局全国平均因子" in let and "/ MEE/NBS national average factor" in let and "latest(reference.grid_average, year - 2)" in let
    evidence = answers["hover_evidence"].contents.value
    assert "`evidence.electricity.consumption`" in evidence and "总用电量" in evidence and "unit: MWh" in evidence
    assert "核算边界内的用电情况" in answers["hover_object"].contents.value
    assert "latest(" in answers["hover_function"].contents.value
    assert "`evidence.emissions.direct.mass`" in answers["hover_item_field"].contents.value  # `s` of `for s in`
    criterion = answers["hover_criterion"].contents.value
    assert "能源和碳排放智能信息化管理系统" in criterion and "max: 8" in criterion


def test_go_to_definition(answers):
    text = answers["text"]
    let = answers["definition_let"]
    assert let.uri == from_fs_path(str(answers["path"])) and let.range.start == at(text, "let grid_factor", 4)
    assert answers["definition_param"].range.start == at(text, "param gwp_vintage", 6)
    library = answers["definition_library"]
    library_text = (answers["path"].parent / "lib" / "reference.rules").read_text(encoding="utf-8")
    assert library.uri.endswith("/lib/reference.rules")
    assert library.range.start == at(library_text, "table grid_average", 6)
    assert answers["definition_import"].uri.endswith("/lib/reference.rules")


def test_go_to_a_function_and_hover_over_a_label_in_pieces(answers):
    opened = answers["functions_opened"]
    assert opened.uri.endswith("/functions.rules") and list(opened.diagnostics) == []
    assert answers["definition_function"].range.start == at(FUNCTIONS, "function twice", len("function "))
    assert answers["hover_user_function"].contents.value.startswith("**function `twice`**")
    assert "两倍的年度 / Twice the year" in answers["hover_continued"].contents.value
    kinds = {symbol.name: symbol.kind for symbol in answers["functions_symbols"]}
    assert kinds["twice"] == lsp.SymbolKind.Function and kinds["doubled"] == lsp.SymbolKind.Variable


def test_completion_of_evidence_paths_names_and_keywords(answers):
    evidence = {item.label: item for item in answers["complete_evidence"].items}
    assert {"consumption", "grid_purchase", "green_certificates"} <= set(evidence)
    assert evidence["consumption"].detail.startswith("MWh") and evidence["consumption"].documentation == "总用电量。"
    names = {item.label for item in answers["complete_name"].items}
    assert {"grid_factor", "gwp_vintage", "reference", "latest", "evidence", "let", "require"} <= names
    assert {"mass", "gas", "source"} <= {item.label for item in answers["complete_item_field"].items}
    library = {item.label for item in answers["complete_library"].items}
    assert {"gwp100", "grid_average"} <= library


def test_formatting_is_fmt(answers):
    (edit,) = answers["formatting"]
    assert edit.new_text == format_source(answers["text"])  # the same as from the file as it was
    assert (edit.range.start.line, edit.range.end.line) == (0, answers["text"].count("\n") + 1)
    assert answers["unformattable"] is None  # a syntax error: the diagnostics say so, nothing is rewritten


def test_document_symbols_outline_sections_criteria_and_grades(answers):
    symbols = {s.name: s for s in answers["symbols"]}
    assert {"zero_carbon_factory", "reference", "year", "R1", "S1", "grades"} <= set(symbols)
    assert [c.name for c in symbols["S1"].children] == ["M1", "M2"]
    assert [c.name for c in symbols["grades"].children] == ["six_stars", "five_stars", "four_stars", "three_stars"]
    assert symbols["R1"].selection_range.start == at(answers["text"], "require R1", 8)


def test_without_the_extra_the_command_says_which_to_install(monkeypatch):
    from click.testing import CliRunner

    from checker.interfaces.cli import main
    monkeypatch.setitem(sys.modules, "pygls", None)  # as if pygls were not installed
    monkeypatch.delitem(sys.modules, "checker.interfaces.lsp.server", raising=False)
    result = CliRunner().invoke(main, ["lsp"])
    assert result.exit_code == 1
    assert "the 'lsp' extra: pip install 'carbon-check[lsp]'" in result.output


async def utf8_session(folder: Path) -> tuple[str, lsp.PublishDiagnosticsParams, lsp.Hover]:
    """A client that counts positions in UTF-8 bytes, as Neovim offers to."""
    path = folder / "utf8.rules"
    text = ('ruleset r { title "标题" en "Title" version "1" evidence "zero-carbon-factory.schema.json" }\n'
            'let x "甲乙丙" en "X" = evidence.electricity.nope + evidence.electricity.consumption\n')
    path.write_text(text, encoding="utf-8")
    uri = from_fs_path(str(path))
    published = asyncio.Queue()
    client = LanguageClient("carbon-check-tests", "1")
    client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(lambda params: published.put_nowait(params))
    await client.start_io(sys.executable, "-m", "checker.interfaces.cli", "lsp")
    try:
        capabilities = lsp.ClientCapabilities(general=lsp.GeneralClientCapabilities(
            position_encodings=[lsp.PositionEncodingKind.Utf8]))
        await client.initialize_async(lsp.InitializeParams(capabilities=capabilities))
        client.initialized(lsp.InitializedParams())
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="carbon-check", version=1, text=text)))
        diagnostics = await asyncio.wait_for(published.get(), 60)
        line = text.split("\n")[1]
        column = len(line[: line.index("consumption") + 2].encode("utf-8"))
        hover = await client.text_document_hover_async(lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=1, character=column)))
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return line, diagnostics, hover


def test_positions_in_the_encoding_the_client_chose(tmp_path):
    line, diagnostics, hover = asyncio.run(utf8_session(tmp_path))
    (found,) = diagnostics.diagnostics
    assert found.range.start.character == len(line[: line.index("evidence.electricity.nope")].encode("utf-8"))
    assert "`evidence.electricity.consumption`" in hover.contents.value


def test_semantic_tokens_highlight_for_editors_without_a_grammar(answers):
    from checker.interfaces.lsp.server import TOKEN_TYPES
    data, lines = answers["semantic"].data, answers["typing_semantic"].split("\n")
    found, line, column = {}, 0, 0
    for i in range(0, len(data), 5):
        delta_line, delta_column, length, kind, modifiers = data[i:i + 5]
        line, column = line + delta_line, (column if delta_line == 0 else 0) + delta_column
        found.setdefault(lines[line][column:column + length], set()).add((TOKEN_TYPES[kind], modifiers))
    assert ("keyword", 0) in found["let"] and ("variable", 1) in found["grid_factor"]
    assert ("type", 0) in found["tCO2/MWh"] and ("function", 0) in found["latest"]
    assert any(text.startswith("# Zero-carbon factory") and ("comment", 0) in kinds for text, kinds in found.items())
    assert ("string", 0) in found['"电网排放因子"'] and ("variable", 2) in found["evidence"]
