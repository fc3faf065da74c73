"""Report phase: views of a Result, rendered with jinja2 from `templates/`.

Formats: `text` for the terminal, `md`, `html` (one self-contained file, printable on A4), `json` (the
result itself) and `pdf` (the HTML through `checker.pdf`, with the JSON result attached). Every word that
does not come from the result is taken from `templates/messages.yaml`, in one language per report.

Nothing here recomputes the evaluation: `build_view` only selects, translates and formats what the result
holds. Evidence strings stay data: HTML is autoescaped, Markdown is escaped by the environment's `finalize`,
and certification bodies' own templates (`template_dir`) run in jinja2's sandbox.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import FORMATS, summary
from .advice import action_effects, condition_view, describe_change, plan_lines
from .numbers import number, quantity, unit_text
from ..catalogue import LANGS, catalogue, fill
from ..errors import ReportError
from ..resources import resource_dir
from .sandbox import BoundedSandbox, FolderLoader
from ..evaluation.result import OUTSIDE_DISPLAY, Result, dumps
from ..language.highlight import rule_code_html

TEMPLATES = {"text": "report.txt.j2", "md": "report.md.j2", "html": "report.html.j2"}

_HTML_LANG = {"zh": "zh-CN", "en": "en"}
_MARK = {"pass": "✓", "met": "✓", "partly_met": "◐", "not_met": "✗", "fail": "✗", "missing": "?",
         "error": "!", "waived": "~", "not_applicable": "-", "ok": "="}
_DECIDED = ("pass", "fail", "met", "partly_met", "not_met")


def render(result: Result | dict, fmt: str = "text", lang: str = "zh",
           template_dir: str | Path | None = None) -> str | bytes:
    """The report of `result` in format `fmt` (one of FORMATS) and language `lang`; bytes for pdf."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}: expected one of {', '.join(LANGS)}")
    data = result.to_dict() if isinstance(result, Result) else result
    if fmt == "json":
        return dumps(data)
    if fmt == "pdf":
        from ..outputs.pdf import html_to_pdf
        # The PDF takes its title and date from the HTML's <title> and <meta name="dcterms.created">.
        html = render(data, "html", lang, template_dir)
        return html_to_pdf(html, attachments={"result.json": dumps(data).encode("utf-8")})
    folder = _folder(template_dir)
    t = catalogue(folder)[lang]
    data = neutralised(data)
    context = {"view": build_view(data, lang, t, rich=fmt == "html"), "t": t, "result": data, "lang": lang}
    environment = _environment(folder, fmt)
    if folder is None:  # the shipped templates: a failure there is a fault of carbon-check
        return environment.get_template(TEMPLATES[fmt]).render(context)
    try:
        return environment.render(environment.get_template(TEMPLATES[fmt]), context)
    except jinja2.TemplateNotFound as error:
        raise ReportError("not_found", name=error.name, folder=folder) from None
    except jinja2.TemplateSyntaxError as error:
        raise ReportError("syntax", file=error.filename or error.name, line=error.lineno, detail=error.message) \
            from None
    except jinja2.TemplateError as error:  # undefined names, sandbox refusals
        raise ReportError("failed", name=TEMPLATES[fmt], folder=folder, detail=error) from None


def _folder(template_dir: str | Path | None) -> str | None:
    return None if template_dir is None else str(Path(template_dir).resolve())


# ---------------------------------------------------------------------------
# environments, built once per process

@functools.lru_cache(maxsize=None)
def _environment(folder: str | None, fmt: str) -> jinja2.Environment:
    shipped = jinja2.FileSystemLoader(resource_dir("templates"))
    loader = shipped if folder is None else jinja2.ChoiceLoader([FolderLoader(folder), shipped])
    # select_autoescape(["html"]) would not match "report.html.j2": say it outright.
    options = dict(loader=loader, undefined=jinja2.StrictUndefined, autoescape=fmt == "html",
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                   finalize={"md": _md_finalize, "text": _text_finalize, "html": _html_finalize}[fmt])
    environment = (jinja2.Environment if folder is None else BoundedSandbox)(**options)
    environment.filters.update(fill=fill, md_code=md_code, css_string=css_string, rule_code=rule_code)
    return environment


def shipped_template(name: str, fmt: str) -> jinja2.Template:
    """A template of the shipped folder, in the environment of its format (autoescaped for html)."""
    return _environment(None, fmt).get_template(name)


# ---------------------------------------------------------------------------
# filters and escaping

class _MarkdownSafe(str):
    """Markdown already built by `md_code`: finalize lets it through."""


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
# What starts a block when it opens a line: quote, heading, list item, setext underline or thematic break.
_MD_BLOCK_START = re.compile(r"^(\s*)(>|#{1,6}(?=\s|$)|[-+](?=\s|$)|\d{1,9}[.)](?=\s|$)|[=-]+\s*$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
# Anything md_escape would change; most labels have none, and reports render in batches of thousands.
_MD_TRIGGER = re.compile(r"[\\`*_\[\]<>&|~\x00-\x1f\x7f-\x9f]|^\s*(?:[#>+=-]|\d)")


def md_escape(text: str) -> str:
    """Text that Markdown shows as written: no emphasis, links, HTML tags, table cells or block markers."""
    if not _MD_TRIGGER.search(text):
        return text
    text = _CONTROL.sub("", _NEWLINES.sub(" ", text))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(_unblock, text, count=1)


def _unblock(match: re.Match) -> str:
    marker = match.group(2)
    if marker[0].isdigit():  # "12." : a backslash escapes punctuation only, so it goes before the dot
        return match.group(1) + marker[:-1] + "\\" + marker[-1]
    return match.group(1) + "\\" + marker


def rule_code(value) -> Markup:
    """Rule code (a condition, a formula) as escaped, highlighted HTML for `<code>`: `{{ x|rule_code }}`.

    It may wrap at a space or after the dot of a path, never inside a name: a <wbr> after each dot of
    the text (not of the markup).
    """
    return Markup(_DOT_IN_TEXT.sub(".<wbr>", rule_code_html(str(value))))


_DOT_IN_TEXT = re.compile(r"\.(?![^<>]*>)")


def md_code(value) -> _MarkdownSafe:
    """A Markdown code span holding `value` as written; for table cells (a pipe is escaped as GFM asks)."""
    text = _CONTROL.sub("", _NEWLINES.sub(" ", str(value))).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return _MarkdownSafe(f"{fence}{padding}{text}{padding}{fence}")


# Characters that can forge what a reader sees: line and paragraph breaks, tabs and other C0/C1 controls,
# bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) and invisible
# zero-width characters. In evidence strings each is shown as its code point, in every format.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def neutralise_text(text: str) -> str:
    """`text` with every forging character written as `[U+XXXX]`: "ACME[U+202E]FDP.exe"."""
    return _UNSAFE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text) if _UNSAFE.search(text) else text


def neutralised(value):
    """A copy of result data with neutralise_text applied to every string (keys are the result's own)."""
    if isinstance(value, str):
        return neutralise_text(value)
    if isinstance(value, dict):
        return {key: neutralised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [neutralised(item) for item in value]
    return value


def _md_finalize(value):
    if value is None:
        return ""
    if isinstance(value, _MarkdownSafe):
        return value
    return md_escape(value) if isinstance(value, str) else value


def _text_finalize(value):
    # Terminal control sequences in evidence strings must not reach the terminal.
    if value is None:
        return ""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def _html_finalize(value):
    # Control characters are not allowed in HTML, and in a PDF they would be missing glyphs.
    if value is None:
        return ""
    if isinstance(value, Markup):  # a macro's output, built from values already finalized
        return value
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def css_string(text: str) -> Markup:
    """A CSS string literal for a <style> element, where HTML entities are not decoded."""
    escaped = "".join(c if c.isalnum() or c in " .,:;!?()/-" or ord(c) > 0x7f else f"\\{ord(c):x} "
                      for c in text)
    return Markup(f'"{escaped}"')


# ---------------------------------------------------------------------------
# the view: what every template shows, in one language

def build_view(data: dict, lang: str, t: dict, rich: bool = False) -> dict:
    """What a report shows, selected from the result and worded in `lang` with the catalogue `t`.

    `rich`: units written with subscripts (tCO₂e), for HTML and PDF.
    """
    label = functools.partial(_label, lang=lang)
    shown = _Shown(lang, t, rich)
    ruleset = data["ruleset"]
    outcome = "inconclusive" if data.get("inconclusive") else data["outcome"]
    grade = data.get("grade") or data.get("provisional_grade")
    show_score = outcome != "inconclusive" and data.get("score") is not None and data.get("max_score") is not None
    sections = [_section(s, shown) for s in data["sections"]]
    requirements = [_item(r, shown) for r in data["requirements"]]
    applicant = data.get("applicant") or {}
    title = f"{label(ruleset.get('title')) or ruleset['id']} · {t['report']['title']}"
    status = label(ruleset.get("status"))
    hypothetical = data.get("hypothetical")
    changes = [{"pointer": c["pointer"], "from": shown.json(c.get("from")), "to": shown.json(c.get("to"))}
               for c in (hypothetical or {}).get("changes", [])]
    stake, units = summary.points_at_stake(data), summary.missing_units(data)
    missing = [{"pointer": m["pointer"], "description": label(m.get("description")),
                "unit": unit_text(units.get(m["pointer"]), lang, rich) or None,
                "points": shown.number(stake[m["pointer"]]) if stake.get(m["pointer"]) else None,
                "needed_by": list(m.get("needed_by") or [])} for m in data["missing"]]
    next_grade = _next_grade(data, shown)
    return {
        "lang": lang,
        "html_lang": _HTML_LANG[lang],
        "title": title,
        "date": data.get("date"),
        "w3c_date": data["date"] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", data.get("date") or "") else None,
        "tool": data["tool"],
        "hypothetical": {"changes": changes} if hypothetical is not None else None,
        "status": {"text": status, "notice": fill(t["notice"]["status"], status=status)}
        if status and not ruleset.get("final", True) else None,
        "watermark": t["notice"]["hypothetical_mark"] if hypothetical is not None else (
            t["notice"]["status_mark"] if status and not ruleset.get("final", True) else None),
        "applicant": {
            "name": applicant.get("name"),
            "site": applicant.get("site"),
            "credit_code": applicant.get("credit_code"),
            "period": _period(applicant.get("period")),
        },
        "scheme": {
            "id": ruleset["id"],
            "title": label(ruleset.get("title")),
            "standard": ruleset.get("standard"),
            "version": ruleset.get("version"),
            "issuer": label(ruleset.get("issuer")),
            "effective": ruleset.get("effective"),
        },
        "variant": label(data["variant"]["label"]) or data["variant"]["id"] if data.get("variant") else None,
        "outcome": {"key": outcome, "label": t["outcome"][outcome]},
        "grade": label(grade["label"]) or grade["id"] if grade else None,
        "provisional": bool(data.get("provisional_grade")) or (outcome == "incomplete" and show_score),
        "score": fill(t["unit"]["of"], points=shown.number(data["score"]), max=shown.number(data["max_score"]))
        if show_score else None,
        "inconclusive": outcome == "inconclusive",
        "counts": summary.counts([*data["requirements"], *(c for s in data["sections"] for c in s["criteria"])], t),
        "reasons": {
            "failed": [r for r in requirements if r["status"] == "fail"],
            "missing": missing if outcome == "incomplete" else [],
            # the best three of the ranked actions, each with its effects; else the conditions' own advice
            "actions": (next_grade["actions"][:3] or [{"action": c["action"], "effects": None}
                                                      for c in next_grade["conditions"] if c.get("action")][:3])
            if outcome in ("graded", "not_graded") else [],
            "plan": next_grade["plan"] if outcome in ("graded", "not_graded") else None,
        },
        "bands": summary.bands(data, label, shown.number),
        "key_values": [_value(v, shown) for v in summary.key_values(data)],
        "requirements": requirements,
        "sections": sections,
        "section_chart": _section_chart(sections) if sections and outcome != "inconclusive" else None,
        "emissions_chart": summary.bridge(data["values"], label, lambda v: shown.value(v),
                                          lambda amount: shown.quantity(amount, "tCO2e"), t["chart"]),
        "computed": [_value(v, shown) for v in data["values"]],
        "missing": missing,
        "errors": [{"item": e.get("item"), "message": e.get("message")} for e in data["errors"]],
        "next": next_grade,
        "provenance": {
            "ruleset_id": ruleset["id"],
            "ruleset_version": ruleset.get("version"),
            "ruleset_sha256": ruleset.get("sha256"),
            "standard": ruleset.get("standard"),
            "evidence_sha256": (data.get("evidence") or {}).get("sha256"),
            "tool": f"{data['tool']['name']} {data['tool']['version']}",
            "result_schema": f"{data['$schema']} ({data['result_version']})",
            "basis": label(ruleset.get("basis")),
            "status": status or None,
            "reproduce": fill(t["note"]["reproduce"], date=data.get("date") or "—"),
            "parameters": [_parameter(name, p, shown) for name, p in (data.get("parameters") or {}).items()],
        },
        "page_counter_css": _page_counter(t["note"]["page"]),
        "signoff": _signoff(data.get("signoff"), lang, t),
    }


def _signoff(signoff: dict | None, lang: str, t: dict) -> dict:
    """The sign-off block: without an issuing organisation the report is a self-assessment."""
    signoff = signoff or {}
    organisation = signoff.get("organisation")
    organisation = _label(organisation, lang) if isinstance(organisation, dict) else organisation
    number = signoff.get("report_number")
    return {
        "self_assessment": not organisation,
        "organisation": organisation,
        "report_number": number,
        "issued": fill(t["signoff"]["issued"], organisation=organisation, number=number or "—") if organisation
        else None,
        "people": [{"role": t["signoff"][role], "name": (signoff.get(role) or {}).get("name"),
                    "date": (signoff.get(role) or {}).get("date")} for role in ("assessor", "reviewer")],
    }


def _parameter(name: str, recorded: dict, shown: "_Shown") -> dict:
    """A recorded parameter: its value as read, and where it came from."""
    t, value = shown.t, recorded.get("value")
    display = t["parameters"]["no_value"] if value is None else shown.plain(value, recorded.get("unit"))
    source = recorded.get("source")
    return {"name": name, "display": display, "source": t["parameters"].get(source, source),
            "file_sha256": recorded.get("file_sha256")}


def _label(value: dict | None, lang: str) -> str:
    if not value:
        return ""
    if isinstance(value, str):  # a result written before cites had two languages
        return value
    return value.get(lang) or value.get("zh") or ""


class _Shown:
    """Values as one report shows them: numbers through checker.outputs.numbers, words from the catalogue."""

    def __init__(self, lang: str, t: dict, rich: bool):
        self.lang, self.t, self.rich = lang, t, rich
        self.label = functools.partial(_label, lang=lang)

    def number(self, value) -> str:
        return number(_decimal(value), self.lang)

    def quantity(self, value, unit: str | None, bounds=()) -> str:
        return quantity(_decimal(value), unit, self.lang, rich=self.rich, bounds=bounds)

    def plain(self, value, unit: str | None = None, bounds=()) -> str:
        """A value the evidence or the ruleset gave: number, yes/no, a listed word, a date or a text."""
        if isinstance(value, bool):
            return self.t["value"]["yes" if value else "no"]
        if isinstance(value, (Decimal, int, float)):
            return self.quantity(value, unit, bounds)
        if isinstance(value, str):
            return self.t["enum"].get(value, value) if value in self.t["enum"] else value
        if isinstance(value, list):
            return self.t["punct"]["comma"].join(self.plain(v) for v in value)
        return "—" if value is None else str(value)

    def json(self, value) -> str:
        """A value of a what-if change; "—" for none (deleted or absent)."""
        return "—" if value is None else self.plain(value)

    def value(self, recorded: dict, bounds=()) -> str:
        """An input or computed value: formatted from its value and unit; unknowns in the report's words."""
        if recorded.get("value") is None:
            return display_value(recorded, self.t)
        return self.plain(recorded["value"], recorded.get("unit"), bounds)


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


_LITERAL = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def _literals(condition: str | None) -> list[Decimal]:
    """The numbers written in a condition: a failed comparison's value is never rounded onto them."""
    return [Decimal(n) for n in _LITERAL.findall(condition or "")]


def _is_number(value) -> bool:
    return isinstance(value, (Decimal, int, float)) and not isinstance(value, bool)


def _period(period: dict | None) -> str | None:
    if not period:
        return None
    span = " – ".join(p for p in (period.get("start"), period.get("end")) if p)
    year = period.get("year")
    if span and year:
        return f"{span} ({year})"
    return span or year


def _item(item: dict, shown: _Shown) -> dict:
    """A requirement, criterion or grade condition: its status, and how it came out with the values used."""
    t = shown.t
    tier = item.get("tier")
    condition = item.get("condition") or (tier or {}).get("condition")
    decided_against = item["status"] in ("fail", "not_met", "partly_met")
    # What the values were compared with: the numbers written in the condition and the other values it read
    # (a parameter, a table's limit). A value that failed is never rounded onto one of them.
    read = [_decimal(i["value"]) for i in item.get("inputs", []) if _is_number(i.get("value"))]
    bounds = [*_literals(condition), *read] if decided_against else ()
    return {
        "id": item["id"],
        "label": shown.label(item.get("label")),
        "cite": shown.label(item.get("cite")) or None,
        "status": item["status"],
        "status_label": t["status"].get(item["status"], item["status"]),
        "mark": _MARK.get(item["status"], " "),
        "condition": condition,
        "how": _how(item, shown),
        # "holds: <condition>" reads as one sentence; a missing or waived item names its condition apart
        "joined": item["status"] in _DECIDED,
        "inputs": [{"name": i["name"], "display": shown.value(i, bounds)} for i in item.get("inputs", [])],
        "points": None if item.get("points") is None else shown.number(item["points"]),
        "max": None if item.get("max") is None else shown.number(item["max"]),
    }


def _how(item: dict, shown: _Shown) -> str:
    how, status, t = shown.t["how"], item["status"], shown.t
    if status == "waived":
        return fill(how["waived"], reason=item.get("waiver") or "")
    if status == "not_applicable":
        return how["not_applicable"]
    if status == "missing":
        return fill(how["missing"], pointers=t["punct"]["comma"].join(item.get("missing", [])))
    if status == "error":
        return fill(how["error"], reason=item.get("failure") or "")
    method = item.get("method")
    if method == "tiers":
        tier = item.get("tier")
        if not tier:
            return how["no_tier"]
        if not tier.get("condition"):
            return how["tier_otherwise"]
        return fill(how["tier"], number=tier["number"], of=tier["of"])
    if method == "scale":
        return fill(how["scale"], low=item["scale"]["from"], high=item["scale"]["to"])
    if method == "assessed":
        return how["assessed"]
    if method == "points":
        return how["computed_points"]
    return how["holds"] if status in ("pass", "met") else how["does_not_hold"]


def display_value(recorded: dict, t: dict) -> str:
    """A value as the result displays it; the words for unknown values in the report's language."""
    display = recorded.get("display") or ""
    if recorded.get("value") is None:
        if display == OUTSIDE_DISPLAY:
            return t["display"]["outside"]
        # format_value wrote "missing (<pointers>)" or "error (<reason>)"
        for kind in ("missing", "error"):
            if display.startswith(kind + " (") and display.endswith(")"):
                inner = display[len(kind) + 2:-1]
                pointers = t["punct"]["comma"].join(inner.split(", "))
                return fill(t["display"][kind], pointers=pointers, reason=inner)
    return display


def _section(section: dict, shown: _Shown) -> dict:
    return {
        "id": section["id"],
        "label": shown.label(section.get("label")),
        "cite": shown.label(section.get("cite")) or None,
        "points": shown.number(section["points"]),
        "max": shown.number(section["max"]),
        "points_exact": _decimal(section["points"]),
        "max_exact": _decimal(section["max"]),
        "criteria": [_item(c, shown) for c in section["criteria"]],
    }


def _value(value: dict, shown: _Shown) -> dict:
    return {
        "id": value["id"],
        "label": shown.label(value.get("label")),
        "status": value["status"],
        "status_label": shown.t["status"].get(value["status"], value["status"]),
        # Not applicable: what it lacks is asked of nobody, so the report does not show it as missing;
        # outside its `when` (the accounting boundary) it says so.
        "display": shown.t["status"]["not_applicable"] if value["status"] == "not_applicable"
        and value.get("display") != OUTSIDE_DISPLAY else shown.value(value),
        "formula": value.get("formula"),
        "cite": shown.label(value.get("cite")) or None,
    }


def _section_chart(sections: list[dict]) -> dict:
    """Points of each section against its maximum; bars share one scale, the largest maximum."""
    largest = max((s["max_exact"] for s in sections), default=Decimal(0))
    rows = [{"id": s["id"], "label": s["label"], "points": s["points"], "max": s["max"],
             "earned": summary.bar(s["points_exact"], largest), "maximum": summary.bar(s["max_exact"], largest)}
            for s in sections]
    return {"rows": rows, **_chart_frame(len(rows))}


def _chart_frame(rows: int) -> dict:
    """SVG geometry shared by the charts: each row is a label line above its bar."""
    return {"width": 640, "row_height": 34, "bar_width": int(summary.BAR), "height": rows * 34 + 4}


def _next_grade(data: dict, shown: _Shown) -> dict:
    """What the next grade needs: the gap analysis when the result has one, else the grade's unmet clauses."""
    t, lang = shown.t, shown.lang
    grades = data["grades"]
    if not grades:
        return _next("no_grades", note=t["next"]["no_grades"])
    if data["ruleset"].get("classifies"):
        return _next("classifies", note=t["next"]["classifies"])
    if data.get("inconclusive"):  # any current value would be a score the report must not show
        return _next("inconclusive", note=t["next"]["inconclusive"])
    gap = data.get("gap")
    if gap is not None:
        target = gap.get("target")
        if target is None:
            return _next("top", note=t["next"]["top"])
        conditions = []
        for c in gap.get("conditions") or []:
            view = condition_view(c, gap, t, lang, shown.rich)
            conditions.append({"condition": view["code"], "label": view["label"], "status": c.get("status"),
                               "status_label": t["status"].get(c.get("status"), c.get("status")),
                               "current": view["current"], "required": view["required"], "action": view["action"]})
        actions = [{"action": t["punct"]["semicolon"].join(describe_change(c, t, lang, shown.rich) for c in a["changes"]),
                    "effects": action_effects(a, t, lang, shown.rich)} for a in gap.get("actions") or []]
        title, steps = plan_lines(gap, t, lang, shown.rich)
        return _next("gap", t, target=_label(target.get("label"), lang) or target.get("id"), conditions=conditions,
                     actions=actions, plan={"title": title, "steps": steps} if title else None)
    reached = (data.get("grade") or data.get("provisional_grade") or {}).get("id")
    position = next((i for i, g in enumerate(grades) if g["id"] == reached), len(grades))
    if position == 0:
        return _next("top", note=t["next"]["top"])
    target = grades[position - 1]
    conditions = []
    for condition in target["conditions"]:
        if condition["status"] == "met":
            continue
        item = _item(condition, shown)
        conditions.append({
            "condition": item["condition"],
            "label": None,  # the grade's clauses have no labels of their own: their code is shown
            "status": item["status"],
            "status_label": item["status_label"],
            "current": t["punct"]["semicolon"].join(f"{i['name']} = {i['display']}" for i in item["inputs"]) or None,
            "required": None,  # the condition says what is required
            "action": None,
        })
    failed = [r["id"] for r in data["requirements"] if r["status"] == "fail"]
    prerequisites = fill(t["next"]["requirements_first"], ids=t["punct"]["comma"].join(failed)) if failed else None
    return _next("fallback", t, target=_label(target["label"], lang) or target["id"], conditions=conditions,
                 prerequisites=prerequisites)


def _next(kind: str, t: dict | None = None, *, target: str | None = None, conditions: list | None = None,
          prerequisites: str | None = None, note: str | None = None, actions: list | None = None,
          plan: dict | None = None) -> dict:
    """The next-grade section; `columns` says which of current/required/action any condition has.

    `actions`: the gap's ranked actions in words, each with its effects; `plan`: the combined plan's heading
    and steps (or the sentence saying none was found).
    """
    conditions = conditions or []
    if target is not None and not conditions:
        note = t["next"]["all_met"]
    return {"kind": kind, "target": fill(t["next"]["target"], grade=target) if target is not None else None,
            "conditions": conditions, "prerequisites": prerequisites, "note": note, "actions": actions or [],
            "plan": plan,
            "columns": {key: any(c.get(key) for c in conditions) for key in ("current", "required", "action")}}


def _page_counter(pattern: str) -> Markup:
    """The catalogue's page footer as a CSS `content` value with page counters."""
    parts = re.split(r"\{(page|pages)\}", pattern)
    tokens = [f"counter({p})" if i % 2 else css_string(p) for i, p in enumerate(parts) if p]
    return Markup(" ".join(tokens))
