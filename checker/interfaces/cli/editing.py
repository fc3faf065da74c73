"""Commands for the editor a standards writer works in: fmt and lsp."""
from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from ...inputs import InputError, read_stream, read_text
from ...language.diagnostics import RulesetError
from ...language.format import format_source
from ...outputs.files import write_atomically
from .common import EXIT_INVALID, EXIT_NOT_GRADED, EXIT_OK


@click.command("fmt", epilog="""\b
Exit codes:
  0  every file is formatted (with --check or --diff: nothing would change)
  1  with --check or --diff: a file would change (it is listed)
  2  a file is not a valid ruleset (nothing is written to it)
  3  internal fault (a short message says where to report it)""")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option("--check", is_flag=True, help="Change nothing; list the files formatting would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print the changes as a unified diff.")
def fmt(paths, check, show_diff):
    """Rewrite rulesets in the canonical layout, keeping every comment.

    A folder stands for the .rules files under it; - reads standard input and writes standard output.
    """
    if paths == ("-",):
        try:
            source = read_stream(sys.stdin.buffer, "<stdin>").decode("utf-8")
        except UnicodeDecodeError as error:
            raise click.ClickException(f"<stdin>: expected UTF-8 text: {error.reason} at offset {error.start}")
        click.echo(format_source(source, "<stdin>"), nl=False)
        return
    changed, invalid = [], 0
    for path in _ruleset_files(paths):
        try:
            source = read_text(path, what="ruleset")
            formatted = format_source(source, str(path))
        except RulesetError as error:
            click.echo(error.render(), err=True)
            invalid += 1
            continue
        except InputError as error:
            click.echo(f"{path}: cannot read: {error.en}", err=True)
            invalid += 1
            continue
        if formatted == source:
            continue
        changed.append(path)
        if show_diff:
            click.echo("".join(difflib.unified_diff(source.splitlines(keepends=True),
                                                    formatted.splitlines(keepends=True),
                                                    f"{path} (now)", f"{path} (formatted)")), nl=False)
        elif check:
            click.echo(f"would reformat {path}")
        else:
            write_atomically(path, formatted.encode("utf-8"))
            click.echo(f"reformatted {path}", err=True)
    if invalid:
        sys.exit(EXIT_INVALID)
    sys.exit(EXIT_NOT_GRADED if changed and (check or show_diff) else EXIT_OK)


def _ruleset_files(paths) -> list[Path]:
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.rules")))
        elif path.is_file():
            files.append(path)
        else:
            raise click.BadParameter(f"no such file or folder: {name}", param_hint="FILE|DIR")
    return files


@click.command("lsp")
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only way; editors pass it).")
def lsp(stdio):
    """Run the language server for editors: diagnostics, hover, go to definition, completion, formatting,
    outline. Needs the 'lsp' extra."""
    try:
        from ..lsp.server import main as serve
    except ImportError as error:
        if error.name and error.name.split(".")[0] in ("pygls", "lsprotocol"):
            raise click.ClickException("the language server needs the 'lsp' extra: "
                                       "pip install 'carbon-check[lsp]'") from None
        raise
    serve()
