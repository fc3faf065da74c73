"""Parse phase: ruleset text → syntax tree (checker.ast), or diagnostics with a caret."""
from __future__ import annotations

import hashlib
import re
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import platformdirs
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..language import ast
from ..language.diagnostics import Diagnostic, RulesetError, Span
from ..errors import did_you_mean
from ..language.words import DECLARATIONS
from ..records import replace
from ..resources import resource_dir

# What a standards writer reads instead of lark's terminal names.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "KIND": "'ruleset' or 'library'",
    "NUMBER": "a number",
    "ROW_KEY": "a row key such as 2024:",
    "STRING": 'a quoted text "…"',
    "JOIN": "+ (the text goes on)",
    "UNIT": "a unit such as tCO2e",
    "PERCENT": "%",
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "ADD": "+ or -",
    "MINUS": "-",
    "MUL": "* or /",
    "COALESCE": "??",
    "OR": "or",
    "AND": "and",
    "NOT": "not",
    "_IN": "in",
    "$END": "the end of the file",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (resource_dir("grammar") / "carbon.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True,
                cache=_cache_file(grammar) or False)


def _cache_file(grammar: str) -> str | None:
    """Where lark keeps the parse tables between runs: building them takes ~100 ms, loading them ~10 ms.

    The file is a pickle, so it lives in the user's own cache folder (the platform's: XDG on Linux,
    ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows), never in the shared temporary one.
    Lark checks the grammar, its options and versions against the file and rebuilds it when they differ.
    """
    folder = Path(platformdirs.user_cache_dir("carbon-check", appauthor=False))
    if not folder.is_absolute():
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    return str(folder / f"grammar-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.lark")


# Words that begin a top-level declaration (`variant` is left out: it is also a name in expressions).
# Strings and comments are matched first so that the words inside them are skipped.
_DECLARATION_WORDS = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|\b(?:'
                                + "|".join(w for w in DECLARATIONS if w != "variant") + r')\b')
MAX_SYNTAX_ERRORS = 20
# `lets x = 1` lexes as `let s x`: a line that starts with a keyword glued to more letters, up to the word after.
_KEYWORDS = sorted({*DECLARATIONS, "criterion", "grade"}, key=len, reverse=True)  # `grades` before `grade`
_GLUED_KEYWORD = re.compile(r"[ \t]*((" + "|".join(_KEYWORDS) + r")\w+)[ \t]*\w*")


def parse(source: str, filename: str) -> ast.Module:
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as error:
        raise RulesetError(_syntax_diagnostics(source, filename, error), {filename: source}) from None
    deep = _too_deep(tree, filename)
    if deep:
        raise RulesetError([deep], {filename: source})
    return _Builder(source, filename).transform(tree)


# Every later phase (building the syntax tree, checking, compiling, evaluating, the gap analysis, formatting)
# walks expressions recursively; past this depth a hostile file could exhaust Python's stack, so it is
# refused here, once, with a diagnostic. The shipped rulesets nest at most 10 levels deep.
MAX_NESTING = 100


def _too_deep(tree, filename: str) -> Diagnostic | None:
    """The place where the parse tree nests more than MAX_NESTING levels, if it does (walked without recursion)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node.meta
            span = (Span(filename, meta.line, meta.column, meta.end_line, meta.end_column)
                    if not meta.empty else Span(filename, 1, 1, 1, 2))
            return Diagnostic("too-deep", f"the expression is too deeply nested (more than {MAX_NESTING} levels)",
                              span, hint="split it into several `let` values, or use sum(...) over a list")
        stack.extend((child, depth + 1) for child in node.children if hasattr(child, "children"))
    return None


def _syntax_diagnostics(source: str, filename: str, error: UnexpectedInput) -> list[Diagnostic]:
    """The first syntax error and those of the declarations after it.

    Declarations are independent: the one that failed is blanked out up to the next declaration word
    (newlines kept, so every later line and column stays where it was) and the file is parsed again.
    An error in the header, or one with no declaration after it, ends the search.
    """
    starts = [m.start() for m in _DECLARATION_WORDS.finditer(source) if m.group()[0] not in '"#']
    diagnostics: list[Diagnostic] = []
    text = source
    while True:
        offset = _error_offset(error)
        end = len(source) if offset is None else offset
        begin = max((s for s in starts if s < end), default=None)
        resume = min((s for s in starts if s >= offset), default=None) if offset is not None else None
        diagnostic = _syntax_diagnostic(error, filename)
        if begin is not None and (offset is None or offset in starts):
            # Found at the next declaration or the end of the file: the one before it is what is wrong.
            line = source.count("\n", 0, begin) + 1
            diagnostic = replace(diagnostic, hint=f"the declaration on line {line} is not finished")
        elif offset is not None and source.startswith('"', offset) and source[:offset].rstrip().endswith('"'):
            diagnostic = replace(diagnostic, hint='to go on with the same text, end the piece before with +: '
                                                  '"…" + "…"')
        elif offset is not None:
            line_start = source.rfind("\n", 0, offset) + 1
            glued = _GLUED_KEYWORD.match(source, line_start)
            if glued and offset <= glued.end() and (source[offset].isalpha() or source[offset] == "_"):
                diagnostic = replace(diagnostic, hint=f"'{glued.group(1)}' is not a keyword: did you mean "
                                                      f"'{glued.group(2)}'?")
        diagnostics.append(diagnostic)
        if begin is None or resume is None or len(diagnostics) == MAX_SYNTAX_ERRORS:
            return diagnostics
        text = text[:begin] + re.sub(r"[^\n]", " ", text[begin:resume]) + text[resume:]
        try:
            _parser().parse(text)
            return diagnostics
        except UnexpectedInput as again:
            if _error_offset(again) is not None and _error_offset(again) <= offset:
                return diagnostics  # no progress: stop rather than report one place twice
            error = again


def _error_offset(error: UnexpectedInput) -> int | None:
    if isinstance(error, UnexpectedCharacters):
        return error.pos_in_stream
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        return error.token.start_pos
    return None


def _span(filename: str, item) -> Span:
    return Span(filename, item.line, item.column, item.end_line, item.end_column)


def _describe(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    try:
        pattern = _parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    return f"'{pattern.value}'" if pattern.type == "str" else terminal.lower()


def _syntax_diagnostic(error: UnexpectedInput, filename: str) -> Diagnostic:
    line, column = error.line, error.column
    if isinstance(error, UnexpectedCharacters):
        found = f"unexpected character {error.char!r}"
        expected = error.allowed
        if error.char == '"':
            found, expected = 'this text is not closed: no closing " on its line', ()
    elif isinstance(error, UnexpectedEOF):
        found = "unexpected end of file"
        expected = error.expected
        line, column = max(line, 1), max(column, 1)
    else:
        token = error.token
        found = "unexpected end of file" if token.type == "$END" else f"unexpected '{token}'"
        expected = error.expected
        if token.type == "$END":
            line, column = getattr(token, "line", line) or line, getattr(token, "column", column) or column
    words = _summarise(set(expected or ()))
    hint = None
    if isinstance(error, UnexpectedToken) and error.token.type in ("NAME", "UNIT"):
        keywords = [_describe(t).strip("'") for t in expected or () if t.isupper() and t.isalpha()]
        hint = did_you_mean(str(error.token), [k for k in keywords if k.isalpha()])
    width = len(str(error.token)) if isinstance(error, UnexpectedToken) and error.token.type != "$END" else 1
    span = Span(filename, max(line, 1), max(column, 1), max(line, 1), max(column, 1) + max(width, 1))
    return Diagnostic("syntax", found, span, expected=", ".join(words) if words else None, hint=hint)


_OPERAND_START = {"NAME", "NUMBER", "STRING", "LPAR", "MINUS", "TRUE", "FALSE", "IF", "NOT"}
_OPERATORS = {"ADD", "MINUS", "MUL", "COMPARE", "AND", "OR", "COALESCE", "_IN", "DOT", "LSQB", "UNIT", "PERCENT"}
_DECLARATIONS = {word.upper() for word in DECLARATIONS}


def _summarise(expected: set[str]) -> list[str]:
    """Turn lark's set of acceptable terminals into a few words a writer can act on."""
    words = []
    if {"NAME", "NUMBER"} <= expected:
        words.append("a value (number, name, text or parenthesised expression)")
        expected -= _OPERAND_START
    if len(expected & _OPERATORS) >= 3:
        words.append("an operator")
        expected -= _OPERATORS
    if len(expected & _DECLARATIONS) >= 3:
        words.append("the next declaration (let, require, section, grades, …)")
        expected -= _DECLARATIONS
    if len(expected) > 8:
        words.append("the rest of the expression")
        return words
    return words + sorted(_describe(t) for t in expected)


@v_args(meta=True)
class _Builder(Transformer):
    """Builds checker.ast nodes; every node keeps its span and source text."""

    def __init__(self, source: str, filename: str):
        super().__init__()
        self.source = source
        self.filename = filename

    def _at(self, meta) -> Span:
        return _span(self.filename, meta)

    def _expr(self, cls, meta, **fields):
        # Whitespace is folded: the text is shown in explanations, on one line.
        text = " ".join(self.source[meta.start_pos : meta.end_pos].split())
        return cls(span=self._at(meta), text=text, **fields)

    # Structure
    def start(self, meta, children):
        return ast.Module(self._at(meta), children[0], children[1:], self.source)

    def header(self, meta, children):
        return ast.Header(self._at(meta), str(children[0]), str(children[1]), children[2:])

    def meta(self, meta, children):
        return ast.Meta(self._at(meta), str(children[0]), children[1])

    def text(self, meta, children):
        zh, en = children
        return ast.Label(zh, en)

    def words(self, meta, children):
        return "".join(_unquote(piece) for piece in children if piece.type == "STRING")

    def cite(self, meta, children):
        return children[0]

    def import_decl(self, meta, children):
        return ast.Import(self._at(meta), _unquote(children[0]), str(children[1]))

    def let_decl(self, meta, children):
        name, label, unit, expr, when, cite = children
        return ast.Let(self._at(meta), str(name), label, unit, expr, cite, when)

    def param_decl(self, meta, children):
        name, label, unit, allowed, default, cite = children
        param = ast.Param(self._at(meta), str(name), label, unit, default, cite)
        if isinstance(allowed, ast.Within):
            param.range = allowed
            allowed.value = ast.Name(span=param.span, text=param.name, name=param.name)
        elif allowed is not None:
            param.choices = allowed
        return param

    def allowed_range(self, meta, children):
        lower, upper, lower_closed, upper_closed = children[0]
        return self._expr(ast.Within, meta, lower=lower, upper=upper, lower_closed=lower_closed,
                          upper_closed=upper_closed)

    def allowed_bound(self, meta, children):
        # `== x` and `!= x` bound nothing: a range with neither bound, which check reports.
        operator, bound = str(children[0]), children[1]
        lower, upper = operator in (">=", ">"), operator in ("<=", "<")
        return self._expr(ast.Within, meta, lower=bound if lower else None, upper=bound if upper else None,
                          lower_closed=operator == ">=", upper_closed=operator == "<=")

    def allowed_values(self, meta, children):
        return list(children)

    def function_decl(self, meta, children):
        name, *arguments, label, result, expr, cite = children
        kind, unit = result or (None, None)
        return ast.FunctionDecl(self._at(meta), str(name), [a for a in arguments if a is not None], label, kind,
                                unit, expr, cite)

    def argument(self, meta, children):
        name, (kind, unit) = children
        return ast.Argument(self._at(meta), str(name), kind, unit)

    def result_type(self, meta, children):
        if isinstance(children[0], Token) and children[0].type == "VALUE_KIND":
            return str(children[0]), None
        return "number", children[0]

    def table_decl(self, meta, children):
        name, label, unit, columns, cite, *rows = children
        return ast.Table(self._at(meta), str(name), label, unit, columns, rows, cite)

    def columns(self, meta, children):
        return [_unquote(c) for c in children]

    def row(self, meta, children):
        key, *cells, cite = children
        return ast.Row(self._at(meta), key, [c and c[0] for c in cells], cite, [c and c[1] for c in cells])

    def cell(self, meta, children):
        return children[0], children[1]  # the number and its unit, if written

    def text_key(self, meta, children):
        return _unquote(children[0])

    def number_key(self, meta, children):
        return _number(str(children[0]).rstrip(" \t:"))

    def signed_number(self, meta, children):
        sign, number = children
        value = _number(number)
        return -value if sign is not None else value

    def no_value(self, meta, children):
        return None

    def unit(self, meta, children):
        return str(children[0])

    def variant_decl(self, meta, children):
        return ast.Variant(self._at(meta), children[0], children[1:])

    def variant_option(self, meta, children):
        value, label, cite = children
        return ast.VariantOption(self._at(meta), _unquote(value), label, cite)

    def require_decl(self, meta, children):
        name, label, cite, when, waivable, condition = children
        return ast.Requirement(self._at(meta), str(name), label, cite, when, waivable is not None, condition)

    def when(self, meta, children):
        return children[0]

    def waivable(self, meta, children):
        return True

    def section_decl(self, meta, children):
        name, label, maximum, cite, *criteria = children
        return ast.Section(self._at(meta), str(name), label, _number(maximum), cite, criteria)

    def criterion_decl(self, meta, children):
        name, label, maximum, cite, when, scoring = children
        return ast.Criterion(self._at(meta), str(name), label, _number(maximum), cite, when, scoring)

    def tiers(self, meta, children):
        return ast.Tiers(self._at(meta), children)

    def tier(self, meta, children):
        return ast.Tier(self._at(meta), _number(children[0]), children[1])

    def otherwise(self, meta, children):
        return ast.Tier(self._at(meta), _number(children[0]), None)

    def scale(self, meta, children):
        return ast.Scale(self._at(meta), *children)

    def assessed(self, meta, children):
        return ast.Assessed(self._at(meta), children[0])

    def points(self, meta, children):
        return ast.Points(self._at(meta), children[0])

    def grades_decl(self, meta, children):
        label, unranked, maximum, cite, *grades = children
        return ast.Grades(self._at(meta), label, _number(maximum), cite, grades, unranked is not None)

    def unranked(self, meta, children):
        return True

    def grade_decl(self, meta, children):
        name, label, cite, condition = children
        return ast.Grade(self._at(meta), str(name), label, cite, condition)

    # Expressions
    def conditional(self, meta, children):
        return self._expr(ast.Conditional, meta, condition=children[0], then=children[1], otherwise=children[2])

    def logic(self, meta, children):
        left, op, right = children
        operands = []
        for side in (left, right):
            if isinstance(side, ast.Logic) and side.op == str(op) and not _parenthesised(side, self.source):
                operands.extend(side.operands)
            else:
                operands.append(side)
        return self._expr(ast.Logic, meta, op=str(op), operands=operands)

    def negate(self, meta, children):
        return self._expr(ast.Not, meta, operand=children[1])

    def compare(self, meta, children):
        left, op, right = children
        return self._expr(ast.Compare, meta, op=str(op), left=left, right=right)

    def within(self, meta, children):
        value, (lower, upper, lower_closed, upper_closed) = children
        return self._expr(ast.Within, meta, value=value, lower=lower, upper=upper,
                          lower_closed=lower_closed, upper_closed=upper_closed)

    def interval(self, meta, children):
        lower_bound, lower, upper, upper_bound = children
        return lower, upper, lower_bound == "[", upper_bound == "]"

    def lower_bound(self, meta, children):
        return str(children[0])

    upper_bound = lower_bound

    def member(self, meta, children):
        return self._expr(ast.Member, meta, value=children[0], options=children[1:])

    def coalesce(self, meta, children):
        return self._expr(ast.Coalesce, meta, value=children[0], fallback=children[2])

    def arith(self, meta, children):
        left, op, right = children
        return self._expr(ast.Arith, meta, op=str(op), left=left, right=right)

    def neg(self, meta, children):
        return self._expr(ast.Negate, meta, operand=children[1])

    def field(self, meta, children):
        return self._expr(ast.Field, meta, base=children[0], name=str(children[1]))

    def index(self, meta, children):
        return self._expr(ast.Index, meta, base=children[0], keys=children[1:])

    def quantity(self, meta, children):
        number, unit = children
        unit_span = None
        if unit is not None:
            unit_span = Span(self.filename, meta.end_line, meta.end_column - len(unit), meta.end_line, meta.end_column)
        return self._expr(ast.Number, meta, value=_number(number), unit=unit, unit_span=unit_span)

    def string(self, meta, children):
        return self._expr(ast.String, meta, value=_unquote(children[0]))

    def true(self, meta, children):
        return self._expr(ast.Boolean, meta, value=True)

    def false(self, meta, children):
        return self._expr(ast.Boolean, meta, value=False)

    def name(self, meta, children):
        return self._expr(ast.Name, meta, name=str(children[0]))

    def call(self, meta, children):
        function, *args = children
        return self._expr(ast.Call, meta, function=str(function), args=[a for a in args if a is not None])

    def aggregate(self, meta, children):
        function, item, variable, source, *lets, where = children
        return self._expr(ast.Aggregate, meta, function=str(function), item=item, variable=str(variable),
                          source=source, where=where, let_names=[n for n, _ in lets], lets=[e for _, e in lets])

    def item_let(self, meta, children):
        return str(children[0]), children[1]


def _parenthesised(node: ast.Expr, source: str) -> bool:
    return node.text.startswith("(")


def _number(token: Token) -> Decimal:
    return Decimal(str(token).replace("_", ""))


_ESCAPE = re.compile(r"\\(.)")


def _unquote(token) -> str:
    # Left to right, one escape at a time: `\\n` is a backslash and an n, not a backslash and a newline.
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), str(token)[1:-1])
