"""Highlighting of rule code: a Pygments lexer (`pygmentize -l carbon-check`, or any `*.rules` file), and rule
code as HTML for reports. The alias `carbon` is Pygments' own lexer of Google's Carbon language, and Pygments
looks up its own lexers before installed ones, so ours is `carbon-check` (also `carbon-rules`).

Pygments is optional (the `highlight` extra): without it, `rule_code_html` returns the code escaped
and unhighlighted, and nothing else in carbon-check needs it.
"""
from __future__ import annotations

import functools
import html

try:
    from pygments.lexer import RegexLexer, bygroups, default, words
    from pygments.token import (Comment, Keyword, Name, Number, Operator, Punctuation, String, Text,
                                Whitespace)
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    RegexLexer = None

# The language's words, from grammar/carbon.lark.
DECLARATIONS = ("ruleset", "library", "let", "param", "table", "function", "require", "section", "criterion",
                "grade")
CLAUSES = ("as", "default", "columns", "cite", "when", "waivable", "max", "scale", "from", "to", "assessed",
           "points", "if", "then", "else", "otherwise", "en", "for", "where")
OPERATOR_WORDS = ("and", "or", "not", "in")
CONSTANTS = ("true", "false", "none")
BUILT_IN_NAMES = ("evidence", "score", "variant")
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
UNIT = r"(?:万|亿)?(?:[A-Za-z][A-Za-z0-9]*|元)(?:/(?:万|亿)?(?:[A-Za-z][A-Za-z0-9]*|元))*"
NUMBER = r"-?\d(?:_?\d)*(?:\.\d(?:_?\d)*)?"
RESERVED = (r"(?!(?:import|let|param|table|require|section|criterion|grades|grade|if|then|else|and|or|not|in|for|"
            r"where|true|false|otherwise|cite|when|max|from|to|none)\b)")

if RegexLexer is not None:
    class CarbonLexer(RegexLexer):
        """The carbon-check rule language."""

        name = "carbon-check rules"
        aliases = ["carbon-check", "carbon-rules"]
        filenames = ["*.rules"]
        url = "https://pypi.org/project/carbon-check/"

        tokens = {
            "root": [
                (r"\s+", Whitespace),
                (r"#.*?$", Comment.Single),
                (r'"(?:[^"\\\n]|\\["\\n])*"', String.Double, "after-text"),
                (r'"[^"\n]*', String.Double),  # not closed: the rest of the line, as the parser reads it
                # A declaration word and the name it declares.
                (rf"\b(let|param|table|function|require|section|criterion|grade)(\s+)({NAME})",
                 bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
                (rf"\b(ruleset|library)(\s+)({NAME})", bygroups(Keyword.Namespace, Whitespace, Name.Namespace)),
                (rf"\b(as)(\s+)({NAME})", bygroups(Keyword, Whitespace, Name.Namespace)),
                # The unit after `in` in a declaration, or after a number.
                (rf"\b(in)(\s+)({UNIT}|%)(?=\s*(?:=|default|columns|cite|\{{|$))",
                 bygroups(Operator.Word, Whitespace, Keyword.Type)),
                (rf"({NUMBER})([ \t]*)(:)", bygroups(Number, Whitespace, Punctuation)),  # a row key
                (rf"({NUMBER})([ \t]*)(%|{RESERVED}{UNIT}\b)", bygroups(Number, Whitespace, Keyword.Type)),
                (NUMBER, Number),
                # `variant` and `grades` are also names in formulas: a declaration only when no operator follows.
                (r"\b(import|variant|grades)\b(?!\s*[.)\]=!<>,])", Keyword.Declaration),
                (words(DECLARATIONS, suffix=r"\b"), Keyword.Declaration),
                (words(CLAUSES, suffix=r"\b"), Keyword),
                (words(OPERATOR_WORDS, suffix=r"\b"), Operator.Word),
                (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
                (words(BUILT_IN_NAMES, suffix=r"\b"), Name.Builtin),
                (rf"({NAME})(\s*)(?=\()", bygroups(Name.Function, Whitespace)),
                (NAME, Name),
                (r"\?\?|==|!=|<=|>=|[<>=+\-*/%]", Operator),
                (r"[()\[\]{},.:]", Punctuation),
                (r".", Text),
            ],
            # `"…" +` at the end of a line or before the next piece: the text goes on (not a sum).
            "after-text": [
                (r'([ \t]*)(\+)(?=[ \t]*(?:#.*)?$|[ \t]*")', bygroups(Whitespace, Punctuation), "#pop"),
                default("#pop"),
            ],
        }


@functools.lru_cache(maxsize=4096)  # a batch of reports shows the same few conditions again and again
def rule_code_html(code: str) -> str:
    """Rule code as inline HTML: escaped, and with `<span class>`es where Pygments is installed.

    The classes are Pygments' short names (k, kd, kt, s2, m, c1, nb, nf, ow, o): a page styles them itself.
    """
    if RegexLexer is None:
        return html.escape(code, quote=False)
    from pygments.token import STANDARD_TYPES
    out = []
    for kind, value in CarbonLexer().get_tokens(code):
        escaped = html.escape(value, quote=False)
        while kind not in STANDARD_TYPES:
            kind = kind.parent
        css = STANDARD_TYPES.get(kind, "")
        out.append(f'<span class="{css}">{escaped}</span>' if css and value.strip() else escaped)
    return "".join(out).rstrip("\n")
