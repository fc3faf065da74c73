"""The `carbon-check` command: a thin layer over the public API.

Exit codes: 0 graded (for `validate`: valid; for `lint`: no errors); 1 evaluated but not graded,
ineligible or incomplete; 2 invalid input (evidence or ruleset); 3 an internal fault.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .diagnostics import RulesetError
from .evidence import EvidenceError, check_evidence, load_evidence
from .report import FORMATS, render
from .ruleset import Ruleset, load_ruleset, shipped_rulesets

EXIT_OK, EXIT_NOT_GRADED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
ISSUES_URL = "the carbon-check issue tracker"

EXIT_CODES_HELP = """\b
Exit codes:
  0  graded, or passed for rulesets without grades (validate: valid)
  1  evaluated but not graded, ineligible or incomplete
  2  invalid input: evidence or ruleset
  3  internal fault (a short message says where to report it)"""


class _Command(click.Group):
    """Turns every failure into a message and an exit code; never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RulesetError as error:
            click.echo(error.render(), err=True)
            sys.exit(EXIT_INVALID)
        except EvidenceError as error:
            click.echo(error.render(ctx.meta.get("lang", "en")), err=True)
            sys.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # an internal fault: say so briefly
            if os.environ.get("CARBON_CHECK_DEBUG"):
                raise
            click.echo(f"carbon-check: internal error: {type(error).__name__}: {error}\n"
                       f"Please report it to {ISSUES_URL} with the command you ran "
                       f"(set CARBON_CHECK_DEBUG=1 for details).", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Command, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="carbon-check")
def main():
    """Score applications against China's dual-carbon standards."""


def _ruleset_for(evidence: dict, ruleset: str | None) -> Ruleset:
    name = ruleset or evidence.get("ruleset")
    if not isinstance(name, str) or not name:
        raise click.UsageError("the evidence names no ruleset (a top-level \"ruleset\" field); pass --ruleset")
    return load_ruleset(name)


def _date(given: str | None) -> str:
    if given:
        return given
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    import datetime
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date().isoformat()
    return datetime.date.today().isoformat()


def _parse_params(pairs: tuple[str, ...]) -> dict:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--param")
        params[name.strip()] = value.strip()
    return params


@main.command()
@click.argument("evidence", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--ruleset", "-r", help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (atomically).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Supply a ruleset parameter.")
@click.option("--date", "date", help="The evaluation date (default: SOURCE_DATE_EPOCH, else today).")
@click.pass_context
def check(ctx, evidence, ruleset, fmt, lang, output, params, date):
    """Score one application (EVIDENCE, a JSON file)."""
    ctx.meta["lang"] = lang
    data, raw = load_evidence(evidence)
    rules = _ruleset_for(data, ruleset)
    check_evidence(data, rules.schema, str(evidence))
    try:
        result = rules.evaluate(data, params=_parse_params(params), date=_date(date), evidence_bytes=raw)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    text = render(result, fmt, lang)
    if output:
        write_atomically(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_OK if result.outcome in ("graded", "passed") else EXIT_NOT_GRADED)


@main.command()
def rulesets():
    """List the shipped rulesets."""
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        click.echo(f"{path.stem:<28} {rules.text('version') or '':<8} {rules.text('standard') or '':<24} "
                   f"{rules.text('title')} / {rules.text('title', 'en')}")


@main.command()
@click.argument("ruleset")
def lint(ruleset):
    """Load RULESET and report every problem and warning in it."""
    rules = load_ruleset(ruleset)
    for warning in rules.warnings:
        click.echo(warning.render(), err=True)
    click.echo(f"{rules.path}: ok ({len(rules.warnings)} warning{'s' * (len(rules.warnings) != 1)})")


def write_atomically(path: Path, data: bytes) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then a rename."""
    import tempfile
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    main()
