"""The one base of every error a user can cause, so a caller (the CLI, a web server) catches one class.

Each phase defines its own errors beside the code that raises them (RulesetError in language,
EvidenceError in evidence, …); they all derive from CarbonCheckError. ReportError is here because
the message catalogue, which every phase reads, raises it as well as the reports do; ExtraMissing because
several capabilities (PDF, signing) are extras.
The hint such a message gives for an unknown name is here too, for the same reason.
"""

class CarbonCheckError(Exception):
    """Bad input or an unusable resource, with a message for the user: never an internal fault."""

    def message(self, lang: str = "en") -> str:
        """The message in `lang` (zh or en), as the CLI prints it. Errors whose words are in the catalogue say
        them in either language; the others are in English only (`str`)."""
        return str(self)


class ReportError(CarbonCheckError):
    """A template or message catalogue cannot be used; the message says which and why."""


class ExtraMissing(CarbonCheckError):
    """An optional capability whose pip extra, or a system library it needs, is not installed. `extra` names
    it (and its message in the catalogue's `extra` group); `.cause` is what failed to load."""
    extra = ""

    def __init__(self, cause):
        self.cause = str(cause)
        super().__init__(self.message("en"))

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return type(self), (self.cause,)

    def message(self, lang: str = "en") -> str:
        from .catalogue import fill, messages   # the catalogue imports this module
        return fill(messages(lang)["extra"][self.extra], cause=self.cause)


def did_you_mean(name: str, candidates) -> str | None:
    """The hint for an unknown name: the closest of `candidates`, if one is close."""
    import difflib  # only when a name is unknown: every command would otherwise pay for its import
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
