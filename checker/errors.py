"""The one base of every error a user can cause, so a caller (the CLI, a web server) catches one class.

Each phase defines its own errors beside the code that raises them (RulesetError in language,
EvidenceError in evidence, …); they all derive from CarbonCheckError. ReportError is here because
the message catalogue, which every phase reads, raises it as well as the reports do.
The hint such a message gives for an unknown name is here too, for the same reason.
"""

class CarbonCheckError(Exception):
    """Bad input or an unusable resource, with a message for the user: never an internal fault."""


class ReportError(CarbonCheckError):
    """A template or message catalogue cannot be used; the message says which and why."""


def did_you_mean(name: str, candidates) -> str | None:
    """The hint for an unknown name: the closest of `candidates`, if one is close."""
    import difflib  # only when a name is unknown: every command would otherwise pay for its import
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
