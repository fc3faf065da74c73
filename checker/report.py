"""Report phase: a Result rendered as text for the terminal, or JSON."""
from __future__ import annotations

from .result import Result, format_number

FORMATS = ("text", "json")

_STATUS_MARK = {"pass": "✓", "met": "✓", "partly_met": "◐", "not_met": "✗", "fail": "✗", "missing": "?",
                "error": "!", "waived": "~", "not_applicable": "-"}


def render(result: Result, fmt: str = "text", lang: str = "zh") -> str:
    if fmt == "json":
        return result.to_json()
    return _text(result.to_dict(), lang)


def _label(label: dict | None, lang: str) -> str:
    return (label or {}).get(lang) or (label or {}).get("zh") or ""


def _text(data: dict, lang: str) -> str:
    ruleset = data["ruleset"]
    lines = [f"{_label(ruleset['title'], lang)} · {ruleset['standard'] or ruleset['id']} · {ruleset['id']} "
             f"{ruleset['version']}"]
    grade = data["grade"] or data["provisional_grade"]
    outcome = data["outcome"] + (f": {_label(grade['label'], lang)}" if grade else "")
    if data["provisional_grade"]:
        outcome += " (provisional)"
    score = "" if data["score"] is None else f"   score {format_number(data['score'])} / " \
                                             f"{format_number(data['max_score'])}"
    lines.append(f"outcome: {outcome}{score}")
    if data["variant"]:
        lines.append(f"variant: {_label(data['variant']['label'], lang)}")
    if data["requirements"]:
        lines.append("")
        lines.append("requirements")
        for item in data["requirements"]:
            lines.append(f"  {_STATUS_MARK.get(item['status'], ' ')} {item['id']} {_label(item['label'], lang)}"
                         f"  [{item['status']}]" + (f"  ({item['cite']})" if item["cite"] else ""))
            lines.append(f"      {item['explanation']}")
    for section in data["sections"]:
        lines.append("")
        lines.append(f"{section['id']} {_label(section['label'], lang)}  "
                     f"{format_number(section['points'])} / {format_number(section['max'])}")
        for item in section["criteria"]:
            lines.append(f"  {_STATUS_MARK.get(item['status'], ' ')} {item['id']} {_label(item['label'], lang)}  "
                         f"{format_number(item['points'])} / {format_number(item['max'])}"
                         + (f"  ({item['cite']})" if item["cite"] else ""))
            lines.append(f"      {item['explanation']}")
    if data["grades"]:
        lines.append("")
        lines.append("grades")
        for g in data["grades"]:
            lines.append(f"  {_STATUS_MARK.get(g['status'], ' ')} {_label(g['label'], lang)}  [{g['status']}]")
            for c in g["conditions"]:
                lines.append(f"      {_STATUS_MARK.get(c['status'], ' ')} {c['explanation']}")
    if data["missing"]:
        lines.append("")
        lines.append("missing evidence")
        for m in data["missing"]:
            lines.append(f"  {m['pointer']}  needed by {', '.join(m['needed_by'])}")
    if data["errors"]:
        lines.append("")
        lines.append("errors")
        for e in data["errors"]:
            lines.append(f"  {e['item']}: {e['message']}")
    return "\n".join(lines) + "\n"
