"""A factory's self-check in its own medium: `convert` between JSON and XLSX evidence, `serve` the web app."""
from __future__ import annotations

from pathlib import Path

import click

from ...evaluation.result import dumps
from ...evidence.load import EvidenceError, Problem
from ...outputs.files import write_atomically
from ...catalogue import fill, messages
from ...pointer import format_pointer
from .common import complete_ruleset, exit_codes_help, lang_option, max_bytes_option, read_application


@click.command(epilog=exit_codes_help("converted"))
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ruleset", "-r", shell_complete=complete_ruleset,
              help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--force", is_flag=True, help="Replace TARGET if it exists.")
@lang_option
@max_bytes_option
def convert(source, target, ruleset, force, lang, max_bytes):
    """Convert evidence between JSON and XLSX: SOURCE is either, TARGET's suffix (.json, .xlsx) says which.

    The evidence need not be complete (a workbook being filled in converts too), but it must parse; JSON
    → XLSX → JSON gives the same evidence, and the command refuses what a workbook cannot hold.
    """
    kind = target.suffix.lower()
    if kind not in (".json", ".xlsx"):
        raise click.BadParameter("expected TARGET to end in .json or .xlsx", param_hint="TARGET")
    if target.exists() and not force:
        raise click.BadParameter(f"{target} exists; pass --force to replace it", param_hint="TARGET")
    application = read_application(source, ruleset, max_bytes, validate=False)
    if application.unread:   # a value that could not be read cannot be converted either
        raise EvidenceError(str(source), application.unread)
    content = (dumps(application.evidence).encode("utf-8") if kind == ".json"
               else workbook_of(application.ruleset, application.evidence, str(target), max_bytes))
    write_atomically(target, content)
    click.echo(fill(messages(lang)["selfcheck"]["converted"], output=target), err=True)


def workbook_of(rules, evidence: dict, source: str, max_bytes: int) -> bytes:
    """The workbook of `evidence`, read back to prove it holds the same evidence; else EvidenceError."""
    from ...evidence.workbook import read_workbook
    from ...outputs.workbook import write_workbook
    content = write_workbook(rules.schema, rules.description, evidence)
    back, _, unread = read_workbook(content, source, max_bytes=max(max_bytes, len(content))).evidence(rules.schema)
    lost = sorted(_differences(evidence, back) | {problem.pointer for problem in unread})
    if lost:
        words = [messages(lang)["selfcheck"]["not_in_workbook"] for lang in ("en", "zh")]
        raise EvidenceError(source, [Problem(pointer, *words) for pointer in lost])
    return content


def _differences(a, b, pointer: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return {p for key in set(a) | set(b)
                for p in _differences(a.get(key), b.get(key), pointer + format_pointer((key,)))}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {p for i, (x, y) in enumerate(zip(a, b)) for p in _differences(x, y, f"{pointer}/{i}")}
    return set() if a == b and type(a) is type(b) else {pointer or "/"}


@click.command(epilog="""\b
Exit codes:
  0  stopped (Ctrl-C)
  2  cannot start: the web extra is missing, a non-loopback address without --token, or the address
     cannot be listened on (in use)""")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--token", envvar="CARBON_CHECK_TOKEN", metavar="TOKEN",
              help="Require this token on every request (Authorization: Bearer TOKEN, or open the printed URL "
                   "once). Also read from CARBON_CHECK_TOKEN.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes serving requests (each uses one core for the checks). Default: 2, or 1 on a "
                   "single-core computer.")
@lang_option
def serve(host, port, token, workers, lang):
    """The self-check as a local web app: fill in or upload evidence, see the report, the gap and what-ifs.

    Also a JSON API (POST /api/v1/check; OpenAPI at /api/v1/openapi.json). Nothing is stored on disk.
    """
    import os
    import sys
    words = messages(lang)["selfcheck"]
    try:
        from ..web import server
    except ImportError as error:
        click.echo(fill(words["serve_needs_web"], error=error), err=True)
        sys.exit(2)
    if not server.is_loopback(host):
        if not token:
            click.echo(fill(words["serve_refused"], host=host), err=True)
            sys.exit(2)
        click.echo(fill(words["serve_warning"], host=host), err=True)
    if token is not None and len(token) < 16:
        click.echo(words["serve_short_token"], err=True)
        sys.exit(2)

    def announce(bound: int) -> None:
        here, others = server.urls(host, bound, token)
        click.echo(fill(words["serve_url"], url=here))
        if others:
            click.echo(fill(words["serve_url_others"], url=others))
    try:
        server.serve(token, host, port, workers or min(2, os.cpu_count() or 1), announce)
    except server.CannotListen as error:
        click.echo(fill(words["serve_cannot_listen"], host=host, port=port, error=error.strerror or error), err=True)
        sys.exit(2)
