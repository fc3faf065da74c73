"""The gap to a grade and a what-if comparison as text for the terminal, in the words of the catalogue."""
from __future__ import annotations


from ..language.format import display_width
from ..catalogue import fill, messages
from ..evaluation.result import ERROR, MISSING, NOT_MET, Result
from .advice import action_effects, condition_view, describe_change, plan_lines
from .numbers import number as format_number
from .report import display_value


def render_comparison(diff: dict, changes: list[str], lang: str = "zh") -> str:
    """The comparison as text: the three headline figures, then only what changed."""
    t = messages(lang)
    words = t["whatif"]

    def pair(values, show=lambda v: "—" if v is None else str(v)):
        old, new = (show(v) for v in values)
        return f"{old} → {new}" if old != new else fill(words["unchanged"], value=new)

    number = lambda v: "—" if v is None else format_number(v, lang)  # noqa: E731
    outcome = lambda o: t["outcome"].get(o, o)  # noqa: E731
    status = lambda s: t["status"].get(s, s)  # noqa: E731
    # "missing (/pointer)" as format_value wrote it, in the words of `lang`
    display = lambda d: display_value({"display": d, "value": None}, t)  # noqa: E731

    def label(grade):
        if grade is None:
            return "—"
        text = grade["label"].get(lang) or grade["label"]["zh"]
        return text + (t["gap"]["provisional"] if grade.get("provisional") else "")

    lines = [f"{words['title']}: " + "  ".join(changes),
             f"  {_padded(words['outcome'], 9)}{pair(diff['outcome'], outcome)}",
             f"  {_padded(words['grade'], 9)}{pair(diff['grade'], label)}",
             f"  {_padded(words['score'], 9)}{pair(diff['score'], number)}"]
    singular = {"requirements": "requirement", "criteria": "criterion", "grades": "grade", "values": "value"}
    for kind in singular:
        for row in diff[kind]:
            parts = []
            if "status" in row:
                parts.append(" → ".join(status(s) for s in row["status"]))
            if "points" in row:
                parts.append(" → ".join(number(p) for p in row["points"]) + " " + t["unit"]["points"])
            if "value" in row:
                parts.append(" → ".join(display(v) for v in row["value"]))
            lines.append(f"  {_padded(words[singular[kind]], 12)}{row['id']}: " + t["punct"]["semicolon"].join(parts))
    if not any(diff[k] for k in singular):
        lines.append("  " + words["nothing_else"])
    return "\n".join(lines) + "\n"


def _padded(text: str, columns: int) -> str:
    """`text` and spaces to fill `columns` terminal columns; a Chinese character takes two."""
    return text + " " * max(columns - display_width(text), 1)


_MARKS = {NOT_MET: "✗", MISSING: "?", ERROR: "!"}


def render_gap(result: Result, gap: dict | None, lang: str = "zh") -> str:
    """The gap as text for the terminal."""
    t = messages(lang)
    words = t["gap"]
    label = lambda g: g["label"].get(lang) or g["label"]["zh"]  # noqa: E731
    grade = result.grade or result.provisional_grade
    line = f"{words['outcome']}: {t['outcome'].get(result.outcome, result.outcome)}" \
        + (f": {label(grade)}" if grade else "")
    if result.provisional_grade:
        line += words["provisional"]
    if result.score is not None:
        line += f"   {words['score']} {format_number(result.score, lang)} / {format_number(result.max_score, lang)}"
    lines = [line]
    if gap is None:
        lines.append(fill(words["top"], grade=label(grade)) if grade else words["no_grades"])
        return "\n".join(lines) + "\n"
    lines.append(f"{words['target']}: {label(gap['target'])} ({gap['target']['id']})")
    if not gap["conditions"]:
        lines.append("  " + fill(words["holds"], grade=label(gap["target"])))
    for condition in gap["conditions"]:
        shown = condition_view(condition, gap, t, lang)
        # what it requires is in its name when it has a label
        facts = [f"{words[k]} {shown[k]}" for k in ("current", "required")
                 if shown[k] is not None and not (k == "required" and shown["code"] and shown["label"])]
        lines.append(f"  {_MARKS.get(condition['status'], ' ')} {shown['name']}"
                     + (f"   [{' · '.join(facts)}]" if facts else "") + (f"   ‹{shown['code']}›" if shown["code"] and shown["label"] else ""))
        if shown["action"]:  # a change the ranked actions below show is not repeated under its condition
            lines.append(f"      {shown['action']}")
    if gap.get("actions"):
        lines.append(words["actions"])
        for number, action in enumerate(gap["actions"], 1):
            changes = t["punct"]["semicolon"].join(describe_change(c, t, lang) for c in action["changes"])
            lines.append(f"  {number}. {changes}")
            lines.append(f"     → {action_effects(action, t, lang)}")
    title, steps = plan_lines(gap, t, lang)
    if title:
        lines.append(title)
        lines.extend(f"  {n}. {step}" for n, step in enumerate(steps, 1))
    return "\n".join(lines) + "\n"
