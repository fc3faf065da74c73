"""What the command line needs without click: the exit codes, the sign-off block, and `check … --format json`
in its plainest form, which scripts and other programs run most.

Importing click and building the commands' options is an eighth of a fresh `check --format json`. `plain_check`
takes `check EVIDENCE --format json` with, at most once each, --date, --lang and --ruleset/-r (each value a
separate word or after `=`); anything else (another option, help, standard input, shell completion, an output
that is not UTF-8) is left to click. So is any failure: nothing has been written then, and the command runs
again through click, so that every message and exit code comes from one place (checker.interfaces.cli.scoring).
"""
from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_NOT_GRADED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

# check's options taken here, by what scoring.check calls them; --lang only chooses the language of errors,
# which click shows.
_OPTIONS = {"--format": "fmt", "--date": "date", "--lang": "lang", "--ruleset": "ruleset", "-r": "ruleset"}
_CHOICES = {"fmt": ("json",), "lang": ("zh", "en")}


def exit_code(result) -> int:
    """`check`'s exit code for a result: graded, classified or passed, or not."""
    return EXIT_OK if result.outcome in ("graded", "classified", "passed") else EXIT_NOT_GRADED


def with_signoff(data: dict, options: dict) -> dict:
    """The result dict with its sign-off, if the options give one."""
    from ...outputs.signoff import load_issuer, sign_off
    issuer = load_issuer(options["issuer"]) if options.get("issuer") else None
    people = {role: {"name": options.get(role), "date": options.get(f"{role}_date")} for role in ("assessor", "reviewer")}
    signoff = sign_off(data, issuer, organisation=options.get("organisation"),
                       report_number=options.get("report_number"), people=people)
    return {**data, "signoff": signoff} if signoff else data


def plain_options(argv: list[str]) -> dict | None:
    """The evidence and options of a plain `check … --format json` command line, or None if it is not one."""
    if not argv or argv[0] != "check":
        return None
    given, words = {}, iter(argv[1:])
    for word in words:
        if not word.startswith("-"):
            if "evidence" in given or not word:
                return None
            given["evidence"] = word
            continue
        name, equals, value = word.partition("=")
        if name not in _OPTIONS or (equals and not name.startswith("--")):
            return None
        if not equals:
            value = next(words, None)
        key = _OPTIONS[name]
        if not value or value.startswith("-") or key in given or value not in _CHOICES.get(key, (value,)):
            return None
        given[key] = value
    return given if "evidence" in given and given.get("fmt") == "json" else None


def plain_check(argv: list[str]) -> int | None:
    """Run a plain `check … --format json` (see the module's docstring) and return its exit code; None when it
    is not one, or it failed: click then runs it."""
    given = plain_options(argv)
    if (given is None or os.name != "posix" or sys.stdout is None
            or codecs.lookup(getattr(sys.stdout, "encoding", None) or "ascii").name != "utf-8"
            or any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ)):
        return None
    try:
        from ...tools import intake
        date = given.get("date")
        if date is not None:   # as evaluation_date reads it; a date it refuses is refused by click
            import datetime
            date = datetime.date.fromisoformat(date).isoformat()
        application = intake.read_application(Path(given["evidence"]), ruleset=given.get("ruleset"))
        result = application.ruleset.evaluate(application.evidence, params={}, date=date or intake.default_date(),
                                              evidence_bytes=application.raw, origins={}, gap=True, validated=True)
        report = result.to_json()
    except Exception:
        return None
    except KeyboardInterrupt:   # as click reports it
        sys.stderr.write("\nAborted!\n")
        return 1
    try:   # as click.echo writes it (a result has no terminal codes to take out)
        sys.stdout.write(report)
        sys.stdout.flush()
    except BrokenPipeError:   # as the command group does: the reader went away
        sys.stderr.close()
        os._exit(EXIT_OK)
    return exit_code(result)
