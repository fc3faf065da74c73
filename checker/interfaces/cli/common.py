"""What every command shares: exit codes, common options, error handling, and the steps from files to a
ruleset, a date and parameters."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from ...errors import CarbonCheckError
from ...evidence.load import DEFAULT_MAX_BYTES, EvidenceError
from ...evaluation.ruleset import Ruleset, shipped_rulesets
from ...language.diagnostics import RulesetError
from ...tools import intake
from ...tools.intake import Application, NoRuleset, ruleset_named
from .plain import EXIT_INTERNAL, EXIT_INVALID, EXIT_NOT_GRADED, EXIT_OK
STDIN = "<stdin>"  # the source named in messages when EVIDENCE is `-`
ISSUES_URL = "the carbon-check issue tracker"

EXIT_CODES_HELP = """\b
Exit codes:
  0  graded, or passed for rulesets without grades (validate: valid)
  1  evaluated but not graded, ineligible or incomplete
  2  invalid input: evidence or ruleset
  3  internal fault (a short message says where to report it)"""


def exit_codes_help(ok: str, not_graded: str | None = None) -> str:
    """The exit-code table of one command, for its --help."""
    lines = ["\b", "Exit codes:", f"  0  {ok}"] + ([f"  1  {not_graded}"] if not_graded else [])
    return "\n".join(lines + ["  2  invalid input: evidence or ruleset",
                               "  3  internal fault (a short message says where to report it)"])


# Options several commands share.
param_option = click.option("--param", "params", multiple=True, metavar="NAME=VALUE|@FILE",
                            help="Supply a ruleset parameter, or @FILE: a YAML file of them.")
date_option = click.option("--date", "date", help="The evaluation date (default: SOURCE_DATE_EPOCH, else today).")
lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                           callback=lambda ctx, param, value: remember_lang(ctx, value))
# Capped where a size still fits every system call (a 2**64 limit would overflow a C size_t).
max_bytes_option = click.option("--max-bytes", type=click.IntRange(min=1, max=1 << 40), default=DEFAULT_MAX_BYTES,
                                show_default=True, help="Refuse evidence files larger than this many bytes.")


def remember_lang(ctx, lang: str) -> str:
    """--lang kept where the command group finds it, to print an error in that language."""
    ctx.meta["lang"] = lang
    return lang


class CommandGroup(click.Group):
    """Turns every failure into a message and an exit code; never a traceback.

    Commands are named in `commands` as "module:function" and imported only when run (or listed in --help),
    so a command pays only for the libraries it uses.
    """

    def __init__(self, *args, lazy_commands: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx):
        return sorted(self.lazy_commands)

    def get_command(self, ctx, name):
        if name not in self.lazy_commands:
            return None
        import importlib
        module, _, attribute = self.lazy_commands[name].partition(":")
        return getattr(importlib.import_module(module, __package__), attribute)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RulesetError as error:
            click.echo(painted(error.render()), err=True)
            sys.exit(EXIT_INVALID)
        except EvidenceError as error:
            click.echo(error.render(ctx.meta.get("lang", "en")), err=True)
            sys.exit(EXIT_INVALID)
        except CarbonCheckError as error:  # any other input or resource the user can fix: the message says how
            click.echo(f"carbon-check: {error.message(ctx.meta.get('lang', 'en'))}", err=True)
            sys.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
            sys.stderr.close()
            os._exit(EXIT_OK)
        except Exception as error:  # an internal fault: say so briefly
            if os.environ.get("CARBON_CHECK_DEBUG"):
                raise
            click.echo(f"carbon-check: internal error: {type(error).__name__}: {error}\n"
                       f"Please report it to {ISSUES_URL} with the command you ran "
                       f"(set CARBON_CHECK_DEBUG=1 for details).", err=True)
            sys.exit(EXIT_INTERNAL)



def ruleset_for(evidence: dict, ruleset: str | None) -> Ruleset:
    try:
        return ruleset_named(evidence.get("ruleset"), ruleset)
    except NoRuleset as error:
        raise click.UsageError(str(error)) from None


_SEVERITY = re.compile(r"^(.*?)\b(error|warning|note)(\[[\w-]+\])", re.M)
_COLOURS = {"error": "red", "warning": "yellow", "note": "cyan", "passed": "green", "failed": "red"}


def paint(text: str, kind: str) -> str:
    """`text` in the colour of `kind` (error, warning, note, passed, failed), unless NO_COLOR is set
    (https://no-color.org). click.echo drops the colour itself when the output is not a terminal."""
    return text if os.environ.get("NO_COLOR") else click.style(text, fg=_COLOURS[kind], bold=kind == "error")


def painted(diagnostics: str) -> str:
    """Rendered diagnostics with each `error[code]` / `warning[code]` / `note[code]` in its colour."""
    return _SEVERITY.sub(lambda m: m.group(1) + paint(m.group(2) + m.group(3), m.group(2)), diagnostics)


def complete_ruleset(ctx, param, incomplete: str) -> list:
    """Shell completion of a ruleset argument: the shipped rulesets' names, then .rules files and folders."""
    from click.shell_completion import CompletionItem
    names = [CompletionItem(p.stem) for p in shipped_rulesets() if p.stem.startswith(incomplete)]
    return names + [CompletionItem(incomplete, type="file")]


def source_name(path: Path) -> str:
    """EVIDENCE as messages name it."""
    return STDIN if str(path) == "-" else str(path)


def read_application(path: Path, ruleset: str | None, max_bytes: int, validate: bool = True) -> Application:
    """EVIDENCE (JSON or XLSX; `-` for standard input) read, its ruleset found and (unless told not to) validated."""
    try:
        if str(path) == "-":  # at most one byte more than allowed, so that too much is reported, never read whole
            raw = sys.stdin.buffer.read(max_bytes + 1)
            return intake.parse_application(raw, STDIN, ruleset=ruleset, max_bytes=max_bytes, validate=validate)
        return intake.read_application(path, ruleset=ruleset, max_bytes=max_bytes, validate=validate)
    except NoRuleset as error:
        raise click.UsageError(str(error)) from None


def evaluation_date(given: str | None) -> str:
    import datetime
    if given:   # the result schema promises a YYYY-MM-DD date
        try:
            return datetime.date.fromisoformat(given).isoformat()
        except ValueError:
            raise click.BadParameter(f"expected a date YYYY-MM-DD, got {given!r}", param_hint="--date") from None
    return intake.default_date()


def parse_params(pairs: tuple[str, ...]) -> tuple[dict, dict]:
    """`--param NAME=VALUE` pairs and `--param @FILE` (a YAML mapping), later ones winning.

    Returns the values by name and where each came from ({"source", "file_sha256"}), which the result records.
    """
    params, origins = {}, {}
    for pair in pairs:
        if pair.startswith("@"):
            values, digest = params_file(Path(pair[1:]))
            origin = {"source": "file", "file_sha256": digest}
            params.update(values)
            origins.update(dict.fromkeys(values, origin))
            continue
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--param")
        params[name.strip()] = value.strip()
        origins[name.strip()] = {"source": "command line", "file_sha256": None}
    return params, origins


def params_file(path: Path) -> tuple[dict, str]:
    """Parameters a certification body keeps in a file: `name: value` lines, numbers read exactly; with the
    SHA-256 of the very bytes read (read once, so the hash the result records is of what was used)."""
    import hashlib
    from ...tools.cases import CasesError, parse_yaml, read_yaml_bytes
    try:
        raw = read_yaml_bytes(path, str(path), "parameters")
        data = parse_yaml(raw, str(path))
    except CasesError as error:
        raise click.BadParameter("; ".join(error.problems), param_hint="--param") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise click.BadParameter(f"{path} must be a mapping of parameter names to values", param_hint="--param")
    return {name: value for name, value in data.items()}, hashlib.sha256(raw).hexdigest()






def evidence_schema(rules: Ruleset) -> dict:
    return intake.schema_of(rules)
