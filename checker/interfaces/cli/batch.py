"""`batch`: score many applications into a folder of results."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ...evaluation.ruleset import load_ruleset
from ...outputs.files import write_all
from ...outputs import FORMATS
from ...tools.batch_summary import SORT_KEYS
from ...tools.intake import ruleset_named
from .common import (EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, complete_ruleset, date_option, evaluation_date,
                     lang_option, max_bytes_option, param_option, parse_params)


DRAW_EVERY = 0.1   # seconds between two draws of the progress bar


def _pointer(value: str | None) -> str | None:
    """--id-field checked before any work starts: a JSON pointer, or the option's error."""
    from ...pointer import PointerError, parse_pointer
    try:
        if value is not None:
            parse_pointer(value)
    except PointerError as error:
        raise click.BadParameter(str(error)) from None
    return value


@click.command(epilog="""\b
Resuming and durability: each result is renamed into place whole. Every 250 applications (or once
the last sync has ended, if later) and at the end the batch syncs the disk and records the synced
results in OUT/.batch.journal; after a crash or a kill, what the journal records is kept, and a rerun
scores again everything else (at most the applications since the last sync). See docs/batch-and-gap.md.

\b
Exit codes:
  0  every application was scored, whatever its outcome
  2  invalid input: an application could not be scored (unreadable, malformed or invalid evidence; the
     summary says why), or the inputs, ruleset or options are wrong; or the batch could not go on (a full
     disk, a worker process killed: out of memory, say): the same command run again resumes
  3  internal fault while scoring some application (the summary says which), or a worker process crashed""")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--ruleset", "-r", shell_complete=complete_ruleset,
              help="Ruleset name or .rules file (default: the shipped ruleset each application's \"ruleset\" field "
                   "names, so one folder may mix rulesets).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the results, summary.csv and index.html.")
@click.option("--format", "formats", default="json", show_default=True, metavar="FORMAT[,FORMAT…]",
              help="Reports to write per application: json, html, md, text, pdf (the JSON result is always written).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the cores available).")
@click.option("--sort", type=click.Choice(SORT_KEYS), default="file", show_default=True,
              help="Order of the applications in index.html (a click on a column heading re-sorts where scripts run).")
@click.option("--force", is_flag=True, help="Score again applications whose result is already in --out.")
@click.option("--id-field", metavar="/POINTER", callback=lambda ctx, param, value: _pointer(value),
              help="JSON Lines: the text field naming each application (default: the file name and line number).")
@lang_option
@param_option
@date_option
@max_bytes_option
def batch(inputs, ruleset, out, formats, jobs, sort, force, id_field, lang, params, date, max_bytes):
    """Score many applications: INPUT is a folder, a glob or a JSON Lines file (one application a line)."""
    import time
    from ...catalogue import fill, messages
    from ...tools import batch as batching
    from ...tools import batch_summary
    t = messages(lang)
    words = t["batch"]
    chosen = ["json"] + [f.strip() for f in formats.split(",") if f.strip() and f.strip() != "json"]
    unknown = [f for f in chosen if f not in batching.EXTENSIONS or f not in FORMATS]
    if unknown:
        raise click.BadParameter(fill(words["unknown_format"], format=repr(unknown[0])), param_hint="--format")
    if params and not ruleset:
        raise click.UsageError(words["param_needs_ruleset"])
    rules = load_ruleset(ruleset) if ruleset else None
    try:
        click.get_current_context().with_resource(batching.locked(out))   # held until the command ends
        applications = batching.collect(inputs, out, id_field)
        supplied, origins = parse_params(params)
        if rules:
            rules.parameters(supplied)  # refuse a wrong parameter before any work
    except batching.BatchError:   # said in --lang by the command group
        raise
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    settings = batching.Settings(str(rules.path.resolve()) if rules else None, str(out), tuple(dict.fromkeys(chosen)),
                                 tuple(sorted(supplied.items())), evaluation_date(date), lang, force, max_bytes,
                                 tuple((n, o["source"], o["file_sha256"]) for n, o in sorted(origins.items())))
    if not force and batching.previous_settings_differ(out, settings):
        click.echo(fill(words["settings_changed"], out=out), err=True)
        settings = batching.Settings(**{**vars(settings), "force": True})
    started, counts = time.monotonic(), {"done": 0, "failed": 0, "drawn": 0.0}

    def status(row):  # click calls it to draw the bar, also before the first application ends
        rate = counts["done"] / max(time.monotonic() - started, 1e-9)
        if not row:
            return ""
        shown = fill(words["per_second"], rate=f"{rate:,.0f}")
        return shown + (t["punct"]["comma"] + fill(words["not_scored"], failed=counts["failed"])
                         if counts["failed"] else "")

    def progress(row):
        if not counts["done"]:   # the first result: the workers are busy, the parent is not
            batch_summary.index_template()
        counts["done"] += 1
        counts["failed"] += row.outcome in (batching.INVALID, batching.FAILED)
        now = time.monotonic()
        # Drawn ten times a second and at the last row: on a terminal, 10,000 draws took more of the parent's
        # time than anything else it does while the workers score, and as much again of the terminal's.
        if now - counts["drawn"] >= DRAW_EVERY or counts["done"] == len(applications):
            bar.update(counts["done"] - bar.pos, row)
            counts["drawn"] = now

    made = {}

    def summarise(rows):   # while the last results are synced: written once they are
        used = [rules] if rules else [ruleset_named(i) for i in sorted({row.ruleset for row in rows} - {None})]
        made[out / "summary.csv"] = batch_summary.summary_csv(rows)
        made[out / "index.html"] = batch_summary.index_html(rows, used, lang, settings.date, settings.formats, sort)

    try:
        with click.progressbar(length=len(applications), label=words["progress"], show_pos=True,
                               item_show_func=status, file=sys.stderr) as bar:
            rows = batching.run(applications, settings, jobs or batching.default_jobs(), progress=progress,
                                ruleset=rules, meanwhile=summarise)
    except batching.WorkerEnded as error:   # killed (out of memory…): the environment's doing, unless it crashed
        click.echo(f"carbon-check: {error.message(lang)}", err=True)
        sys.exit(EXIT_INTERNAL if error.crashed else EXIT_INVALID)
    write_all({**made, out / batching.SETTINGS_FILE: batching.settings_file(rules, settings)})
    counts = batch_summary.tally(rows)
    skipped = sum(row.skipped for row in rows)
    outcomes = t["punct"]["comma"].join(f"{t['outcome'].get(outcome) or words['failed']} {n}"
                                        for outcome, n in counts["outcomes"].items())
    click.echo(fill(words["done"], total=len(rows), seconds=f"{time.monotonic() - started:.1f}", scored=counts["scored"],
                    kept=fill(words["kept"], skipped=skipped) if skipped else "", outcomes=outcomes,
                    index=out / "index.html"))
    outcomes_seen = counts["outcomes"]
    sys.exit(EXIT_INTERNAL if batching.FAILED in outcomes_seen else
             EXIT_INVALID if batching.INVALID in outcomes_seen else EXIT_OK)
