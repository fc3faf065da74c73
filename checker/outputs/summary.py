"""Page 1 of a report: what the reader must know before the detail.

The outcome's reasons (failed prerequisites, missing evidence with the points at stake, the first actions
toward the next grade), the score against the grade bands, the regime's key indicators, counts by status
and the emissions bridge. Everything is selected from the result; the only arithmetic is laying out bars
and adding the points of the criteria a missing item holds up.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..language.units import UnitError, convert, parse_unit
from ..evaluation.result import OUTSIDE_DISPLAY
from ..catalogue import fill

_BAND = re.compile(r"^\s*score\s*(>=|>|==)\s*(\d+(?:\.\d+)?)\s*$")
_EMISSIONS = parse_unit("tCO2e")
BAR = Decimal(440)  # px of a full bar in the SVG charts
TEXT_BAR = 20  # characters of a full bar in text and Markdown charts
_STATUS_ORDER = ("fail", "not_met", "error", "missing", "partly_met", "waived", "pass", "met", "not_applicable")


def bar(value: Decimal, scale: Decimal) -> dict:
    """Lengths of one bar, in SVG pixels and in text characters."""
    share = max(value, Decimal(0)) / scale if scale > 0 else Decimal(0)
    share = min(share, Decimal(1))
    return {"px": _px(share * BAR), "chars": int((share * TEXT_BAR).to_integral_value())}


def _px(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.1")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def counts(items: list[dict], t: dict) -> list[dict]:
    """How many items have each status, worst first: the line at the top of the report."""
    found: dict[str, int] = {}
    for item in items:
        found[item["status"]] = found.get(item["status"], 0) + 1
    order = sorted(found, key=lambda s: _STATUS_ORDER.index(s) if s in _STATUS_ORDER else len(_STATUS_ORDER))
    return [{"status": s, "label": t["status"].get(s, s), "count": found[s]} for s in order]


def bands(data: dict, label, number) -> dict | None:
    """The score against the grades' score bands, read from conditions of the form `score >= N`."""
    if data.get("score") is None or not data.get("max_score") or data.get("inconclusive"):
        return None
    top = Decimal(data["max_score"])
    found = []
    for grade in data["grades"]:
        for condition in grade["conditions"]:
            match = _BAND.match(condition.get("condition") or "")
            if match:
                found.append((Decimal(match.group(2)), match.group(1), label(grade["label"]) or grade["id"]))
                break
    if not found:
        return None
    found.sort()
    score = Decimal(data["score"])
    rows, reached = [], (data.get("grade") or data.get("provisional_grade") or {}).get("id")
    for i, (low, op, name) in enumerate(found):
        high = found[i + 1][0] if i + 1 < len(found) else top
        rows.append({"label": name, "op": "≥" if op == ">=" else (">" if op == ">" else "="),
                     "low": number(low), "x": bar(low, top)["px"],
                     "width": _px((high - low) / top * BAR) if top else "0"})
    return {"rows": rows, "score": number(score), "max": number(top), "marker": bar(score, top),
            "reached": reached, "width": 640, "bar_width": int(BAR)}


def key_values(data: dict) -> list[dict]:
    """The computed values the grades (or, without grades, the prerequisites) read: the regime's indicators."""
    read = set()
    for grade in data["grades"]:
        for condition in grade["conditions"]:
            read.update(i["name"] for i in condition.get("inputs", []))
    if not read:
        for item in data["requirements"]:
            read.update(i["name"] for i in item.get("inputs", []))
    return [v for v in data["values"] if v["id"] in read or v["id"] in ("residual", "net")]


def points_at_stake(data: dict) -> dict[str, Decimal]:
    """For each missing pointer, the points of the criteria waiting for it."""
    criteria = {c["id"]: c for s in data["sections"] for c in s["criteria"]}
    stake = {}
    for missing in data["missing"]:
        total = sum((Decimal(criteria[i]["max"]) for i in missing.get("needed_by") or [] if i in criteria),
                    Decimal(0))
        stake[missing["pointer"]] = total
    return stake


def missing_units(data: dict) -> dict[str, str]:
    """The unit each missing pointer is given in: as the result records it (1.5), else as read by the items
    that wait for it (an item may read it through a value in another unit: a share of it)."""
    units = {m["pointer"]: m["unit"] for m in data["missing"] if m.get("unit")}
    version = tuple(int(part) for part in str(data.get("result_version") or "1.5").split(".") if part.isdigit())
    if version >= (1, 5):
        return units
    items = [*data["requirements"], *(c for s in data["sections"] for c in s["criteria"]), *data["values"],
             *(c for g in data["grades"] for c in g["conditions"])]
    for item in items:
        for recorded in item.get("inputs", []):
            if recorded.get("value") is None and recorded.get("unit"):
                for pointer in re.findall(r"/[^\s,()]+", recorded.get("display") or ""):
                    units.setdefault(pointer, recorded["unit"])
    return units


# The steps of an emissions bridge, by the ids the shipped rulesets give them: gross emissions by
# category or scope, what green power and certificates took off the energy-indirect category (2, or
# scope 2) to leave the residual, then what each offsetting step takes away.
_GROSS = ("category", "categories", "scope")
_GREEN, _ENERGY_INDIRECT = "green_electricity_emissions", ("category2", "scope2")
_STEPS = (("credits_retired", "credits"), ("credits", "credits"), ("removals", "removals"))
_LABELS, _BRIDGE = Decimal(250), Decimal(230)  # px: the label column, and the longest bar of the bridge


def bridge(values: list[dict], label, show, show_amount, words: dict) -> dict | None:
    """Gross emissions by category, green electricity, residual, credits and removals, net: in tCO2e.
    `words`: the catalogue's `chart` group in the report's language."""
    by_id = {v["id"]: v for v in values}
    rows: list[dict] = []
    total = Decimal(0)

    def amount(value):
        if value is None or value.get("value") is None or not value.get("unit"):
            return None
        try:
            unit = parse_unit(value["unit"])
        except UnitError:
            return None
        if not unit.compatible(_EMISSIONS):
            return None
        return convert(Decimal(value["value"]), unit.factor_to(_EMISSIONS))

    for value in values:
        if value["id"].startswith(_GROSS):
            if value.get("display") == OUTSIDE_DISPLAY:  # named, with no bar: outside the boundary, not 0
                rows.append({"id": value["id"], "kind": "outside", "label": label(value.get("label")) or value["id"],
                             "start": total, "end": total, "display": show(value)})
                continue
            quantity = amount(value)
            if quantity is None:
                continue
            rows.append({"id": value["id"], "kind": "gross", "label": label(value.get("label")) or value["id"],
                         "start": total, "end": total + quantity, "display": show(value)})
            total += quantity
    residual = by_id.get("residual")
    if not any(row["kind"] == "gross" for row in rows) or amount(residual) is None:
        return None
    green = amount(by_id.get(_GREEN))
    if green:  # category 2 as accounted is after green power: gross, it is before; the step takes it off
        energy = next((r for r in rows if r["id"] in _ENERGY_INDIRECT), None)
        if energy is None:  # no category 2 of its own: the covered purchase is a gross row
            rows.append({"id": _GREEN, "kind": "gross", "label": label(by_id[_GREEN].get("label")) or _GREEN,
                         "start": total, "end": total + green, "display": show(by_id[_GREEN])})
        else:
            energy.update(label=fill(words["before_green"], label=energy["label"]), end=energy["end"] + green,
                          display=show_amount(energy["end"] + green - energy["start"]))
            for row in rows[rows.index(energy) + 1:]:
                row["start"] += green
                row["end"] += green
        total += green
        rows.append({"kind": "minus", "label": words["green"], "start": total - green, "end": total,
                     "display": "−" + show(by_id[_GREEN])})
    level = amount(residual)
    rows.append({"kind": "total", "label": label(residual.get("label")) or "residual", "start": Decimal(0),
                 "end": level, "display": show(residual)})
    for id_, _ in _STEPS:
        step = amount(by_id.get(id_))
        if step is None or (id_ == "credits" and "credits_retired" in by_id):
            continue
        rows.append({"kind": "minus", "label": label(by_id[id_].get("label")) or id_, "start": level - step,
                     "end": level, "display": ("−" if step else "") + show(by_id[id_])})  # not "−0"
        level -= step
    rows.append({"kind": "net", "label": words["net"], "start": min(level, Decimal(0)), "end": max(level, Decimal(0)),
                 "display": "−" + show_amount(-level) if level < 0 else show_amount(level)})  # as the steps
    peak = max([total, *(r["end"] for r in rows)])
    low = min([Decimal(0), level, *(r["start"] for r in rows)])
    span = peak - low
    for row in rows:  # bars start after a column of labels
        row["x"] = _px(_LABELS + (row["start"] - low) / span * _BRIDGE) if span else "0"
        # a row outside the boundary has no bar: its words go where the bar would be
        row["text_x"] = int(_LABELS) + 4 if row["kind"] == "outside" else int(_LABELS + _BRIDGE + 8)
        row["w"] = _px(max(row["end"] - row["start"], Decimal(0)) / span * _BRIDGE) if span else "0"
        row["chars_at"] = int(((row["start"] - low) / span * TEXT_BAR).to_integral_value()) if span else 0
        row["chars"] = max(int(((row["end"] - row["start"]) / span * TEXT_BAR).to_integral_value()),
                           0 if row["kind"] == "outside" else 1) if span else 0
    return {"rows": rows, "zero_x": _px(_LABELS + (0 - low) / span * _BRIDGE) if span else "0",
            "width": 640, "row_height": 22, "height": len(rows) * 22 + 4}
