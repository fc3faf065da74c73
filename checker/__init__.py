"""carbon-check: score applications against the standards of China's dual-carbon regime."""

from .version import __version__
from .errors import CarbonCheckError
from .language.diagnostics import Diagnostic, RulesetError
from .evidence.load import EvidenceError, load_evidence, parse_evidence, validate_evidence
from .evaluation.result import Result
from .evaluation.ruleset import Ruleset, load_ruleset

__all__ = ["load_ruleset", "Ruleset", "Result", "CarbonCheckError", "RulesetError", "Diagnostic", "EvidenceError",
           "load_evidence", "parse_evidence", "validate_evidence", "render", "__version__"]


def __getattr__(name: str):
    # `render` pulls in jinja2; scoring alone does not need it, so it is imported on first use.
    if name == "render":
        from .outputs.report import render
        return render
    raise AttributeError(f"module 'checker' has no attribute {name!r}")
