"""carbon-check: score applications against the standards of China's dual-carbon regime."""

from .version import __version__

# The public API, each name imported from its module on first use: importing any part of the package (the
# command line starts with `checker.interfaces.cli`) then costs only what that part needs.
_PUBLIC = {
    "load_ruleset": ".evaluation.ruleset", "Ruleset": ".evaluation.ruleset", "Result": ".evaluation.result",
    "CarbonCheckError": ".errors", "RulesetError": ".language.diagnostics", "Diagnostic": ".language.diagnostics",
    "EvidenceError": ".evidence.load", "load_evidence": ".evidence.load", "parse_evidence": ".evidence.load",
    "validate_evidence": ".evidence.load", "render": ".outputs.report",   # jinja2: only for reports
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'checker' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value   # found directly from now on
    return value


def __dir__():
    return sorted({*globals(), *_PUBLIC})
