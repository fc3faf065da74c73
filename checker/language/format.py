"""Formatter: ruleset text → the same ruleset in one canonical layout, every comment kept.

The layout is decided from the tokens alone (never from the input's indentation, alignment or line
breaks), so formatting is idempotent and two differently laid-out copies of a ruleset format alike.
Only blank lines between declarations, between block entries and around comments are kept (at most one).

The grammar drops comments, so they are found with a separate scan of the text and each one is attached
to a token: a comment on the same line as the token before it trails that token, any other comment leads
the token after it. The formatter prints from a concrete syntax tree that keeps every token, parentheses
included, and knows nothing of meaning; `parse()` still reports syntax errors, with its diagnostics.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from ..language import ast
from ..language.parse import parse
from ..resources import resource_dir
from ..errors import CarbonCheckError

WIDTH = 100  # columns a line may take (a Chinese character takes two)
STEP = 2  # one level of indentation

# Strings first, so that a `#` inside one is not taken for a comment.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*')
# Keywords that belong with the value after them: `in tCO2e`, `max 15`, `= expr`, `default expr`.
_JOINS_NEXT = {"in", "max", "=", "default", "as", "scale", "points", "assessed", "from", "to", "grades",
               "section", "criterion", "grade", "require", "table", "let", "param", "import", "variant",
               "ruleset", "library", "for", "where", "if", "then", "else", "when", "function"}
# Declarations whose condition or formula goes on its own line under the head.
_BODY_BELOW = {"require_decl", "grade_decl"}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (resource_dir("grammar") / "carbon.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", keep_all_tokens=True, propagate_positions=True, maybe_placeholders=True)


def format_source(source: str, filename: str = "<ruleset>") -> str:
    """The canonical layout of `source`. A ruleset that does not parse raises RulesetError, as `parse` does."""
    try:
        tree = _parser().parse(source)
    except UnexpectedInput:
        parse(source, filename)  # raises the checker's own diagnostics
        raise
    notes = _attach_comments(source, list(_leaves(tree)))
    writer = _Writer(notes)
    _module(writer, tree)
    formatted = writer.finish()
    # A formatter that changed what a ruleset means would be worse than none: check, every time.
    if shape(parse(formatted, filename)) != shape(parse(source, filename)):
        raise FormatError(f"{filename}: formatting would change the ruleset's meaning; the file is left as it is")
    return formatted


class FormatError(CarbonCheckError):
    """The formatter failed its own check: a fault of the formatter, never of the ruleset."""


def shape(node):
    """A syntax tree as nested tuples without places or source text: equal shapes mean equal rulesets."""
    if isinstance(node, ast.Module):
        return shape(node.header), shape(node.declarations)
    if ast.described(node):
        return (type(node).__name__,) + tuple(
            (f.name, shape(getattr(node, f.name))) for f in ast.fields(node) if f.compare)
    if isinstance(node, (list, tuple)):
        return tuple(shape(item) for item in node)
    if isinstance(node, Decimal):
        return "Decimal", str(node)  # 1.0 and 1 are equal numbers but not the same text
    return node


# Comments -------------------------------------------------------------------------------------------------

@dataclass
class _Comment:
    text: str
    blank_before: bool


@dataclass
class _Note:
    """What the formatter must print around one token besides the token itself."""

    leading: list[_Comment] = field(default_factory=list)
    trailing: str | None = None
    blank_before: bool = False  # a blank line separates the token from what comes before it


def _attach_comments(source: str, tokens: list[Token]) -> dict:
    comments = [m for m in _STRING_OR_COMMENT.finditer(source) if m.group().startswith("#")]
    notes: dict = {}
    previous_end, previous_line, previous_token = 0, 0, None
    pending: list[_Comment] = []
    items = sorted([(t.start_pos, t) for t in tokens] + [(m.start(), m) for m in comments], key=lambda x: x[0])
    for start, item in items:
        blank = source.count("\n", previous_end, start) >= 2
        line = source.count("\n", 0, start) + 1
        if isinstance(item, re.Match):
            text = item.group().rstrip()
            if previous_token is not None and line == previous_line and not pending:
                notes.setdefault(id(previous_token), _Note()).trailing = text
            else:
                pending.append(_Comment(text, blank))
            previous_end, previous_line = item.end(), line
        else:
            note = notes.setdefault(id(item), _Note())
            note.leading, note.blank_before, pending = pending, blank, []
            previous_end, previous_line, previous_token = item.end_pos, item.end_line, item
    notes["end"] = pending
    return notes


# Output ---------------------------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Writer:
    """Lines of output; a token's comments are printed when the token is."""

    def __init__(self, notes: dict):
        self.notes = notes
        self.lines: list[str] = []
        self.current = ""
        self.indent = 0
        self.cont = 0  # where a line goes on when a trailing comment ends it early
        self.must_break = False
        self.reserve = 0  # columns the last text of a line leaves for what must follow it (` {`, `:`)

    def column(self) -> int:
        return display_width(self.current) if self.current else self.indent

    def fits(self, text: str, space: bool = True) -> bool:
        return not self.must_break and self.column() + (1 if space and self.current else 0) + display_width(text) <= WIDTH

    def newline(self, indent: int) -> None:
        if self.current:
            self.lines.append(self.current.rstrip())
            self.current = ""
        self.indent, self.must_break = indent, False

    def blank(self) -> None:
        if self.lines and self.lines[-1] and not self.lines[-1].endswith("{") and not self.current:
            self.lines.append("")

    def comments(self, token: Token, statement: bool = False) -> None:
        """Print the comments before `token` on their own lines, and a blank line kept before it."""
        note = self.notes.get(id(token))
        if note is None:
            return
        if note.leading:
            if self.current:
                self.newline(self.cont)
            for comment in note.leading:
                if comment.blank_before:
                    self.blank()
                self.lines.append(" " * self.indent + comment.text)
            note.leading = []
        if statement and note.blank_before:
            self.blank()
        note.blank_before = False

    def put(self, token: Token, text: str | None = None, space: bool = True) -> None:
        self.comments(token)
        if self.must_break:
            self.newline(self.cont)
        text = _text(token) if text is None else text
        if not self.current:
            self.current = " " * self.indent + text
        else:
            self.current += (" " if space else "") + text
        note = self.notes.get(id(token))
        if note is not None and note.trailing:
            self.current += "  " + note.trailing
            self.must_break = True

    def finish(self) -> str:
        self.newline(0)
        for comment in self.notes["end"]:
            if comment.blank_before:
                self.blank()
            self.lines.append(comment.text)
        return "\n".join(self.lines).strip("\n") + "\n"


# Tokens and their spacing on one line ---------------------------------------------------------------------

def _leaves(node):
    if isinstance(node, Token):
        yield node
    elif isinstance(node, Tree):
        for child in node.children:
            yield from _leaves(child)


def _text(token: Token) -> str:
    if token.type == "ROW_KEY":  # `2021 :` and `2021:` are one key
        return token.rstrip(" \t:") + ":"
    return str(token)


def _pieces(node, parent: str = "") -> list[tuple[Token, bool]]:
    """The tokens of `node`, each with whether a space goes before it when the node is on one line."""
    out: list[tuple[Token, bool]] = []
    _collect(node, parent, out, [False])
    return out


def _collect(node, parent: str, out: list, glue_next: list) -> None:
    if node is None:
        return
    if isinstance(node, Tree) and node.data == "words":  # a text's pieces: measured and printed as one
        out.append((_Words(node), not glue_next[0]))
        glue_next[0] = False
        return
    if isinstance(node, Tree):
        for child in node.children:
            _collect(child, node.data, out, glue_next)
        return
    glue = glue_next[0] or node in (")", "]", ",", ".", ":")
    glue = glue or (node.type == "PERCENT" and bool(out) and out[-1][0].type == "NUMBER")  # 100%, but in %
    glue = glue or (node in ("(", "[") and parent in ("call", "aggregate", "index", "head_call"))
    glue = glue or (node == "}" and parent == "member")
    out.append((node, not glue))
    glue_next[0] = (node in ("(", "[", ".") or (node == "-" and parent in ("neg", "signed_number"))
                    or (node == "{" and parent == "member"))


def _flat(node, parent: str = "") -> str:
    return "".join((" " if space and i else "") + _text(t) for i, (t, space) in enumerate(_pieces(node, parent)))


def _put_flat(w: _Writer, node, parent: str = "", first_space: bool = True) -> None:
    for i, (token, space) in enumerate(_pieces(node, parent)):
        if isinstance(token, _Words):
            _put_words(w, token.tree, space if i else first_space)
        else:
            w.put(token, space=space if i else first_space)


# Expressions ----------------------------------------------------------------------------------------------

_CHAINS = {"logic", "arith", "coalesce"}


def _chain(node: Tree) -> list:
    """`a and b and c` as [a, and, b, and, c]: the operands of one operator at one level."""
    left, op, right = node.children
    items = _chain(left) if isinstance(left, Tree) and left.data == node.data and _same_op(left, op) else [left]
    tail = _chain(right) if node.data == "coalesce" and isinstance(right, Tree) and right.data == "coalesce" else [right]
    return items + [op] + tail


def _same_op(node: Tree, op: Token) -> bool:
    if node.data == "arith":  # `a - b + c` is one chain, `a * b + c` two
        return (node.children[1].type == "MUL") == (op.type == "MUL")
    return str(node.children[1]) == str(op)


def _expr(w: _Writer, node, cont: int, first_space: bool = True, parent: str = "") -> None:
    """An expression from the current column: on one line if it fits, else broken before its operators."""
    w.cont = cont
    if isinstance(node, Tree) and node.data == "words":
        _put_words(w, node, first_space)
        return
    if not isinstance(node, Tree) or w.fits(_flat(node, parent), first_space):
        _put_flat(w, node, parent, first_space)
        return
    if node.data in _CHAINS:
        items = _chain(node)
        _expr(w, items[0], cont + STEP, first_space, node.data)
        for i in range(1, len(items), 2):
            w.newline(cont)
            w.put(items[i])
            _expr(w, items[i + 1], cont + STEP, True, node.data)
        return
    if node.data == "conditional":
        _conditional(w, node, cont, first_space)
        return
    if node.data == "call":
        name, opening, *rest = [c for c in node.children if c is not None]
        w.put(name, space=first_space)
        _list(w, opening, rest, cont, space=False)
        return
    if node.data == "member":  # `x in {"a", "b", …}`
        value, keyword, opening, *rest = [c for c in node.children if c is not None]
        _expr(w, value, cont + STEP, first_space, node.data)
        w.put(keyword)
        _list(w, opening, rest, cont, space=True)
        return
    spaces = iter(_pieces(node, parent))
    _expr_children(w, node, cont, first_space, spaces)


def _list(w: _Writer, opening: Token, rest: list, cont: int, space: bool) -> None:
    """`f(a, b, …)` or `{a, b, …}` too long for its line: the items fill lines, aligned after the bracket."""
    closing = rest.pop()
    w.put(opening, space=space)
    column = w.column()
    aligned = column if column <= WIDTH // 2 else cont
    arguments: list[list] = []
    for kid in rest:
        if isinstance(kid, Token) and kid == ",":
            arguments[-1].append(kid)
        else:
            arguments.append([kid])
    for i, (argument, *comma) in enumerate(arguments):
        if i and not w.fits(_flat(argument) + ("," if comma else "")):
            w.newline(aligned)
        _expr(w, argument, aligned + STEP, first_space=i > 0)
        for token in comma:
            w.put(token, space=False)
    w.put(closing, space=False)


def _conditional(w: _Writer, node: Tree, cont: int, first_space: bool) -> None:
    """`if c then a` on a line if it fits (else `then a` under it); `else if` chains stay level."""
    space = first_space
    while True:
        if_, condition, then, value, else_, otherwise = node.children
        w.put(if_, space=space)
        lines = len(w.lines)
        _expr(w, condition, cont + STEP)
        if len(w.lines) > lines or not w.fits(_flat(then) + " " + _flat(value)):  # a broken condition: `then` below
            w.newline(cont)
        w.put(then)
        _expr(w, value, cont + STEP)
        w.newline(cont)
        w.put(else_)
        if not (isinstance(otherwise, Tree) and otherwise.data == "conditional"):
            _expr(w, otherwise, cont + STEP)
            return
        node, space = otherwise, True


def _expr_children(w: _Writer, node: Tree, cont: int, first_space: bool, spaces) -> None:
    """Any other expression: its tokens in place, its sub-expressions free to break."""
    first = True
    for child in node.children:
        if child is None:
            continue
        if isinstance(child, Token):
            _, space = next(spaces)
            w.put(child, space=first_space if first else space)
        else:
            count = len(_pieces(child, node.data))
            space = next(spaces)[1]
            for _ in range(count - 1):
                next(spaces)
            _expr(w, child, cont, first_space if first else space, node.data)
        first = False


# Declarations ---------------------------------------------------------------------------------------------

def _module(w: _Writer, tree: Tree) -> None:
    for declaration in tree.children:
        _declaration(w, declaration, 0)


def _declaration(w: _Writer, node: Tree, indent: int) -> None:
    kids = [c for c in node.children if c is not None]
    w.newline(indent)
    w.comments(next(_leaves(node)), statement=True)
    w.newline(indent)
    braces = [i for i, c in enumerate(kids) if isinstance(c, Token) and c == "{"]
    if braces:
        _head(w, node, kids[: braces[0]], indent, tail=" {")
        w.put(kids[braces[0]])
        _block(w, node, kids[braces[0] + 1 : -1], indent + STEP)
        w.newline(indent + STEP)
        w.comments(kids[-1])
        w.newline(indent)
        w.put(kids[-1])
        return
    colons = [i for i, c in enumerate(kids) if isinstance(c, Token) and c == ":"]
    if not colons:
        _head(w, node, kids, indent)
        return
    _head(w, node, kids[: colons[0]], indent, tail=":")
    w.put(kids[colons[0]], space=False)
    for body in kids[colons[0] + 1 :]:
        if isinstance(body, Tree) and body.data == "tiers":
            _tiers(w, body, indent + STEP)
        elif node.data in _BODY_BELOW or not w.fits(_flat(body)):
            w.newline(indent + STEP)
            _expr(w, body, indent + 2 * STEP)
        else:
            _expr(w, body, indent + 2 * STEP)


def _head(w: _Writer, node: Tree, kids: list, indent: int, tail: str = "") -> None:
    """The words before a declaration's body, filling lines; a line goes on under the declared name."""
    items = _items(kids)
    keyword = kids[0] if kids and isinstance(kids[0], Token) else ""
    cont = indent + {"let_decl": STEP, "param_decl": STEP, "table_decl": 2 * STEP}.get(node.data, len(keyword) + 1)
    _fill(w, items, cont, stay=2, tail=tail)  # `require R1 "label…"`: a label too long for any line stays by its name


def _items(kids: list) -> list[list]:
    """Split a declaration into the pieces that stay together on a line: `en "…"`, `cite "…"`, `max 15`."""
    items: list[list] = []
    joined, depth = False, 0
    for kid in kids:
        parts = _split_text(kid) if isinstance(kid, Tree) and kid.data in ("text", "cite") else [[kid]]
        for part in parts:
            opens = isinstance(part[0], Token) and part[0] == "("  # `name(a, b)` in a head stays whole
            if (joined or depth or opens) and items:
                items[-1].extend(part)
            else:
                items.append(list(part))
            last = part[-1]
            depth += sum((t == "(") - (t == ")") for t in part if isinstance(t, Token))
            joined = isinstance(last, Token) and str(last) in _JOINS_NEXT
    return items


def _group(item: list) -> Tree:
    """An item as one node, so that its words are spaced as in a formula: `f(a: text, b)`, `max 15`."""
    return Tree("head_call" if any(isinstance(t, Token) and t == "(" for t in item) else "item", item)


def _split_text(node: Tree) -> list[list]:
    """`"中文" en "English"` as two items, `cite "中文" en "English"` too: the English may go on a line below."""
    kids = [c for c in node.children if c is not None]
    if node.data == "cite":
        keyword, *rest = kids
        if len(rest) == 1 and isinstance(rest[0], Tree) and rest[0].data == "text":
            first, *others = _split_text(rest[0])
            return [[keyword] + first] + others
        return [kids]
    zh, *rest = kids
    return [[zh]] + ([rest] if rest else [])


def _fill(w: _Writer, items: list[list], cont: int, stay: int = 0, own_line: bool = False, tail: str = "") -> None:
    """Items on the current line while they fit, then on lines at `cont`; the first `stay` items stay on
    the current line whatever their length, `own_line` puts each `cite` on a line of its own.

    An item that had to break over several lines ends its last line: what follows starts a new one. So does a
    `when` once the items take more than one line: where a rule applies is not left at the end of a citation.
    """
    broke, first_line = False, len(w.lines)
    for i, item in enumerate(items):
        text = _flat(_group(item)) + (tail if i == len(items) - 1 else "")  # `{` or `:` ends the last line
        word = next(_leaves(item[0]), "")
        cite = own_line and word == "cite"
        when = word == "when" and len(w.lines) > first_line
        glued = word in (":", ",", ")")  # `f(x): number`
        if w.current and (broke or cite or when or not w.fits(text)) and i >= stay and not glued:
            w.newline(cont)
        lines = len(w.lines)
        w.reserve = len(tail) if i == len(items) - 1 else 0
        _expr(w, _group(item), cont + STEP, first_space=not glued)
        w.reserve = 0
        broke = len(w.lines) > lines


def _block(w: _Writer, node: Tree, kids: list, indent: int) -> None:
    if node.data == "header":
        _aligned(w, [k for k in kids if isinstance(k, Tree)], indent, key=lambda m: [m.children[0]])
    elif node.data == "variant_decl":
        _aligned(w, kids, indent, key=lambda o: [o.children[0]])
    elif node.data == "table_decl":
        _rows(w, kids, indent)
    else:
        for kid in kids:
            if isinstance(kid, Tree):
                _declaration(w, kid, indent)
            else:
                w.newline(indent)
                w.put(kid)


def _aligned(w: _Writer, entries: list, indent: int, key) -> None:
    """Entries whose first word is padded so that what follows lines up: metas, variant options."""
    width = max((display_width(_flat(key(e)[0])) for e in entries), default=0)
    # One layout for all: if one entry needs a second line, every cite goes on its own.
    own_line = any(indent + width + 1 + display_width(_flat(Tree("entry", e.children[1:]))) > WIDTH for e in entries)
    for entry in entries:
        kids = [c for c in entry.children if c is not None]
        first = _leaves(entry).__next__()
        w.newline(indent)
        w.comments(first, statement=True)
        w.newline(indent)
        w.put(kids[0], _text(kids[0]) + " " * (width - display_width(_text(kids[0]))))
        _fill(w, _items(kids[1:]), indent + width + 1, stay=1, own_line=own_line)


def _rows(w: _Writer, rows: list, indent: int) -> None:
    """Table rows in columns: keys left-aligned, cells right-aligned, cites lined up."""
    table = []
    for row in rows:
        key, *rest = [c for c in row.children if c is not None]
        cite = rest.pop() if rest and isinstance(rest[-1], Tree) and rest[-1].data == "cite" else None
        table.append((row, key, rest, cite))
    key_width = max(display_width(_flat(key)) for _, key, _, _ in table)
    columns = max(len(cells) for _, _, cells, _ in table)
    widths = [max((display_width(_flat(cells[i])) for _, _, cells, _ in table if i < len(cells)), default=0)
              for i in range(columns)]
    for row, key, cells, cite in table:
        w.newline(indent)
        w.comments(next(_leaves(row)), statement=True)
        w.newline(indent)
        w.cont = indent + STEP
        _put_flat(w, key)
        pad = key_width - display_width(_flat(key))
        for i, cell in enumerate(cells):
            pad += widths[i] - display_width(_flat(cell))
            _put_padded(w, cell, pad)
            pad = 0
        if cite is not None:
            pad += sum(widths[i] + 1 for i in range(len(cells), columns)) + 1
            _put_padded(w, cite, pad)


def _put_padded(w: _Writer, node, pad: int) -> None:
    """A cell or a row's cite after `pad` spaces. A cite's text wraps under its first quote, and its
    `en "…"` goes there too when it does not fit after it."""
    pieces = _pieces(node)
    quote, lines = None, len(w.lines)
    for i, (token, space) in enumerate(pieces):
        if isinstance(token, _Words):
            if quote is None:
                quote = w.column() + 1 + (pad if i == 0 else 0)
            _put_words(w, token.tree, space or i == 0, " " * pad if i == 0 else "")
        elif token == "en" and quote is not None and i + 1 < len(pieces):
            if len(w.lines) > lines or not w.fits(f"en {_text(pieces[i + 1][0])}"):
                w.newline(quote)
            w.put(token)
        else:
            w.put(token, (" " * pad if i == 0 else "") + _text(token), space=space or i == 0)


def _tiers(w: _Writer, node: Tree, indent: int) -> None:
    tiers = [t for t in node.children if t is not None]
    width = max(display_width(_text(t.children[0])) for t in tiers)
    for tier in tiers:
        points, *rest = tier.children
        w.newline(indent)
        w.comments(points, statement=True)
        w.newline(indent)
        w.put(points, " " * (width - display_width(_text(points))) + _text(points))
        for kid in rest:
            _expr(w, kid, indent + 2 * STEP)


# Texts ----------------------------------------------------------------------------------------------------

class _Words(Token):
    """A text's quoted pieces as one token, whose value is the text in one piece: what its width is taken from."""

    __slots__ = ("tree",)

    def __new__(cls, tree: Tree):
        self = super().__new__(cls, "WORDS", '"' + "".join(_content(t) for t in _strings(tree)) + '"')
        self.tree = tree
        return self


def _strings(tree: Tree) -> list[Token]:
    return [t for t in tree.children if t.type == "STRING"]


def _content(token: Token) -> str:
    return str(token)[1:-1]


MIN_ROOM = 24  # a text starting further right than this from the margin is not wrapped: pieces would be scraps


def _put_words(w: _Writer, tree: Tree, space: bool, pad: str = "") -> None:
    """A text, its pieces joined and cut again to fit the width: `"…" +` lines aligned under the first quote.

    The pieces are joined whatever the input's line breaks, so a text is wrapped the same however it was
    split; only a comment between two pieces keeps them apart (the comment stays where it was).
    """
    strings, joins = _strings(tree), [t for t in tree.children if t.type == "JOIN"]
    runs, separators = [[strings[0]]], []
    for before, join, string in zip(strings, joins, strings[1:]):
        if _has_note(w, before, "trailing") or _has_note(w, join) or _has_note(w, string, "leading"):
            if _has_note(w, before, "trailing") and not _has_note(w, join, "trailing"):
                w.notes.setdefault(id(join), _Note()).trailing = w.notes[id(before)].trailing  # `"…" +  # why`
                w.notes[id(before)].trailing = None
            runs.append([string])
            separators.append(join)
        else:
            runs[-1].append(string)
    w.comments(strings[0])
    if w.must_break:
        w.newline(w.cont)
    column = w.column() + (1 if space and w.current else 0) + display_width(pad)
    room = WIDTH - column - len('"" +')
    saved, w.cont = w.cont, column
    for k, run in enumerate(runs):
        if k:
            w.put(separators[k - 1])
            w.newline(column)
            w.comments(run[0])
        content = "".join(_content(t) for t in run)
        fits = column + display_width(content) + len('""') + (w.reserve if k == len(runs) - 1 else 0) <= WIDTH
        chunks = _wrap(content, room) if not fits and room >= MIN_ROOM else [content]
        for i, chunk in enumerate(chunks):
            if i:
                w.put(Token("JOIN", "+"))
                w.newline(column)
            first = not (k or i)
            w.put(Token("STRING", f'"{chunk}"'), (pad if first else "") + f'"{chunk}"', space=space if first else True)
        note = w.notes.get(id(run[-1]))
        if note is not None and note.trailing:
            w.current += "  " + note.trailing
            note.trailing, w.must_break = None, True
    w.cont = saved


def _has_note(w: _Writer, token: Token, kind: str = "") -> bool:
    note = w.notes.get(id(token))
    if note is None:
        return False
    return bool(note.trailing) if kind == "trailing" else bool(note.leading) if kind == "leading" else (
        bool(note.trailing) or bool(note.leading))


_UNIT = re.compile(r"\\.|.", re.S)  # an escape is one unit: a text is never cut inside one
_OPENING = set("（《「『【〈〔［｛“‘")
_CLOSING = set("，。、；：？！）》」』】〉〕］｝”’％…·")


def _wrap(content: str, room: int) -> list[str]:
    """`content` in pieces of at most `room` columns where it can be cut: after a space, between Chinese
    characters, never before a closing or after an opening mark; after a mark (，；) rather than inside a
    word when one is near the end. A piece with no place to cut stays long."""
    units = _UNIT.findall(content)
    ends = list(itertools.accumulate((display_width(u) for u in units), initial=0))  # columns before unit i
    pieces, start = [], 0
    cut = mark = None  # the last place to cut, and the last one after a mark or a space
    for i, unit in enumerate(units):
        if i > start and _breakable(units[i - 1], unit):
            cut = i
            if units[i - 1] in (" ", "\\n") or _is_mark(units[i - 1]):
                mark = i
        if ends[i + 1] - ends[start] > room and cut is not None:
            at = mark if mark is not None and ends[mark] - ends[start] >= room - _SLACK else cut
            pieces.append("".join(units[start:at]))
            start, mark = at, None
            cut = cut if cut > at else None  # a place after the mark is still one for the next piece
    pieces.append("".join(units[start:]))
    return pieces


_SLACK = 12  # columns a line may end short of the width to end after a mark


def _breakable(before: str, after: str) -> bool:
    if after == " ":
        return False
    if before == " " or before == "\\n":
        return True
    if after in _CLOSING or before in _OPENING or len(before) > 1:
        return False
    wide_before, wide_after = _is_wide(before), _is_wide(after)
    return (wide_before and (wide_after or _is_mark(before))) or after in _OPENING


def _is_wide(unit: str) -> bool:
    return len(unit) == 1 and display_width(unit) == 2  # an escape (`\"`) is two narrow characters


def _is_mark(unit: str) -> bool:
    return len(unit) == 1 and unicodedata.category(unit).startswith("P")
