"""One diagnostic type for every problem found in a ruleset, rendered with a caret."""
from __future__ import annotations


from ..errors import CarbonCheckError
from ..records import Frozen, Record


class Span(Frozen):
    """A place in a source file; lines and columns are 1-based."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    __match_args__ = ("file", "line", "column", "end_line", "end_column")

    def __init__(self, file, line, column, end_line, end_column):
        self.__dict__.update(file=file, line=line, column=column, end_line=end_line, end_column=end_column)


class Diagnostic(Frozen):
    code: str
    message: str
    span: Span | None
    expected: str | None
    hint: str | None
    severity: str  # "error" or "warning"
    __match_args__ = ("code", "message", "span", "expected", "hint", "severity")

    def __init__(self, code, message, span=None, expected=None, hint=None, severity="error"):
        self.__dict__.update(code=code, message=message, span=span, expected=expected, hint=hint, severity=severity)

    def render(self, sources: dict[str, str] | None = None) -> str:
        where = f"{self.span.file}:{self.span.line}:{self.span.column}: " if self.span else ""
        lines = [f"{where}{self.severity}[{self.code}]: {self.message}"]
        text = (sources or {}).get(self.span.file) if self.span else None
        if text is not None:
            source_lines = text.splitlines()
            if 0 < self.span.line <= len(source_lines):
                line = source_lines[self.span.line - 1]
                width = 1
                if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
                    width = self.span.end_column - self.span.column
                lines.append(f"  {self.span.line:>4} | {line}")
                lines.append(f"       | {_caret_padding(line, self.span.column)}{'^' * width}")
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


def _caret_padding(line: str, column: int) -> str:
    # Wide (CJK) characters take two terminal cells; tabs keep their width.
    pad = []
    for ch in line[: column - 1]:
        if ch == "\t":
            pad.append("\t")
        elif "\u2e80" <= ch <= "\uffef":
            pad.append("  ")
        else:
            pad.append(" ")
    return "".join(pad)


class RulesetError(Record, CarbonCheckError):
    """A ruleset could not be loaded; carries every diagnostic found."""

    diagnostics: list[Diagnostic]
    sources: dict[str, str]
    __match_args__ = ("diagnostics", "sources")

    def __init__(self, diagnostics, sources=None):
        self.diagnostics, self.sources = diagnostics, {} if sources is None else sources

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        errors = sum(1 for d in self.diagnostics if d.severity == "error")
        body = "\n".join(d.render(self.sources) for d in self.diagnostics)
        return f"{body}\n{errors} error{'s' if errors != 1 else ''} found"
