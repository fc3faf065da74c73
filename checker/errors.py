"""The one base of every error a user can cause, so a caller (the CLI, a web server) catches one class.

Each phase defines its own errors beside the code that raises them (RulesetError in language,
EvidenceError in evidence, …); they all derive from CarbonCheckError. ReportError is here because
the message catalogue, which every phase reads, raises it as well as the reports do.
"""


class CarbonCheckError(Exception):
    """Bad input or an unusable resource, with a message for the user: never an internal fault."""


class ReportError(CarbonCheckError):
    """A template or message catalogue cannot be used; the message says which and why."""
