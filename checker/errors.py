"""The one base of every error a user can cause, so a caller (the CLI, a web server) catches one class.

Each phase defines its own errors beside the code that raises them (RulesetError in language,
EvidenceError in evidence, …); they all derive from CarbonCheckError. ReportError is here because
the message catalogue, which every phase reads, raises it as well as the reports do; ExtraMissing because
several capabilities (PDF, signing) are extras; Worded, the base of errors whose words are in the catalogue.
The hint such a message gives for an unknown name is here too, for the same reason.
"""

class CarbonCheckError(Exception):
    """Bad input or an unusable resource, with a message for the user: never an internal fault."""

    def message(self, lang: str = "en") -> str:
        """The message in `lang` (zh or en), as the CLI prints it. Errors whose words are in the catalogue say
        them in either language; the others are in English only (`str`)."""
        return str(self)


class Worded(CarbonCheckError):
    """An error whose words are the message `key` of the catalogue's `group` (templates/messages.yaml), in zh and
    en. `data` fills it in and is not translated: a file name, a line number, a library's own message. A value
    may differ by language ({"zh": …, "en": …}) or be another error, said in the same language."""
    group = ""

    def __init__(self, key: str, /, **data):
        self.key, self.data = key, data
        super().__init__(key)

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return _remade, (type(self), self.key, self.data)

    def __str__(self) -> str:
        return self.message("en")

    def message(self, lang: str = "en") -> str:
        from .catalogue import fill, messages   # the catalogue imports this module
        values = {name: value.message(lang) if isinstance(value, CarbonCheckError)
                  else value[lang] if isinstance(value, dict) else value for name, value in self.data.items()}
        try:
            pattern = messages(lang)[self.group][self.key]
        except ReportError:   # the shipped catalogue itself cannot be read: no words, only what is known
            return f"{self.group}.{self.key}: " + ", ".join(f"{name}={value}" for name, value in values.items())
        return fill(pattern, **values)


def _remade(kind, key, data):
    return kind(key, **data)


class ReportError(Worded):
    """A template or message catalogue cannot be used; the message (catalogue group `template`) says which and
    why."""
    group = "template"


class ExtraMissing(Worded):
    """An optional capability whose pip extra, or a system library it needs, is not installed. `extra` names
    it (and its message in the catalogue's `extra` group); `.cause` is what failed to load."""
    group = "extra"
    extra = ""

    def __init__(self, cause):
        self.cause = str(cause)
        super().__init__(self.extra, cause=self.cause)

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return type(self), (self.cause,)


def did_you_mean(name: str, candidates) -> str | None:
    """The hint for an unknown name: the closest of `candidates`, if one is close."""
    import difflib  # only when a name is unknown: every command would otherwise pay for its import
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
