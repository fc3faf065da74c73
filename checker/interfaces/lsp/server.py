"""`carbon-check lsp`: a language server over stdio, built on pygls (the `lsp` extra).

Diagnostics on open and on every change (the CLI's lint: codes, places, messages), hover, go to
definition, completion, formatting through `fmt`, an outline of the ruleset, and semantic tokens (from the
Pygments lexer) for editors that highlight through the server, such as Neovim.
"""
from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygments import token as pygments_token

from ...inputs import InputError, read_text
from ...language.highlight import CarbonLexer

from ...language.diagnostics import Diagnostic, RulesetError
from ...language.format import format_source
from ...version import __version__
from .analysis import KEYWORDS, Document, Item

SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning}
SYMBOL_KIND = {"ruleset": lsp.SymbolKind.Module, "let": lsp.SymbolKind.Variable, "param": lsp.SymbolKind.Constant,
               "table": lsp.SymbolKind.Struct, "function": lsp.SymbolKind.Function, "import": lsp.SymbolKind.Namespace,
               "requirement": lsp.SymbolKind.Boolean, "section": lsp.SymbolKind.Class,
               "criterion": lsp.SymbolKind.Field, "grades": lsp.SymbolKind.Enum, "grade": lsp.SymbolKind.EnumMember}
COMPLETION_KIND = {"let": lsp.CompletionItemKind.Variable, "param": lsp.CompletionItemKind.Constant,
                   "table": lsp.CompletionItemKind.Struct, "import": lsp.CompletionItemKind.Module,
                   "function": lsp.CompletionItemKind.Function, "given": lsp.CompletionItemKind.Variable}

server = LanguageServer("carbon-check", __version__)
documents: dict[str, Document] = {}


def main() -> None:
    server.start_io()


# Positions: the checker counts characters, LSP counts code units of the encoding agreed with the client
# (UTF-16 unless the client offers UTF-8 or UTF-32, as Neovim does). ----------------------------------------

def _units(line: str, column: int) -> int:
    return server.workspace.position_codec.client_num_units(line[:column])


def _column(line: str, units: int) -> int:
    count = 0
    for index, ch in enumerate(line):
        if count >= units:
            return index
        count += server.workspace.position_codec.client_num_units(ch)
    return len(line)


def _position(document: Document, line: int, column: int) -> lsp.Position:
    """From a 1-based line and 0-based character column."""
    text = document.lines[line - 1] if 0 < line <= len(document.lines) else ""
    return lsp.Position(line=max(line - 1, 0), character=_units(text, column))


def _cursor(document: Document, position: lsp.Position) -> tuple[int, int]:
    line = position.line + 1
    text = document.lines[position.line] if position.line < len(document.lines) else ""
    return line, _column(text, position.character)


# Documents and their diagnostics ----------------------------------------------------------------------------

def _open(uri: str, text: str) -> Document:
    path = Path(to_fs_path(uri) or uri)
    document = documents.get(uri)
    if document is None:
        document = documents[uri] = Document(path, text)
    else:
        document.update(text)
    return document


def diagnostics_of(document: Document) -> list[lsp.Diagnostic]:
    out = []
    for found in document.diagnostics:
        span = found.span
        if span is None:
            start = end = lsp.Position(line=0, character=0)
        else:
            start = _position(document, span.line, span.column - 1)
            end = _position(document, span.end_line, max(span.end_column - 1, span.column))
        out.append(lsp.Diagnostic(range=lsp.Range(start=start, end=end), message=_message(found),
                                  severity=SEVERITY.get(found.severity, lsp.DiagnosticSeverity.Information),
                                  code=found.code, source="carbon-check"))
    return out


def _message(found: Diagnostic) -> str:
    lines = [found.message] + ([f"expected: {found.expected}"] if found.expected else []) + (
        [f"hint: {found.hint}"] if found.hint else [])
    return "\n".join(lines)


def _publish(ls: LanguageServer, uri: str, version: int | None) -> None:
    document = documents[uri]
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, version=version,
                                                                      diagnostics=diagnostics_of(document)))


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _open(params.text_document.uri, params.text_document.text)
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    text = ls.workspace.get_text_document(params.text_document.uri).source
    _open(params.text_document.uri, text)
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    documents.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def _document(ls: LanguageServer, uri: str) -> Document:
    """The document a question is about, its declarations up to date."""
    document = documents.get(uri) or _open(uri, ls.workspace.get_text_document(uri).source)
    document.refresh()
    return document


# Hover -----------------------------------------------------------------------------------------------------

@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    document = _document(ls, params.text_document.uri)
    line, column = _cursor(document, params.position)
    words = document.expand(document.dotted_at(line, column), line)
    found = document.resolve(words)
    if found is None:
        return None
    kind, what = found
    if kind == "evidence":
        text = _evidence_hover(".".join(words), what)
    elif kind == "function":
        text = f"```\n{what.signature()}\n```\n{what.summary}"
    else:
        text = _item_hover(what)
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text)) if text else None


def _evidence_hover(path: str, schema: dict | None) -> str | None:
    if schema is None:
        return f"`{path}`: not in the evidence schema"
    lines = [f"`{path}`"]
    zh, en = schema.get("x-description-zh"), schema.get("description")
    lines += [line for line in (zh, en) if line]
    facts = [f"type: {schema['type'] if isinstance(schema.get('type'), str) else schema.get('type', 'any')}"]
    if "x-unit" in schema:
        facts.append(f"unit: {schema['x-unit']}")
    if "enum" in schema:
        facts.append("one of: " + ", ".join(f"`{v}`" for v in schema["enum"]))
    return "\n\n".join(lines + [" · ".join(facts)])


def _item_hover(item: Item) -> str:
    node = item.node
    label = getattr(node, "label", None)
    lines = [f"**{item.kind} `{item.name}`**"]
    if label is not None:
        lines.append(label.zh + (f" / {label.en}" if label.en else ""))
    facts = []
    if getattr(node, "unit", None):
        facts.append(f"unit: {node.unit}")
    if getattr(node, "max", None) is not None:
        facts.append(f"max: {node.max}")
    if getattr(node, "cite", None):
        cite = node.cite
        facts.append(f"cite: {cite.zh}" + (f" / {cite.en}" if cite.en and cite.en != cite.zh else ""))
    if facts:
        lines.append("\n".join(f"- {fact}" for fact in facts))
    source = _source(item)
    if source:
        lines.append(f"```carbon-check\n{source}\n```")
    return "\n\n".join(lines)


def _source(item: Item, limit: int = 12) -> str:
    """The declaration as written (a long one cut short): its definition."""
    span = item.node.span
    try:
        text = read_text(item.file, what="ruleset") if item.kind != "import" else ""
    except InputError:
        return ""
    lines = text.split("\n")[span.line - 1: span.end_line]
    return "\n".join(lines[:limit] + (["…"] if len(lines) > limit else []))


# Go to definition -----------------------------------------------------------------------------------------

@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: LanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    document = _document(ls, params.text_document.uri)
    words = document.dotted_at(*_cursor(document, params.position))
    found = document.resolve(words)
    if found is None or found[0] != "item":
        return None
    item = found[1]
    if item.kind == "import" and document.libraries.get(item.name) is not None:
        target = document.libraries[item.name]
        start = lsp.Position(line=0, character=0)
        return lsp.Location(uri=from_fs_path(str(target.path)), range=lsp.Range(start=start, end=start))
    owner = document if item.file == document.path else next(
        (lib for lib in document.libraries.values() if lib is not None and lib.path == item.file), document)
    start = _position(owner, item.line, item.column)
    end = _position(owner, item.line, item.column + len(item.name))
    return lsp.Location(uri=from_fs_path(str(item.file)) if owner is not document else params.text_document.uri,
                        range=lsp.Range(start=start, end=end))


# Completion -----------------------------------------------------------------------------------------------

@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
def completion(ls: LanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    document = _document(ls, params.text_document.uri)
    line, column = _cursor(document, params.position)
    text = document.lines[line - 1] if line <= len(document.lines) else ""
    if column > 0 and text[column - 1] == ".":
        words = document.dotted_at(line, column - 1, whole_word=False) + [""]
    else:
        words = document.dotted_at(line, column, whole_word=False) or [""]
    words = document.expand(words, line) if len(words) >= 2 else words
    items: list[lsp.CompletionItem] = []
    if len(words) >= 2 and words[0] == "evidence":
        for name, schema in document.evidence_fields(words[1:-1]).items():
            detail = " · ".join(x for x in (schema.get("x-unit"), schema.get("type") if isinstance(
                schema.get("type"), str) else None) if x)
            items.append(lsp.CompletionItem(label=name, kind=lsp.CompletionItemKind.Field, detail=detail or None,
                                            documentation=schema.get("x-description-zh") or schema.get("description")))
    elif len(words) == 2 and document.libraries.get(words[0]) is not None:
        for name, item in document.libraries[words[0]].items.items():
            items.append(lsp.CompletionItem(label=name, kind=COMPLETION_KIND.get(item.kind), detail=_label(item)))
    elif len(words) == 1:
        for name, kind in sorted(document.names().items()):
            item = document.items.get(name)
            items.append(lsp.CompletionItem(label=name, kind=COMPLETION_KIND.get(kind),
                                            detail=_label(item) if item else kind))
        items += [lsp.CompletionItem(label=word, kind=lsp.CompletionItemKind.Keyword) for word in KEYWORDS]
    return lsp.CompletionList(is_incomplete=False, items=items)


def _label(item: Item) -> str | None:
    label = getattr(item.node, "label", None)
    return (label.zh + (f" / {label.en}" if label.en else "")) if label else item.kind


# Formatting and the outline -------------------------------------------------------------------------------

@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: LanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    document = _document(ls, params.text_document.uri)
    try:
        formatted = format_source(document.text, str(document.path))
    except RulesetError:
        return None  # the diagnostics already say what is wrong
    if formatted == document.text:
        return []
    end = lsp.Position(line=len(document.lines), character=0)
    return [lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=0, character=0), end=end), new_text=formatted)]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def symbols(ls: LanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    document = _document(ls, params.text_document.uri)
    return [_symbol(document, item) for item in document.outline]


def _symbol(document: Document, item: Item) -> lsp.DocumentSymbol:
    span = item.node.span
    whole = lsp.Range(start=_position(document, span.line, span.column - 1),
                      end=_position(document, span.end_line, span.end_column - 1))
    name = lsp.Range(start=_position(document, item.line, item.column),
                     end=_position(document, item.line, item.column + len(item.name)))
    if not (whole.start.line <= name.start.line <= whole.end.line):
        name = lsp.Range(start=whole.start, end=whole.start)
    return lsp.DocumentSymbol(name=item.name, kind=SYMBOL_KIND.get(item.kind, lsp.SymbolKind.Object),
                              range=whole, selection_range=name, detail=_label(item),
                              children=[_symbol(document, child) for child in item.children] or None)


# Semantic tokens: highlighting for editors without a grammar of their own ------------------------------

TOKEN_TYPES = ["comment", "string", "keyword", "number", "operator", "function", "variable", "namespace", "type"]
TOKEN_MODIFIERS = ["declaration", "defaultLibrary"]
_SEMANTIC = [  # the most specific Pygments kind first
    (pygments_token.Comment, "comment", 0), (pygments_token.String, "string", 0),
    (pygments_token.Keyword.Type, "type", 0), (pygments_token.Keyword, "keyword", 0),
    (pygments_token.Operator.Word, "keyword", 0), (pygments_token.Number, "number", 0),
    (pygments_token.Operator, "operator", 0), (pygments_token.Name.Function, "function", 0),
    (pygments_token.Name.Builtin, "variable", 2), (pygments_token.Name.Variable, "variable", 1),
    (pygments_token.Name.Namespace, "namespace", 0), (pygments_token.Name, "variable", 0)]


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS))
def semantic_tokens(ls: LanguageServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    document = _document(ls, params.text_document.uri)
    data: list[int] = []
    line = line_start = previous_line = previous_column = 0
    for start, kind, value in CarbonLexer().get_tokens_unprocessed(document.text):
        found = next(((name, modifier) for token, name, modifier in _SEMANTIC if kind in token), None)
        if found is not None and value.strip() and "\n" not in value:
            text = document.lines[line]
            column = _units(text, start - line_start)
            length = _units(text, start - line_start + len(value)) - column
            data += [line - previous_line, column - (previous_column if line == previous_line else 0), length,
                     TOKEN_TYPES.index(found[0]), found[1]]
            previous_line, previous_column = line, column
        for index, ch in enumerate(value):
            if ch == "\n":
                line, line_start = line + 1, start + index + 1
    return lsp.SemanticTokens(data=data)
