"""Commands for standards writers: rulesets, lint, test, schema and diff."""
from __future__ import annotations

import sys
from pathlib import Path

import click

import json

from ...evaluation.result import dumps
from ...evaluation.ruleset import display_path, load_ruleset, locate, read_source, shipped_rulesets
from ...language.diagnostics import RulesetError
from ...outputs.files import write_atomically
from ...tools.cases import CasesError, exit_code, find_all_cases, junit_xml, run_file, summary
from ...language.format import display_width
from .common import (EXIT_INTERNAL, EXIT_INVALID, EXIT_NOT_GRADED, EXIT_OK, complete_ruleset, date_option,
                     evaluation_date, evidence_schema, exit_codes_help, lang_option,
                     max_bytes_option, paint, painted, parse_params)


@click.command(epilog=exit_codes_help("listed"))
def rulesets():
    """List the shipped rulesets: name, version, standard, title (zh / en)."""
    rows = [("ruleset", "version", "standard", "title")]
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        rows.append((path.stem, rules.text("version") or "", rules.text("standard") or "",
                     f"{rules.text('title')} / {rules.text('title', 'en')}"))
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths)) + "  " + row[3])



@click.command(epilog=exit_codes_help("no errors (warnings are listed)"))
@click.argument("ruleset", shell_complete=complete_ruleset)
@click.option("--overlaps", is_flag=True, help="Also list grades that hold at the same point (the first listed "
                                               "wins; a table read cumulatively relies on it).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="json or sarif (SARIF 2.1.0, for code scanning and editors): every diagnostic on stdout.")
def lint(ruleset, overlaps, fmt):
    """Load RULESET and report every problem and warning in it, with the gaps of its grade table."""
    if fmt != "text":
        _lint_for_machines(ruleset, overlaps, fmt)
        return
    rules = load_ruleset(ruleset)
    found = _findings(rules, overlaps)
    for diagnostic in found:
        click.echo(painted(diagnostic.render(rules.sources)), err=True)
    warnings = sum(d.severity == "warning" for d in found)
    notes = len(found) - warnings
    click.echo(f"{display_path(rules.path)}: ok ({warnings} warning{'s' * (warnings != 1)}"
               + (f", {notes} note{'s' * (notes != 1)})" if notes else ")"))


def _findings(rules, overlaps: bool) -> list:
    """What lint reports of a loaded ruleset: its warnings, what nothing uses, its schema, its tiers and grades."""
    from ...tools.lint import lint_grades, lint_tiers
    from ...tools.lint_usage import lint_boundary, lint_schema, lint_unused
    return rules.warnings + lint_unused(rules) + lint_boundary(rules) + lint_schema(rules) + lint_tiers(rules) + \
        lint_grades(rules, overlaps=overlaps)


def _lint_for_machines(ruleset: str, overlaps: bool, fmt: str) -> None:
    """`lint --format json|sarif`: the diagnostics of a ruleset, loaded or not, as one JSON document."""
    from ...tools.findings import as_json, as_sarif
    try:
        rules = load_ruleset(ruleset)
        found, failed = _findings(rules, overlaps), False
    except RulesetError as error:
        found, failed = error.diagnostics, True
    click.echo(json.dumps(as_sarif(found) if fmt == "sarif" else as_json(found, ruleset), ensure_ascii=False,
                          indent=2))
    sys.exit(EXIT_INVALID if failed else EXIT_OK)


@click.command("test", epilog="\b\nExit codes:\n  0  every case passes\n  1  a case fails\n"
                              "  2  a cases file or its ruleset cannot be run as written\n"
                              "  3  internal fault (a short message says where to report it)")
@click.argument("targets", nargs=-1, metavar="[RULESET|DIR]...", shell_complete=complete_ruleset)
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the results as JUnit XML to FILE (atomically).")
def run_cases(targets, junit):
    """Run the YAML test cases of rulesets (default: every shipped ruleset).

    Each RULESET|DIR is a ruleset name, a .rules file, a .cases.yaml file or a folder of them. Prints one line
    per failing case, a summary `N passed, M failed`, then what no case reaches.
    """
    try:
        plan = find_all_cases(targets)
    except CasesError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_INVALID)
    reports, rulesets = [], {}
    for path in plan.files:
        report = run_file(path, rulesets)
        if report.error:
            click.echo(report.error, err=True)
        for result in report.results:
            if not result.passed:
                click.echo(result.line)
        reports.append(report)
    counts = summary(reports)
    click.echo(paint(counts, "passed" if exit_code(reports) == EXIT_OK else "failed"))
    for report in reports:
        for line in report.coverage.lines() if report.coverage else ():
            click.echo(line)
    for ruleset in plan.uncovered:
        click.echo(f"coverage of {ruleset}: no cases file")
    if junit:
        write_atomically(junit, junit_xml(reports))
    sys.exit(exit_code(reports))


@click.command(epilog=exit_codes_help("printed"))
@click.argument("ruleset", shell_complete=complete_ruleset)
@click.option("--scaffold", is_flag=True, help="Write a starting schema from the evidence paths the ruleset reads "
                                               "(types and units from their use, descriptions to fill in).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE (atomically) instead of printing.")
def schema(ruleset, scaffold, output):
    """Print the JSON Schema (Draft 2020-12) of the evidence RULESET reads."""
    if scaffold:
        from ...language.parse import parse
        from ...tools.scaffold import imported, scaffold as starting_schema
        path = locate(ruleset)
        module = parse(read_source(path), display_path(path))
        data = starting_schema(module, imported(module, path))
    else:
        data = evidence_schema(load_ruleset(ruleset))
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output:
        write_atomically(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@click.command("diff", epilog="""\b
Exit codes:
  0  no application changes result
  1  some application changes outcome, grade, score or item points (or becomes invalid under one version)
  2  invalid input: a ruleset with errors, wrong inputs or --param, or an application neither version
     can score (unreadable, malformed, or invalid under both schemas)
  3  internal fault while evaluating some application (listed), or elsewhere""")
@click.argument("old", shell_complete=complete_ruleset)
@click.argument("new", shell_complete=complete_ruleset)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@lang_option
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE|@FILE",
              help="Supply a parameter to both versions (only to the one that declares it), or @FILE of them.")
@click.option("--all", "show_all", is_flag=True, help="Also list the applications whose result does not change.")
@date_option
@max_bytes_option
def diff_command(old, new, inputs, fmt, lang, params, show_all, date, max_bytes):
    """Which applications change result from ruleset OLD to NEW (names or .rules files).

    INPUT is a folder, a glob or a JSON Lines file, as for `batch`. Prints both versions' identity, what
    items were added or removed, counts by kind of change, the grade transitions, then one line per
    application whose outcome, grade, score or item points change (--all: every application).
    """
    from ...tools.batch import collect
    from ...tools.diff import compare_versions, render_csv, render_text
    before, after = load_ruleset(old), load_ruleset(new)
    try:
        comparison = compare_versions(before, after, collect(inputs), parse_params(params)[0], evaluation_date(date),
                                      max_bytes, lang)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if fmt == "json":
        click.echo(dumps(comparison.to_dict(show_all)), nl=False)
    elif fmt == "csv":
        click.echo(render_csv(comparison), nl=False)
        from ...catalogue import fill, messages
        words = messages(lang)["diff"]
        for side, names in comparison.params_only.items():   # the table has no header to say it in
            for name in names:
                click.echo(fill(words["param_only"], name=name, side=words[side]), err=True)
    else:
        click.echo(render_text(comparison, lang, show_all), nl=False)
    counts = comparison.counts()
    sys.exit(EXIT_INTERNAL if counts["error"] else EXIT_INVALID if counts["invalid"] else
             EXIT_NOT_GRADED if counts["changed"] else EXIT_OK)

