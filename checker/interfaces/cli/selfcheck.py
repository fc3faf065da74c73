"""A factory's self-check in its own medium: `convert` between JSON and XLSX evidence, `serve` the web app."""
from __future__ import annotations

from pathlib import Path

import click

from ...evaluation.result import dumps
from ...evidence.load import EvidenceError, Problem
from ...outputs.files import write_atomically
from ...catalogue import fill, messages
from .common import exit_codes_help, lang_option, max_bytes_option, read_application


@click.command(epilog=exit_codes_help("converted"))
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ruleset", "-r", help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--force", is_flag=True, help="Replace TARGET if it exists.")
@lang_option
@max_bytes_option
@click.pass_context
def convert(ctx, source, target, ruleset, force, lang, max_bytes):
    """Convert evidence between JSON and XLSX: SOURCE is either, TARGET's suffix (.json, .xlsx) says which.

    The evidence need not be complete (a workbook being filled in converts too), but it must parse; JSON
    → XLSX → JSON gives the same evidence, and the command refuses what a workbook cannot hold.
    """
    ctx.meta["lang"] = lang
    kind = target.suffix.lower()
    if kind not in (".json", ".xlsx"):
        raise click.BadParameter("expected TARGET to end in .json or .xlsx", param_hint="TARGET")
    if target.exists() and not force:
        raise click.BadParameter(f"{target} exists; pass --force to replace it", param_hint="TARGET")
    application = read_application(source, ruleset, max_bytes, validate=False)
    content = (dumps(application.evidence).encode("utf-8") if kind == ".json"
               else workbook_of(application.ruleset, application.evidence, str(target), max_bytes))
    write_atomically(target, content)
    click.echo(fill(messages(lang)["selfcheck"]["converted"], output=target), err=True)


def workbook_of(rules, evidence: dict, source: str, max_bytes: int) -> bytes:
    """The workbook of `evidence`, read back to prove it holds the same evidence; else EvidenceError."""
    from ...evidence.workbook import read_workbook
    from ...outputs.workbook import write_workbook
    content = write_workbook(rules.schema, rules.description, evidence)
    back, _ = read_workbook(content, source, max_bytes=max(max_bytes, len(content))).evidence(rules.schema)
    lost = sorted(_differences(evidence, back))
    if lost:
        raise EvidenceError(source, [Problem(pointer, "a workbook cannot hold this value as it is (a field the "
                                             "schema does not describe, or an empty text)",
                                             "工作簿无法原样保存此值（模式未描述的字段，或空文本）")
                                     for pointer in lost])
    return content


def _differences(a, b, pointer: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return {p for key in set(a) | set(b)
                for p in _differences(a.get(key), b.get(key), f"{pointer}/{key}")}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {p for i, (x, y) in enumerate(zip(a, b)) for p in _differences(x, y, f"{pointer}/{i}")}
    return set() if a == b and type(a) is type(b) else {pointer or "/"}
