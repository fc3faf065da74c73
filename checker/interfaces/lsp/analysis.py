"""What the language server knows of one open ruleset: its diagnostics, declarations and evidence schema.

Pure Python, free of the protocol: the server turns these answers into LSP messages. Positions here are
1-based lines and 0-based columns counted in characters, as the checker's spans are (less one column).
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...evaluation.ruleset import display_path, load_ruleset
from ...inputs import InputError, is_file, read_file, read_text
from ...language import ast
from ...language.diagnostics import Diagnostic, RulesetError, Span
from ...language.functions import FUNCTIONS
from ...language.parse import parse
from ...language.schema import resolve
from ...language.words import GIVEN, RESERVED
from ...resources import resource_dir
from ...tools.lint import lint_grades, lint_tiers
from ...tools.lint_usage import lint_boundary

KEYWORDS = sorted(set(RESERVED) | {"ruleset", "library", "variant", "as", "default", "columns", "max", "scale",
                                   "from", "to", "assessed", "points", "waivable", "en", "true", "false", "none"})
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DECLARED = re.compile(r"\b(?:ruleset|library|let|param|table|function|require|section|criterion|grade|as)\s+"
                       r"([A-Za-z_]\w*)")


@dataclass
class Item:
    """Something declared: a let, parameter, table, import, requirement, section, criterion or grade."""

    name: str
    kind: str
    node: ast.Node
    file: Path
    line: int  # where its name is, 1-based
    column: int  # 0-based
    children: list["Item"] = field(default_factory=list)


class Document:
    """One ruleset as the editor holds it; `update` re-reads it after every change."""

    def __init__(self, path: Path, text: str, check: bool = True):
        self.path = path
        self.check = check  # libraries are read for their names only
        self.items: dict[str, Item] = {}
        self.outline: list[Item] = []
        self.module: ast.Module | None = None
        self.libraries: dict[str, Document] = {}
        self.schema: dict = {}
        self.diagnostics: list[Diagnostic] = []
        self.update(text)

    def update(self, text: str) -> None:
        """Check the new text at once (diagnostics are what an editor waits for); re-read its declarations
        from the checker's own parse, or, when the check failed, by parsing again on the next question."""
        self.text = text
        self.lines = text.split("\n")
        self.stale = True
        self.diagnostics = self._check() if self.check else []
        if not self.check:
            self.refresh()

    def refresh(self) -> None:
        """Bring the declarations up to date with the text, if a question needs them."""
        if not self.stale:
            return
        self.stale = False
        try:
            module = parse(self.text, display_path(self.path))
        except RulesetError:
            return  # keep what the last text that parsed declared: names stay known while a line is typed
        self._index(module)

    # Diagnostics -------------------------------------------------------------------------------------

    def _check(self) -> list[Diagnostic]:
        """Much of the CLI's `lint`: the checker's errors and warnings, unreached tiers, the grade table's gaps."""
        try:
            rules = load_ruleset(self.path, text=self.text)
        except RulesetError as error:
            found = error.diagnostics
            if any(d.code == "syntax" for d in found):
                self.stale = False  # it does not parse: nothing new to index
        else:
            found = rules.warnings + lint_boundary(rules) + lint_tiers(rules) + lint_grades(rules)
            self._index(rules.module)
            self.stale = False
        mine = display_path(self.path)
        return [d for d in found if d.span is None or d.span.file == mine] + [
            _on_import(d, self) for d in found if d.span is not None and d.span.file != mine]

    # Declarations ------------------------------------------------------------------------------------

    def _index(self, module: ast.Module) -> None:
        self.module = module
        self.schema = self._schema(module)
        self.items, self.outline = {}, []
        self.outline.append(self._item(module.header.id, "ruleset", module.header))
        for decl in module.declarations:
            if isinstance(decl, ast.Import):
                item = self._item(decl.alias, "import", decl)
                self.libraries[decl.alias] = self._library(decl)
            elif isinstance(decl, (ast.Section, ast.Grades)):
                children = decl.criteria if isinstance(decl, ast.Section) else decl.grades
                kind = "section" if isinstance(decl, ast.Section) else "grades"
                item = self._item(getattr(decl, "id", "grades"), kind, decl)
                item.children = [self._item(c.id, "criterion" if kind == "section" else "grade", c)
                                 for c in children]
            else:
                name = getattr(decl, "name", None) or getattr(decl, "id", None)
                if name is None:
                    continue  # the variant declaration: nothing to name
                kind = "function" if isinstance(decl, ast.FunctionDecl) else type(decl).__name__.lower()
                item = self._item(name, kind, decl)
            self.outline.append(item)
        for item in self.outline[1:]:
            for entry in [item] + item.children:
                self.items.setdefault(entry.name, entry)

    def _item(self, name: str, kind: str, node: ast.Node) -> Item:
        line, column = node.span.line, node.span.column - 1
        for number in range(node.span.line, min(node.span.end_line, node.span.line + 3) + 1):
            text = self.lines[number - 1] if number <= len(self.lines) else ""
            found = next((m for m in _DECLARED.finditer(text) if m.group(1) == name), None)
            if found:
                line, column = number, found.start(1)
                break
        return Item(name, kind, node, self.path, line, column)

    def _library(self, decl: ast.Import) -> "Document | None":
        for candidate in (self.path.parent / decl.path, resource_dir("rulesets") / decl.path):
            if is_file(candidate):
                try:
                    return _library(candidate.resolve(), candidate.stat().st_mtime_ns)
                except (OSError, InputError):
                    return None
        return None

    def _schema(self, module: ast.Module) -> dict:
        entry = next((m for m in module.header.meta if m.key == "evidence"), None)
        if entry is None:
            return {}
        for candidate in (self.path.parent / entry.value.zh, resource_dir("schemas") / entry.value.zh):
            try:
                return json.loads(read_file(candidate, what="schema"))
            except (InputError, ValueError):
                continue
        return {}

    # Questions the editor asks -----------------------------------------------------------------------

    def dotted_at(self, line: int, column: int, whole_word: bool = True) -> list[str]:
        """The dotted name under the cursor, up to the word the cursor is on: `evidence.a` on the `a` of
        `evidence.a.b`. With `whole_word` false, up to the cursor only (what is being typed)."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        for match in _DOTTED.finditer(text):
            if match.start() <= column <= match.end():
                end = column if not whole_word else (text.find(".", column) if "." in text[column:match.end()]
                                                     else match.end())
                return text[match.start():end].split(".")
        return []

    def expand(self, words: list[str], line: int) -> list[str]:
        """`s.mass` inside `… for s in evidence.emissions.direct` as `evidence.emissions.direct.mass`."""
        if not words or words[0] == "evidence" or words[0] in self.items or words[0] in self.libraries:
            return words
        pattern = re.compile(rf"\bfor\s+{re.escape(words[0])}\s+in\s+(evidence(?:\.[A-Za-z_]\w*)+)")
        for number in range(min(line, len(self.lines)), max(line - 12, 0), -1):
            found = pattern.search(self.lines[number - 1])
            if found:
                return found.group(1).split(".") + words[1:]
        return words

    def resolve(self, words: list[str]) -> tuple[str, object] | None:
        """What a dotted name stands for: ("item", Item), ("evidence", schema node) or ("function", Function)."""
        if not words:
            return None
        first = words[0]
        if first == "evidence":
            return "evidence", self.evidence_schema(words[1:])
        if first in self.libraries and len(words) >= 2 and self.libraries[first] is not None:
            item = self.libraries[first].items.get(words[1])
            return ("item", item) if item else None
        if len(words) == 1 and first in self.items:
            return "item", self.items[first]
        if len(words) == 1 and first in FUNCTIONS:
            return "function", FUNCTIONS[first]
        return None

    def evidence_schema(self, path: list[str]) -> dict | None:
        node = resolve(self.schema, self.schema)
        for name in path:
            while node.get("type") == "array" or "items" in node:
                node = resolve(node.get("items", {}), self.schema)
            node = node.get("properties", {}).get(name)
            if node is None:
                return None
            node = resolve(node, self.schema)
        return node

    def evidence_fields(self, path: list[str]) -> dict[str, dict]:
        node = self.evidence_schema(path) or {}
        while node.get("type") == "array" or "items" in node:
            node = resolve(node.get("items", {}), self.schema)
        return {name: resolve(value, self.schema) for name, value in node.get("properties", {}).items()}

    def names(self) -> dict[str, str]:
        """Every name a formula can use here, with its kind."""
        items = ("ruleset", "requirement", "section", "criterion", "grades", "grade")  # not values
        found = {name: item.kind for name, item in self.items.items() if item.kind not in items}
        found.update({name: "function" for name in FUNCTIONS})
        found.update({name: "given" for name in GIVEN})
        return found


@functools.lru_cache(maxsize=32)
def _library(path: Path, mtime: int) -> Document:
    """A library as last saved, read once per change on disk."""
    return Document(path, read_text(path, what="library"), check=False)


def _on_import(diagnostic: Diagnostic, document: Document) -> Diagnostic:
    """A problem inside an imported file, shown on the import that brings it in."""
    where = next((item for item in document.outline if item.kind == "import"), None)
    span = where.node.span if where else Span(display_path(document.path), 1, 1, 1, 2)
    return Diagnostic(diagnostic.code, f"{diagnostic.span.file}:{diagnostic.span.line}: {diagnostic.message}",
                      span, diagnostic.expected, diagnostic.hint, diagnostic.severity)
