"""What a batch leaves beside its results: `summary.csv` and `index.html`, grouped by ruleset.

Both list every application, byte-identical for identical inputs. The index is one self-contained page
that reads and prints without scripts: per ruleset, a chart counting grades (or classes, for a ruleset
whose classes are not ranked) and outcomes, each bar in its own colour, and the table of applications
sorted by the key chosen when it was written; a short script, where scripts run, re-sorts it by any
column heading clicked.
"""
from __future__ import annotations

import csv
import io
import operator
import re
from decimal import Decimal

from markupsafe import Markup, escape

from ..evaluation.ruleset import Ruleset
from .batch import EXTENSIONS, FAILED, INVALID, Row

CSV_COLUMNS = ("id", "source", "ruleset", "outcome", "grade", "score", "file", "error")
SORT_KEYS = ("file", "applicant", "outcome", "grade", "score")  # `batch --sort`; `file` is input order

# Outcomes from the best to the worst (the `outcome` sort, and the bars after the grades).
OUTCOMES = ("graded", "classified", "passed", "not_graded", "incomplete", "ineligible", "inconclusive",
            INVALID, FAILED)
# One colour per outcome (badges and bars), each dark enough for white text.
OUTCOME_COLOURS = {"graded": "#1b7f3b", "classified": "#2f5d8a", "passed": "#00796b", "not_graded": "#5f6b73",
                   "incomplete": "#a15c00", "ineligible": "#b3261e", "inconclusive": "#6a4c93",
                   INVALID: "#8e1b5c", FAILED: "#3c434a"}
# Ranked grades go from dark (the highest) to light green; unranked classes take distinct hues.
TOP_GRADE, BOTTOM_GRADE = (0x0b, 0x5d, 0x2a), (0x8c, 0xcf, 0x9b)
CLASS_COLOURS = ("#2f5d8a", "#6a4c93", "#00796b", "#b35c00", "#4f6d7a", "#a23b72", "#5b7a1e", "#8a5a44")


# ---------------------------------------------------------------------------------------- summary.csv

FORMULA = ("=", "+", "-", "@", "\t", "\r")   # a cell starting with one of these a spreadsheet may take for a formula
_CELLS = operator.attrgetter(*CSV_COLUMNS)


def summary_csv(rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(map(_csv_row, grouped(rows)))
    # UTF-8 with a byte-order mark: Excel on Chinese Windows otherwise reads it as GBK and garbles every name.
    return buffer.getvalue().encode("utf-8-sig")


def _csv_row(row: Row) -> tuple:
    """A row's cells as csv writes them (None empty): each one through `csv_cell` only where one needs it."""
    cells = _CELLS(row)
    for cell in cells:
        if cell and cell.startswith(FORMULA):
            return tuple(map(csv_cell, cells))
    return cells


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ would make it a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def grouped(rows: list[Row]) -> list[Row]:
    """Rows by ruleset id, those whose ruleset is not known last; in input order within each."""
    return sorted(rows, key=lambda row: (row.ruleset is None, row.ruleset or ""))


def tally(rows: list[Row]) -> dict:
    outcomes: dict[str, int] = {}
    grades: dict[str, int] = {}
    for row in rows:
        outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
        if row.grade:
            grades[row.grade] = grades.get(row.grade, 0) + 1
    scored = sum(n for o, n in outcomes.items() if o not in (INVALID, FAILED))
    return {"outcomes": dict(sorted(outcomes.items())), "grades": grades, "scored": scored}


# ---------------------------------------------------------------------------------------- index.html

def index_html(rows: list[Row], rulesets: list[Ruleset], lang: str, date: str | None, formats: tuple[str, ...],
               sort: str = "file") -> bytes:
    """The index page; `rulesets` are those the rows were scored against (the one given, or those named)."""
    from ..catalogue import messages
    t = messages(lang)
    template = index_template()
    cell = _cell(template.environment.finalize)
    extensions = [EXTENSIONS[f] for f in formats]
    by_id = {r.id: r for r in rulesets}
    groups = [_group(by_id[ruleset_id], members, lang, t, sort, cell, extensions)
              for ruleset_id, members in _split(rows) if ruleset_id is not None]
    unknown = [row for row in rows if row.ruleset is None]
    if unknown:
        groups.append(_group(None, unknown, lang, t, sort, cell, extensions))
    counts = tally(rows)
    single = groups[0]["ruleset"] if len(groups) == 1 and groups[0]["ruleset"] else None
    return template.render(
        lang=lang, title=single.text("title", lang) if single else t["batch"]["mixed_title"], single=single,
        date=date, t=t, total=len(rows), scored=counts["scored"], failed=len(rows) - counts["scored"],
        groups=groups, sort=sort,
    ).encode("utf-8")


def index_template():
    """The index's template, made once (`batch` has it made while its workers score, not after the last result)."""
    from ..outputs.report import shipped_template
    return shipped_template("batch-index.html.j2", "html")


def _split(rows: list[Row]) -> list[tuple[str | None, list[Row]]]:
    split: dict[str | None, list[Row]] = {}
    for row in rows:
        split.setdefault(row.ruleset, []).append(row)
    return sorted(split.items(), key=lambda item: (item[0] is None, item[0] or ""))


def _group(ruleset: Ruleset | None, rows: list[Row], lang: str, t: dict, sort: str, cell,
           extensions: list[str]) -> dict:
    """One ruleset's part of the index: its chart and the rows of its table, sorted, each knowing its place by
    every key."""
    words = {**t["outcome"], FAILED: t["batch"]["failed"]}  # a fault is the batch's own outcome, not a result's
    grades = ruleset.model.grades.grades if ruleset is not None and ruleset.model.grades else []
    classes = ruleset is not None and ruleset.classifies
    labels = {g.id: (g.label.en or g.label.zh) if lang == "en" else g.label.zh for g in grades}
    colours = grade_colours([g.id for g in grades], classes)
    counts = tally(rows)
    bars = [(labels[g.id], counts["grades"].get(g.id, 0), colours[g.id]) for g in grades]
    bars += [(words[o], counts["outcomes"][o], OUTCOME_COLOURS[o]) for o in OUTCOMES
             if counts["outcomes"].get(o) and not (grades and o in ("graded", "classified"))]
    places = _places(rows, [g.id for g in grades])
    order = [0] * len(rows)
    for i, place in enumerate(places[sort]):
        order[place] = i
    heading = "classes" if classes else "distribution" if grades else "outcomes"
    return {"ruleset": ruleset, "chart": bar_chart(bars) if ruleset is not None else None,
            "rows": _table(rows, order, places, words, labels, colours, cell, extensions),
            "heading": t["batch"][heading], "total": len(rows), "scored": counts["scored"],
            "failed": len(rows) - counts["scored"]}


# A text with none of these is written as it is by `{{ text }}` in an html template: neither escaped (& < > " ')
# nor cut (the control characters report._html_finalize removes). Tested against the template's own writing.
_CHANGED = re.compile(r"[&<>\"'\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _cell(finalize):
    """What `{{ value }}` writes in an html template: the environment's finalize, then escaped. Most texts of a
    row (ids, file names, scores) have nothing to change: told by one search, for 40,000 cells of 10,000 rows."""
    def cell(value) -> str:
        if type(value) is str and _CHANGED.search(value) is None:
            return value
        return escape(finalize(value))
    return cell


def _table(rows: list[Row], order: list[int], places: dict[str, list[int]], words: dict, labels: dict,
           colours: dict, cell, extensions: list[str]) -> list[Markup]:
    """The rows of a group's table, in the `order` given (indexes into `rows`), as the template would write them.
    Written here: for 10,000 applications the template's loop took most of the batch's time after its last result.
    (Joined into one Markup they would be copied whole twice more, by Markup and by the template's escape.)"""
    outcomes, grades = {}, {}   # the few different outcome and grade cells, each made once
    extensions = [cell(ext) for ext in extensions]
    # each row's place by every key, for the script: whole numbers only, written as they are
    keys = "".join(f' data-{key}="{{}}"' for key in SORT_KEYS).format
    places = [keys(*place) for place in zip(*(places[key] for key in SORT_KEYS))]
    written = []
    for i in order:
        row = rows[i]
        outcome = outcomes.get(row.outcome)
        if outcome is None:
            label = words.get(row.outcome, row.outcome)
            colour = OUTCOME_COLOURS.get(row.outcome, OUTCOME_COLOURS[FAILED])
            outcome = outcomes[row.outcome] = (cell(row.outcome), f'<span style="background: {cell(colour)}">'
                                               f'{cell(label)}</span>')
        grade = grades.get(row.grade)
        if grade is None:
            label, colour = labels.get(row.grade, row.grade), colours.get(row.grade)
            swatch = f'<span class="swatch" style="background: {cell(colour)}"></span>' if colour else ""
            grade = grades[row.grade] = f"{swatch}{cell(label)}" if label else ""
        identifier = cell(row.id)
        links = "".join([f'<a href="{identifier}.{ext}">{ext}</a> ' for ext in extensions]) if row.file else ""
        written.append(Markup(
            f'<tr class="{outcome[0]}"{places[i]}>\n  <td>{identifier}</td>\n'
            f'  <td>{cell(row.applicant) if row.applicant else ""}</td>\n  <td>{cell(row.source)}</td>\n'
            f'  <td class="outcome">{outcome[1]}</td>\n  <td class="grade">{grade}</td>\n'
            f'  <td class="score">{cell(row.score) if row.score else ""}</td>\n  <td>{links}</td>\n'
            f'  <td class="error">{cell(row.error) if row.error else ""}</td>\n</tr>'))
    return written


def _places(rows: list[Row], grades: list[str]) -> dict[str, list[int]]:
    """For each sort key, each row's position in that order (the script sorts by these, as Python did).

    Each order is one sort by a whole number a row (ties keep input order: the sort is stable) rather than by
    tuples holding Decimals, whose comparisons took most of the index's time for 10,000 rows."""
    count = len(rows)
    grade_rank = {g: i for i, g in enumerate(grades)}
    outcome_rank = {o: i for i, o in enumerate(OUTCOMES)}
    # highest score first, no score last: each row's score as its rank among the scores there are
    texts = [row.score for row in rows]
    keys = {text: (text is None, -Decimal(text) if text else 0) for text in set(texts)}
    ranks = {key: i for i, key in enumerate(sorted(set(keys.values())))}
    score = [ranks[keys[text]] for text in texts]
    outcome = [outcome_rank.get(row.outcome, len(OUTCOMES)) for row in rows]
    grade = [grade_rank.get(row.grade, len(grades)) for row in rows]
    scores, outcomes, grades_there = len(ranks), len(OUTCOMES) + 1, len(grades) + 1   # each rank's bound
    orders = {
        "applicant": [(row.applicant is None, row.applicant or "") for row in rows],
        "outcome": [(o * grades_there + g) * scores + s for o, g, s in zip(outcome, grade, score)],
        "grade": [(g * outcomes + o) * scores + s for o, g, s in zip(outcome, grade, score)],
        "score": score,
    }
    places = {"file": list(range(count))}   # input order
    for key, order in orders.items():
        place = [0] * count
        for position, i in enumerate(sorted(range(count), key=order.__getitem__)):
            place[i] = position
        places[key] = place
    return places


def grade_colours(grades: list[str], classes: bool) -> dict[str, str]:
    """A colour per grade: ranked ones from dark (the highest) to light green, classes in distinct hues."""
    if classes:
        return {g: CLASS_COLOURS[i % len(CLASS_COLOURS)] for i, g in enumerate(grades)}
    steps = max(len(grades) - 1, 1)
    return {g: "#" + "".join(f"{(a * (steps - i) + b * i + steps // 2) // steps:02x}"
                             for a, b in zip(TOP_GRADE, BOTTOM_GRADE)) for i, g in enumerate(grades)}


BAR_WIDTH, BAR_HEIGHT = 360, 22
LABEL_WIDTH = (80, 360)  # the labels' column, in pixels: wide enough for the longest label, within these


def bar_chart(bars: list[tuple[str, int, str]]) -> dict:
    """Horizontal bars (label, count, colour), in whole pixels computed here so the template only places them."""
    longest = max((n for _, n, _ in bars), default=0) or 1
    label_width = min(max(max((_text_width(label) for label, _, _ in bars), default=0) + 12, LABEL_WIDTH[0]),
                      LABEL_WIDTH[1])
    return {"width": label_width + BAR_WIDTH + 60, "height": BAR_HEIGHT * len(bars) + 8, "label_width": label_width,
            "bars": [{"label": label, "count": n, "colour": colour, "y": 4 + i * BAR_HEIGHT, "height": BAR_HEIGHT - 6,
                      "width": (n * BAR_WIDTH + longest // 2) // longest}
                     for i, (label, n, colour) in enumerate(bars)]}


def _text_width(text: str) -> int:
    """About how wide `text` draws at the chart's 12px: wide (CJK) characters 12px, others 7px."""
    import unicodedata
    return sum(12 if unicodedata.east_asian_width(c) in "WF" else 7 for c in text)
