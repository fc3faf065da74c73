"""Commands that read one application: check, validate, gap, and init to start one."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ...evaluation.result import dumps
from ...evaluation.ruleset import load_ruleset
from ...evidence.load import EvidenceError
from ...tools import intake
from ...tools.intake import Application
from ...evidence.starter import StarterError, starting_evidence
from ...language.diagnostics import Diagnostic, RulesetError
from ...outputs.files import write_atomically
from ...catalogue import fill, messages
from ...outputs import FORMATS
from .plain import exit_code, with_signoff
from .signing import signer_for, signoff_options, write_signed
from .common import (EXIT_INVALID, EXIT_NOT_GRADED, EXIT_OK, complete_ruleset, date_option, evaluation_date,
                     evidence_schema, exit_codes_help, lang_option, max_bytes_option, param_option, parse_params,
                     read_application, source_name)


@click.command(epilog=exit_codes_help("graded, or passed for rulesets without grades",
                                     "evaluated but not graded, ineligible or incomplete"))
@click.argument("evidence", type=click.Path(dir_okay=True, allow_dash=True, path_type=Path))
@click.option("--ruleset", "-r", shell_complete=complete_ruleset,
              help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@lang_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (atomically).")
@param_option
@date_option
@click.option("--template-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Render with the report templates in DIR (sandboxed; missing ones fall back to the shipped).")
@click.option("--set", "changes", multiple=True, metavar="/POINTER=JSON",
              help="What-if: score the evidence changed at a JSON pointer (the value is JSON; null deletes) "
                   "and show what changed against the unchanged evidence. Repeatable.")
@max_bytes_option
@signoff_options
def check(evidence, ruleset, fmt, lang, output, params, date, template_dir, max_bytes, changes, sign_key,
          sign_cert, **signoff):
    """Score one application (EVIDENCE, a JSON file or an XLSX workbook; - reads standard input).

    Reports carry a sign-off block: the issuing organisation, report number, assessor and reviewer come from
    --issuer FILE or the options; without an organisation the report is a self-assessment. --sign-key signs
    the json (OUTPUT.p7s beside it) or pdf output as it is written.
    """
    if fmt == "pdf" and not output:
        raise click.UsageError("--format pdf writes a binary file: give it with -o FILE")
    signer = signer_for(sign_key, sign_cert, fmt, output)
    application = read_application(evidence, ruleset, max_bytes)
    rules, data = application.ruleset, application.evidence
    try:
        supplied, origins = parse_params(params)
        result = rules.evaluate(data, params=supplied, date=evaluation_date(date), evidence_bytes=application.raw,
                                origins=origins, gap=True, validated=True)
        if changes:
            result, comparison = _what_if(application, changes, result, supplied, evaluation_date(date), lang)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    document = with_signoff(result.to_dict(), signoff)
    if fmt == "json":   # the result itself: no need to load the report machinery
        report = dumps(document)
    else:   # a ReportError or PdfUnavailable is the user's to fix
        from ...outputs.report import render
        report = render(document, fmt, lang, template_dir)
    if signer is not None:
        write_signed(output, report if isinstance(report, bytes) else report.encode("utf-8"), signer)
    elif output:
        write_atomically(output, report if isinstance(report, bytes) else report.encode("utf-8"))
    else:
        click.echo(report, nl=False)
    if changes:  # after a text report on the terminal; beside any other document, on stderr
        click.echo(comparison, nl=False, err=fmt != "text" and not output)
    sys.exit(exit_code(result))



@click.command(epilog=exit_codes_help("written"))
@click.argument("ruleset", shell_complete=complete_ruleset)
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True,
              help="json: a file of nulls to fill in; xlsx: a workbook with labels, units, hints and drop-downs.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (atomically) instead of printing.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@lang_option
def init(ruleset, fmt, output, force, lang):
    """Write a starting evidence file for RULESET: every field it describes, to be filled in.

    Examples are hints, never values: the file does not validate until it holds the applicant's own figures.
    """
    rules = load_ruleset(ruleset)
    schema = evidence_schema(rules)
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a binary file: give it with -o FILE")
        from ...outputs.workbook import write_workbook
        content = write_workbook(schema, rules.description)
    else:
        try:
            content = dumps(starting_evidence(schema)).encode("utf-8")
        except StarterError as error:
            raise RulesetError([Diagnostic("schema", f"{rules.path}: {error}")]) from None
    if output is None:
        click.echo(content.decode("utf-8"), nl=False)
        return
    if output.exists() and not force:   # never overwrite an application being filled in
        raise click.BadParameter(f"{output} exists; pass --force to replace it", param_hint="--output")
    write_atomically(output, content)
    click.echo(fill(messages(lang)["selfcheck"]["init_" + fmt], output=output, ruleset=ruleset), err=True)



@click.command(epilog=exit_codes_help("valid"))
@click.argument("evidence", type=click.Path(allow_dash=True, path_type=Path))
@click.option("--ruleset", "-r", shell_complete=complete_ruleset,
              help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: {valid, ruleset, problems: [{pointer, message, line, column, cell}]} for CI and editors.")
@lang_option
@max_bytes_option
def validate(evidence, ruleset, fmt, lang, max_bytes):
    """List every problem of EVIDENCE (a JSON file or an XLSX workbook; - reads standard input) against its
    ruleset's schema, without scoring it."""
    words = messages(lang)["validate"]
    try:
        rules = read_application(evidence, ruleset, max_bytes).ruleset
    except EvidenceError as error:   # the problems are this command's output, so they go to stdout
        if fmt == "json":
            click.echo(dumps({"source": source_name(evidence), "valid": False, "ruleset": None, "problems": [
                {"pointer": p.pointer, "message": p.message(lang), "line": p.line, "column": p.column, "cell": p.cell}
                for p in error.problems]}), nl=False)
        else:
            click.echo(error.render(lang))
            click.echo(error.summary(lang))
        sys.exit(EXIT_INVALID)
    version = rules.text("version")
    if fmt == "json":
        click.echo(dumps({"source": source_name(evidence), "valid": True,
                          "ruleset": {"id": rules.id, "version": version}, "problems": []}), nl=False)
    else:
        click.echo(fill(words["valid"], file=source_name(evidence), ruleset=rules.id, version=version))


def _what_if(application: Application, changes: tuple[str, ...], before, params: dict, date: str, lang: str):
    """`check --set`: the result of the changed evidence, and what changed against `before`."""
    from ...evaluation.whatif import apply_changes, compare, parse_change
    from ...outputs.gaptext import render_comparison
    from ...pointer import get
    changed, record = application.evidence, []
    for change in changes:
        path, value = parse_change(change)
        before_change, changed = changed, apply_changes(changed, [(path, value)])
        record.append({"pointer": change.partition("=")[0], "from": get(before_change, path), "to": get(changed, path)})
    intake.check(application, changed, f"{application.source} (with --set)")
    after = application.ruleset.evaluate(changed, params=params, date=date, gap=True, validated=True)
    after.hypothetical = {"changes": record}  # so that no report of it can pass for an evaluation
    return after, "\n" + render_comparison(compare(before, after), list(changes), lang)


@click.command("gap", epilog="""\b
Exit codes:
  0  the gap to the target grade was listed (none left: its conditions hold)
  1  nothing to aim for: already at the highest grade, or the ruleset has no grades
  2  invalid input: evidence, ruleset, parameter, or a --target the ruleset does not grade
  3  internal fault (a short message says where to report it)""")
@click.argument("evidence", type=click.Path(allow_dash=True, path_type=Path))
@click.option("--ruleset", "-r", shell_complete=complete_ruleset,
              help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--target", "-t", metavar="GRADE", help="The grade to reach, by id (default: the next one above).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
@param_option
@date_option
@max_bytes_option
def gap_command(evidence, ruleset, target, fmt, lang, params, date, max_bytes):
    """What EVIDENCE (- reads standard input) still needs for the next grade (or --target GRADE).

    Lists each condition of the grade that does not hold, with its current and required value and, where
    the condition is linear in evidence quantities, the smallest change to one input that meets it.
    """
    from ...evaluation.gap import gap_to
    from ...outputs.gaptext import render_gap
    application = read_application(evidence, ruleset, max_bytes)
    rules, data = application.ruleset, application.evidence
    if rules.classifies:  # classes are not grades: there is no next one to reach
        from ...catalogue import fill, messages
        click.echo(fill(messages(lang)["gap"]["classifies"], ruleset=rules.id))
        sys.exit(EXIT_NOT_GRADED)
    try:
        supplied, origins = parse_params(params)
        result = rules.evaluate(data, params=supplied, date=evaluation_date(date), evidence_bytes=application.raw,
                                origins=origins, gap=not target, validated=True)
        found = gap_to(rules, data, result, rules.parameters(supplied), target) if target else result.gap
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if fmt == "json":
        click.echo(dumps({"ruleset": {"id": rules.id, "version": rules.text("version"), "sha256": rules.sha256},
                          "evidence": result.evidence, "outcome": result.outcome, "grade": result.grade,
                          "provisional_grade": result.provisional_grade, "score": result.score, "gap": found}),
                   nl=False)
    else:
        click.echo(render_gap(result, found, lang), nl=False)
    sys.exit(EXIT_OK if found is not None else EXIT_NOT_GRADED)
