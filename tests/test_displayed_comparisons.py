"""A displayed comparison never contradicts itself, at the boundaries of every shipped ruleset.

For every comparison of a value with a number or with another value it reads (a parameter, a table's limit)
in the results of every shipped example, the value is put just below and just above its bound, closer than
the report's rounding, and the item is marked as failed: the report must show the value and the bound as two
different numbers, never "0.2 ≤ 0.2 does not hold".
"""
from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest

from checker import load_evidence, load_ruleset
from checker.catalogue import catalogue
from checker.interfaces.cli.common import params_file
from checker.outputs.numbers import decimals_for, quantity
from checker.outputs.report import build_view
from checker.resources import resource_dir

EXAMPLES = sorted(resource_dir("examples").glob("*/*.json"))
# `share >= 50%`, `intensity <= limit`, `year - 2 < 2021` (the name just before the operator is compared).
_COMPARISON = re.compile(r"([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d[\d_]*(?:\.\d+)?|[A-Za-z_][\w.]*)")


def _result(path: Path) -> dict:
    data, raw = load_evidence(path)
    params = path.parent / "params.yaml"
    values = params_file(params)[0] if params.exists() else {}
    return load_ruleset(data["ruleset"]).evaluate(data, params=values, date="2026-11-25",
                                                   evidence_bytes=raw, gap=True).to_dict()


def _items(data: dict):
    yield from data["requirements"]
    for section in data["sections"]:
        yield from section["criteria"]


def _number(value) -> bool:
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


def _boundaries(item: dict):
    """(input name, bound) of each comparison in the item's condition whose left side is a number it read."""
    condition = item.get("condition") or (item.get("tier") or {}).get("condition") or ""
    inputs = {i["name"]: i for i in item.get("inputs", [])}
    for name, _, right in _COMPARISON.findall(condition):
        if name not in inputs or not _number(inputs[name].get("value")):
            continue
        if right in inputs and _number(inputs[right].get("value")):
            yield name, Decimal(inputs[right]["value"])
        elif right[0].isdigit() or right[0] == "-":
            yield name, Decimal(right.replace("_", ""))


def _place(item: dict, side: int, failed: str) -> list:
    """Put the value of the item's first comparison just beside its bound and fail the item."""
    for name, bound in list(_boundaries(item))[:1]:
        value_of = next(i for i in item["inputs"] if i["name"] == name)
        unit = value_of.get("unit")
        # closer than the report rounds
        value_of["value"] = bound + side * Decimal(1).scaleb(-(decimals_for(unit) + 3))
        item["status"] = failed
        return [(item["id"], name, bound, unit)]
    return []


def _check(shown: str, name: str, bound: Decimal, unit, lang: str, where: str) -> None:
    assert shown != quantity(bound, unit, lang), f"{where}: {name} shown as {shown}, its bound {bound}"


RULESETS = sorted({p.parent.name for p in EXAMPLES})


@pytest.mark.parametrize("ruleset", RULESETS)
@pytest.mark.parametrize("side", [-1, 1], ids=["below", "above"])
def test_a_failed_comparison_shows_two_different_numbers(ruleset, side):
    placed_any, classifies = False, False
    for path in (p for p in EXAMPLES if p.parent.name == ruleset):
        data = copy.deepcopy(_result(path))
        requirements = {r["id"] for r in data["requirements"]}
        placed = [p for item in _items(data)
                  for p in _place(item, side, "fail" if item["id"] in requirements else "not_met")]
        placed_any = placed_any or bool(placed)
        for lang in ("zh", "en"):
            view = build_view(data, lang, catalogue(None)[lang])
            items = {i["id"]: i for i in [*view["requirements"], *(c for s in view["sections"] for c in s["criteria"])]}
            for item_id, name, bound, unit in placed:
                shown = next(i["display"] for i in items[item_id]["inputs"] if i["name"] == name)
                _check(shown, name, bound, unit, lang, f"{path.name} {item_id}")
        # The conditions of each grade, as the next-grade section shows them when it is the grade to reach.
        classifies = bool(data["ruleset"].get("classifies"))
        grades = [] if classifies else data["grades"]  # a class reached is named; no next grade is shown
        for k, grade in enumerate(grades):
            placed = [p for condition in grade["conditions"] for p in _place(condition, side, "not_met")]
            if not placed:
                continue
            placed_any = True
            data.update(gap=None, provisional_grade=None, grade=grades[k + 1] if k + 1 < len(grades) else None)
            for lang in ("zh", "en"):
                current = " ".join(c["current"] or "" for c in build_view(data, lang, catalogue(None)[lang])["next"]["conditions"])
                for _, name, bound, unit in placed:
                    shown = re.search(rf"\b{re.escape(name)} = ([^；;]+)", current).group(1).strip()
                    _check(shown, name, bound, unit, lang, f"{path.name} grade {grade['id']}")
    # A classification compares only in its class conditions, which no report shows as failed comparisons.
    assert placed_any or classifies or ruleset in NO_COMPARISON, f"{ruleset}: no comparison found"


# Its conditions are memberships and presence: it compares no number.
NO_COMPARISON = {"product-carbon-footprint-label"}


@pytest.mark.parametrize("ruleset", sorted(NO_COMPARISON))
def test_a_ruleset_said_to_compare_no_number_compares_none(ruleset):
    code = re.sub(r'"(?:[^"\\]|\\.)*"|#[^\n]*', "", (resource_dir("rulesets") / f"{ruleset}.rules").read_text("utf-8"))
    assert not re.search(r"(>=|<=|==|!=|[^-]>|<)", code)
