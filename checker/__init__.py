"""carbon-check: score applications against the standards of China's dual-carbon regime."""

__version__ = "0.1.0"

from .diagnostics import Diagnostic, RulesetError  # noqa: E402
from .evidence import EvidenceError, load_evidence, parse_evidence  # noqa: E402
from .result import Result  # noqa: E402
from .ruleset import Ruleset, load_ruleset  # noqa: E402

__all__ = ["load_ruleset", "Ruleset", "Result", "RulesetError", "Diagnostic", "EvidenceError",
           "load_evidence", "parse_evidence", "render", "__version__"]


def __getattr__(name: str):
    # `render` pulls in jinja2; scoring alone does not need it, so it is imported on first use.
    if name == "render":
        from .report import render
        return render
    raise AttributeError(f"module 'checker' has no attribute {name!r}")
