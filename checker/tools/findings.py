"""Diagnostics for machines: plain JSON, and SARIF 2.1.0 for code-scanning services and editors.

`lint --format json|sarif` writes them; a ruleset that does not load gives its errors the same way.
"""
from __future__ import annotations

from ..language.diagnostics import Diagnostic
from ..version import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning"}  # anything else is a SARIF note


def as_json(diagnostics: list[Diagnostic], ruleset: str) -> dict:
    return {"ruleset": ruleset,
            "errors": sum(d.severity == "error" for d in diagnostics),
            "warnings": sum(d.severity == "warning" for d in diagnostics),
            "diagnostics": [_plain(d) for d in diagnostics]}


def as_sarif(diagnostics: list[Diagnostic]) -> dict:
    codes = sorted({d.code for d in diagnostics})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "carbon-check", "version": __version__,
                                "rules": [{"id": code} for code in codes]}},
            "results": [_result(d, codes.index(d.code)) for d in diagnostics],
        }],
    }


def _plain(d: Diagnostic) -> dict:
    span = d.span
    return {"code": d.code, "severity": d.severity, "message": d.message, "expected": d.expected, "hint": d.hint,
            "file": span.file if span else None, "line": span.line if span else None,
            "column": span.column if span else None, "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None}


def _result(d: Diagnostic, index: int) -> dict:
    text = d.message + "".join(f"\n{label}: {value}" for label, value in (("expected", d.expected), ("hint", d.hint))
                               if value)
    result = {"ruleId": d.code, "ruleIndex": index, "level": _LEVELS.get(d.severity, "note"), "message": {"text": text}}
    if d.span is not None:
        region = {"startLine": d.span.line, "startColumn": d.span.column}
        if d.span.end_line >= d.span.line:
            region.update(endLine=d.span.end_line, endColumn=max(d.span.end_column, 1))
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": d.span.file}, "region": region}}]
    return result
