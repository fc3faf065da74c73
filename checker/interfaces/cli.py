"""The `carbon-check` command: a thin layer over the public API.

Exit codes: 0 graded (for `validate`: valid; for `lint`: no errors); 1 evaluated but not graded,
ineligible or incomplete; 2 invalid input (evidence or ruleset); 3 an internal fault.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..version import __version__
from ..tools.cases import CasesError, exit_code, find_cases, junit_xml, run_file, summary
from ..language.diagnostics import Diagnostic, RulesetError, did_you_mean
from ..evidence.load import DEFAULT_MAX_BYTES, EvidenceError, check_evidence, load_evidence, validate_evidence
from ..outputs.files import write_atomically
from ..outputs.report import FORMATS, render
from ..evaluation.result import dumps
from ..evaluation.ruleset import Ruleset, display_path, load_ruleset, shipped_rulesets
from ..evidence.starter import StarterError, starting_evidence

EXIT_OK, EXIT_NOT_GRADED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
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
lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
max_bytes_option = click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                                show_default=True, help="Refuse evidence files larger than this many bytes.")


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


@click.group(cls=_Command, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="carbon-check")
def main():
    """Score applications against China's dual-carbon standards."""


def _ruleset_for(evidence: dict, ruleset: str | None) -> Ruleset:
    if ruleset:
        return load_ruleset(ruleset)
    name = evidence.get("ruleset")
    if not isinstance(name, str) or not name:
        raise click.UsageError("the evidence names no ruleset (a top-level \"ruleset\" field); pass --ruleset")
    # The evidence is untrusted: it may name a shipped ruleset, never a file for us to read and quote.
    shipped = {path.stem: path for path in shipped_rulesets()}
    if name.replace("_", "-") not in shipped:
        shown = repr(name if len(name) <= 60 else name[:60] + "…")
        raise RulesetError([Diagnostic("not-found", f"the evidence names the ruleset {shown}, which is not shipped",
                                       expected="one of: " + ", ".join(shipped),
                                       hint=did_you_mean(name, shipped) or "pass --ruleset FILE to use another")])
    return load_ruleset(shipped[name.replace("_", "-")])


def _date(given: str | None) -> str:
    import datetime
    if given:   # the result schema promises a YYYY-MM-DD date
        try:
            return datetime.date.fromisoformat(given).isoformat()
        except ValueError:
            raise click.BadParameter(f"expected a date YYYY-MM-DD, got {given!r}", param_hint="--date") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date().isoformat()
    return datetime.date.today().isoformat()


def _parse_params(pairs: tuple[str, ...]) -> dict:
    """`--param NAME=VALUE` pairs and `--param @FILE` (a YAML mapping), later ones winning."""
    params = {}
    for pair in pairs:
        if pair.startswith("@"):
            params.update(_params_file(Path(pair[1:])))
            continue
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--param")
        params[name.strip()] = value.strip()
    return params


def _params_file(path: Path) -> dict:
    """Parameters a certification body keeps in a file: `name: value` lines, numbers read exactly."""
    from ..tools.cases import read_yaml
    try:
        data = read_yaml(path, str(path))
    except CasesError as error:
        raise click.BadParameter("; ".join(error.problems), param_hint="--param") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise click.BadParameter(f"{path} must be a mapping of parameter names to values", param_hint="--param")
    return {name: value for name, value in data.items()}


@main.command(epilog=exit_codes_help("graded, or passed for rulesets without grades",
                                     "evaluated but not graded, ineligible or incomplete"))
@click.argument("evidence", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--ruleset", "-r", help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
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
@click.pass_context
def check(ctx, evidence, ruleset, fmt, lang, output, params, date, template_dir, max_bytes, changes):
    """Score one application (EVIDENCE, a JSON file)."""
    from ..outputs.pdf import PdfRenderError, PdfUnavailable
    from ..outputs.report import ReportError
    ctx.meta["lang"] = lang
    if fmt == "pdf" and not output:
        raise click.UsageError("--format pdf writes a binary file: give it with -o FILE")
    data, raw = load_evidence(evidence, max_bytes=max_bytes)
    rules = _ruleset_for(data, ruleset)
    check_evidence(data, rules.schema, str(evidence))
    try:
        result = rules.evaluate(data, params=_parse_params(params), date=_date(date), evidence_bytes=raw)
        if changes:
            result, comparison = _what_if(rules, data, changes, result, _parse_params(params), _date(date), lang,
                                          str(evidence))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    try:
        report = render(result, fmt, lang, template_dir)
    except (ReportError, PdfUnavailable, PdfRenderError) as error:
        click.echo(f"carbon-check: {error}", err=True)
        sys.exit(EXIT_INVALID)
    if output:
        write_atomically(output, report if isinstance(report, bytes) else report.encode("utf-8"))
    else:
        click.echo(report, nl=False)
    if changes:  # after a text report on the terminal; beside any other document, on stderr
        click.echo(comparison, nl=False, err=fmt != "text" and not output)
    sys.exit(EXIT_OK if result.outcome in ("graded", "passed") else EXIT_NOT_GRADED)


@main.command(epilog=exit_codes_help("listed"))
def rulesets():
    """List the shipped rulesets: name, version, standard, title (zh / en)."""
    rows = [("ruleset", "version", "standard", "title")]
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        rows.append((path.stem, rules.text("version") or "", rules.text("standard") or "",
                     f"{rules.text('title')} / {rules.text('title', 'en')}"))
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)) + "  " + row[3])


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@main.command(epilog=exit_codes_help("no errors (warnings are listed)"))
@click.argument("ruleset")
@click.option("--overlaps", is_flag=True, help="Also list grades that hold at the same point (the first listed "
                                               "wins; a table read cumulatively relies on it).")
def lint(ruleset, overlaps):
    """Load RULESET and report every problem and warning in it, with the gaps of its grade table."""
    from ..tools.lint import lint_grades
    rules = load_ruleset(ruleset)
    found = rules.warnings + lint_grades(rules, overlaps=overlaps)
    for diagnostic in found:
        click.echo(diagnostic.render(rules.sources), err=True)
    warnings = sum(d.severity == "warning" for d in found)
    notes = len(found) - warnings
    click.echo(f"{display_path(rules.path)}: ok ({warnings} warning{'s' * (warnings != 1)}"
               + (f", {notes} note{'s' * (notes != 1)})" if notes else ")"))


@main.command("test", epilog="\b\nExit codes:\n  0  every case passes\n  1  a case fails\n"
                              "  2  a cases file or its ruleset cannot be run as written\n"
                              "  3  internal fault (a short message says where to report it)")
@click.argument("target", required=False, metavar="[RULESET|DIR]")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the results as JUnit XML to FILE (atomically).")
def run_cases(target, junit):
    """Run the YAML test cases of rulesets (default: every shipped ruleset).

    RULESET|DIR is a ruleset name, a .rules file, a .cases.yaml file or a folder of them. Prints one line per
    failing case, a summary `N passed, M failed`, then what no case reaches.
    """
    try:
        plan = find_cases(target)
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
    click.echo(summary(reports))
    for report in reports:
        for line in report.coverage.lines() if report.coverage else ():
            click.echo(line)
    for ruleset in plan.uncovered:
        click.echo(f"coverage of {ruleset}: no cases file")
    if junit:
        write_atomically(junit, junit_xml(reports))
    sys.exit(exit_code(reports))


def _evidence_schema(rules: Ruleset) -> dict:
    if not rules.schema:
        raise RulesetError([Diagnostic("schema", f"{rules.path} names no evidence schema: it reads no evidence")])
    return rules.schema


@main.command(epilog=exit_codes_help("printed"))
@click.argument("ruleset")
def schema(ruleset):
    """Print the JSON Schema (Draft 2020-12) of the evidence RULESET reads."""
    click.echo(json.dumps(_evidence_schema(load_ruleset(ruleset)), ensure_ascii=False, indent=2))


@main.command(epilog=exit_codes_help("written"))
@click.argument("ruleset")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (atomically) instead of printing.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@lang_option
def init(ruleset, output, force, lang):
    """Write a starting evidence file for RULESET: every field it describes, holding the schema's example."""
    rules = load_ruleset(ruleset)
    schema = _evidence_schema(rules)
    try:
        evidence = starting_evidence(schema)
    except StarterError as error:
        raise RulesetError([Diagnostic("schema", f"{rules.path}: {error}")]) from None
    for problem in validate_evidence(evidence, schema):   # a schema whose examples break its own rules
        click.echo(f"warning: the schema's example at {problem.pointer or '/'} is not valid: {problem.message_en}",
                   err=True)
    text = dumps(evidence)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:   # never overwrite an application being filled in
        raise click.BadParameter(f"{output} exists; pass --force to replace it", param_hint="--output")
    write_atomically(output, text.encode("utf-8"))
    if lang == "zh":
        click.echo(f"已写入 {output}：每个值都是模式中的示例值。请逐项替换为本单位的实际数据，删除不填报的可选字段，"
                   f"然后运行 carbon-check validate {output}。各字段的说明和单位见 carbon-check schema {ruleset}。", err=True)
    else:
        click.echo(f"wrote {output}: every value is the schema's example. Replace each with your own figures, "
                   f"delete the optional fields you do not report, then run carbon-check validate {output}. "
                   f"carbon-check schema {ruleset} describes every field and its unit.", err=True)


@main.command(epilog=exit_codes_help("valid"))
@click.argument("evidence", type=click.Path(path_type=Path))
@click.option("--ruleset", "-r", help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@lang_option
@max_bytes_option
@click.pass_context
def validate(ctx, evidence, ruleset, lang, max_bytes):
    """List every problem of EVIDENCE (a JSON file) against its ruleset's schema, without scoring it."""
    ctx.meta["lang"] = lang
    try:
        data, _ = load_evidence(evidence, max_bytes=max_bytes)
        rules = _ruleset_for(data, ruleset)
        check_evidence(data, _evidence_schema(rules), str(evidence))
    except EvidenceError as error:   # the problems are this command's output, so they go to stdout
        count = len(error.problems)
        click.echo(error.render(lang))
        click.echo(f"发现 {count} 个问题" if lang == "zh" else f"{count} problem{'s' * (count != 1)} found")
        sys.exit(EXIT_INVALID)
    version = rules.text("version")
    click.echo(f"{evidence}: 有效（{rules.id} {version}）" if lang == "zh" else f"{evidence}: valid ({rules.id} {version})")


def _what_if(rules: Ruleset, data: dict, changes: tuple[str, ...], before, params: dict, date: str, lang: str,
             source: str):
    """`check --set`: the result of the changed evidence, and what changed against `before`."""
    from ..evaluation.gap import apply_changes, compare, parse_change, render_comparison
    changed = apply_changes(data, [parse_change(change) for change in changes])
    check_evidence(changed, rules.schema, f"{source} (with --set)")
    after = rules.evaluate(changed, params=params, date=date)
    return after, "\n" + render_comparison(compare(before, after), list(changes), lang)


@main.command("gap", epilog="""\b
Exit codes:
  0  the gap to the target grade was listed (none left: its conditions hold)
  1  nothing to aim for: already at the highest grade, or the ruleset has no grades
  2  invalid input: evidence, ruleset, parameter, or a --target the ruleset does not grade
  3  internal fault (a short message says where to report it)""")
@click.argument("evidence", type=click.Path(path_type=Path))
@click.option("--ruleset", "-r", help="Ruleset name or .rules file (default: the evidence's \"ruleset\" field).")
@click.option("--target", "-t", metavar="GRADE", help="The grade to reach, by id (default: the next one above).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@lang_option
@param_option
@date_option
@max_bytes_option
@click.pass_context
def gap_command(ctx, evidence, ruleset, target, fmt, lang, params, date, max_bytes):
    """What EVIDENCE still needs for the next grade (or --target GRADE).

    Lists each condition of the grade that does not hold, with its current and required value and, where
    the condition is linear in evidence quantities, the smallest change to one input that meets it.
    """
    from ..evaluation.gap import gap_to, render_gap
    ctx.meta["lang"] = lang
    data, raw = load_evidence(evidence, max_bytes=max_bytes)
    rules = _ruleset_for(data, ruleset)
    check_evidence(data, rules.schema, str(evidence))
    try:
        supplied = _parse_params(params)
        result = rules.evaluate(data, params=supplied, date=_date(date), evidence_bytes=raw)
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


@main.command(epilog="""\b
Exit codes:
  0  every application was scored, whatever its outcome
  2  invalid input: an application could not be scored (unreadable, malformed or invalid evidence; the
     summary says why), or the inputs, ruleset or options are wrong
  3  internal fault while scoring some application (the summary says which)""")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--ruleset", "-r", required=True, help="Ruleset name or .rules file.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results, summary.csv and index.html.")
@click.option("--format", "formats", default="json", show_default=True, metavar="FORMAT[,FORMAT…]",
              help="Reports to write per application: json, html, md, text (the JSON result is always written).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the cores available).")
@click.option("--force", is_flag=True, help="Score again applications whose result is already in --out.")
@click.option("--id-field", metavar="/POINTER", help="JSON Lines: the text field naming each application "
                                                     "(default: the file name and line number).")
@lang_option
@param_option
@date_option
@max_bytes_option
def batch(inputs, ruleset, out, formats, jobs, force, id_field, lang, params, date, max_bytes):
    """Score many applications: INPUT is a folder, a glob or a JSON Lines file (one application a line)."""
    import time
    from ..tools import batch as batching
    chosen = ["json"] + [f.strip() for f in formats.split(",") if f.strip() and f.strip() != "json"]
    unknown = [f for f in chosen if f not in batching.EXTENSIONS or f not in FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {unknown[0]!r}: expected json, html, md or text",
                                 param_hint="--format")
    rules = load_ruleset(ruleset)
    try:
        applications = batching.collect(inputs, out, id_field)
        supplied = _parse_params(params)
        rules.parameters(supplied)  # refuse a wrong parameter before any work
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    settings = batching.Settings(str(rules.path.resolve()), str(out), tuple(dict.fromkeys(chosen)),
                                 tuple(sorted(supplied.items())), _date(date), lang, force, max_bytes)
    if not force and batching.previous_settings_differ(out, settings):
        click.echo(f"{out} holds results made with other parameters or language: scoring everything again", err=True)
        settings = batching.Settings(**{**vars(settings), "force": True})
    started, counts = time.monotonic(), {"done": 0, "failed": 0}

    def status(row):  # click calls it to draw the bar, also before the first application ends
        rate = counts["done"] / max(time.monotonic() - started, 1e-9)
        return f"{rate:,.0f}/s" + (f", {counts['failed']} not scored" if counts["failed"] else "") if row else ""

    def progress(row):
        counts["done"] += 1
        counts["failed"] += row.outcome in (batching.INVALID, batching.FAILED)
        bar.update(1, row)

    with click.progressbar(length=len(applications), label="scoring", show_pos=True, item_show_func=status,
                           file=sys.stderr) as bar:
        rows = batching.run(applications, settings, jobs or batching.default_jobs(), progress=progress)
    write_atomically(out / "summary.csv", batching.summary_csv(rows))
    write_atomically(out / "index.html", batching.index_html(rows, rules, lang, settings.date, settings.formats))
    batching.write_settings(out, rules, settings)
    counts = batching.tally(rows)
    skipped = sum(row.skipped for row in rows)
    outcomes = ", ".join(f"{outcome} {n}" for outcome, n in counts["outcomes"].items())
    click.echo(f"{len(rows)} applications in {time.monotonic() - started:.1f} s: {counts['scored']} scored"
               + (f" ({skipped} already there)" if skipped else "") + f"; {outcomes}; see {out / 'index.html'}")
    outcomes_seen = counts["outcomes"]
    sys.exit(EXIT_INTERNAL if batching.FAILED in outcomes_seen else
             EXIT_INVALID if batching.INVALID in outcomes_seen else EXIT_OK)


@main.command("diff", epilog="""\b
Exit codes:
  0  no application changes result
  1  some application changes outcome, grade, score or item points (or becomes invalid under one version)
  2  invalid input: a ruleset with errors, wrong inputs or --param, or an application neither version
     can score (unreadable, malformed, or invalid under both schemas)
  3  internal fault while evaluating some application (listed), or elsewhere""")
@click.argument("old")
@click.argument("new")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@lang_option
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE|@FILE",
              help="Supply a parameter to both versions (only to the one that declares it), or @FILE of them.")
@click.option("--all", "show_all", is_flag=True, help="Also list the applications whose result does not change.")
@date_option
@max_bytes_option
@click.pass_context
def diff_command(ctx, old, new, inputs, fmt, lang, params, show_all, date, max_bytes):
    """Which applications change result from ruleset OLD to NEW (names or .rules files).

    INPUT is a folder, a glob or a JSON Lines file, as for `batch`. Prints both versions' identity, what
    items were added or removed, counts by kind of change, the grade transitions, then one line per
    application whose outcome, grade, score or item points change (--all: every application).
    """
    from ..tools.batch import collect
    from ..tools.diff import compare_versions, render_csv, render_text
    ctx.meta["lang"] = lang
    before, after = load_ruleset(old), load_ruleset(new)
    try:
        comparison = compare_versions(before, after, collect(inputs), _parse_params(params), _date(date),
                                      max_bytes, lang)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if fmt == "json":
        click.echo(dumps(comparison.to_dict(show_all)), nl=False)
    elif fmt == "csv":
        click.echo(render_csv(comparison), nl=False)
        from ..outputs.report import fill, messages
        words = messages(lang)["diff"]
        for side, names in comparison.params_only.items():   # the table has no header to say it in
            for name in names:
                click.echo(fill(words["param_only"], name=name, side=words[side]), err=True)
    else:
        click.echo(render_text(comparison, lang, show_all), nl=False)
    counts = comparison.counts()
    sys.exit(EXIT_INTERNAL if counts["error"] else EXIT_INVALID if counts["invalid"] else
             EXIT_NOT_GRADED if counts["changed"] else EXIT_OK)


if __name__ == "__main__":
    main()
