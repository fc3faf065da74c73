"""The zero-carbon-factory grade and score, written by hand in plain Python with Decimal.

The yardstick for the engine's speed: what a programmer would write for this one standard, with the
same exact arithmetic (34 digits, half-even; scale points half-up to 2 decimals), the same treatment
of missing evidence (a missing input makes its criterion earn nothing and the outcome incomplete) and
the same grade table. `benchmarks/run.py` checks that it agrees with the engine on every application.
"""
from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
ZERO, ONE, CENT = Decimal(0), Decimal(1), Decimal("0.01")
GWP_AR5 = {"CO2": Decimal(1), "CH4": Decimal(28), "N2O": Decimal(265), "HFC-23": Decimal(12400),
           "HFC-32": Decimal(677), "HFC-125": Decimal(3170), "HFC-134a": Decimal(1300), "HFC-143a": Decimal(4800),
           "HFC-152a": Decimal(138), "HFC-227ea": Decimal(3350), "CF4": Decimal(6630), "C2F6": Decimal(11100),
           "C3F8": Decimal(8900), "SF6": Decimal(23500), "NF3": Decimal(16100)}
GRID_AVERAGE = {2021: Decimal("0.5568"), 2022: Decimal("0.5366"), 2023: Decimal("0.5306")}
ASSESSED = (("M1", 8), ("M2", 7), ("P2", 4), ("V1", 10), ("G1", 15), ("G2", 10))


class Unknown(Exception):
    """A value the evidence does not give, or that cannot be computed."""


def _get(node, *path, default=None):
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if node is None:
        if default is not None:
            return default
        raise Unknown("/" + "/".join(path))
    return node


def _scale(share: Decimal, maximum: int) -> Decimal:
    """Points on a scale from 0% to 100%: the share in percent, times the maximum, over 100."""
    exact = maximum * (share * 100) / 100
    return min(max(ZERO, exact), Decimal(maximum)).quantize(CENT, rounding=ROUND_HALF_UP)


def grade(evidence: dict) -> tuple[str, str | None, Decimal]:
    """(outcome, grade or provisional grade id, score) of one application."""
    with decimal.localcontext(CONTEXT):
        return _grade(evidence)


def _grade(e: dict) -> tuple[str, str | None, Decimal]:
    unknown = False
    compliance = e.get("compliance", {})
    failed = False
    checks = (compliance.get("legally_established"), compliance.get("no_major_accident_3y"),
              compliance.get("no_penalty_or_blacklist_3y"))
    if False in checks:
        failed = True
    elif None in checks:
        unknown = True
    for key, allowed in (("energy_efficiency_level", ("benchmark", "advanced")),
                         ("green_factory", ("national", "provincial"))):
        if key not in compliance:
            unknown = True
        elif compliance[key] not in allowed:
            failed = True
    if not str(_get(e, "boundary", "description", default="")).strip():
        failed = True
    if not str(_get(e, "accounting", "standard", default="")).strip():
        failed = True

    electricity = e.get("electricity", {})
    zero = ZERO
    green = electricity.get("green_power_trading", zero) + electricity.get("green_certificates", zero)
    renewable = green + electricity.get("renewable_self_generated", zero)
    consumption = electricity.get("consumption")
    share = min(renewable / consumption, ONE) if consumption else None  # a zero consumption is an error
    try:
        year = int(_get(e, "reporting_period", "year"))
        factor = GRID_AVERAGE[max(k for k in GRID_AVERAGE if k <= year - 2)]
        direct = sum((s["mass"] * GWP_AR5[s["gas"]] for s in _get(e, "emissions", "direct")), ZERO)
        grid = max(electricity.get("grid_purchase", zero) - green, ZERO) * factor
        category2 = grid + _get(e, "emissions", "purchased_heat", default=zero)
        if _get(e, "boundary", "type") == "II":
            others = sum((s["co2e"] for s in _get(e, "emissions", "indirect") if s["category"] in (3, 4)), ZERO)
        else:
            others = ZERO
        residual = direct + category2 + others
        credits = sum((c["quantity"] for c in _get(e, "offsets", "credits") if c["retired"]), ZERO)
        removals = sum((r["quantity"] for r in _get(e, "offsets", "removals") if r["verified"]), ZERO)
        offset_ratio = ONE if residual == 0 else (credits + removals) / residual
        removal_ratio = ONE if residual == 0 else removals / residual
    except (Unknown, KeyError, ValueError):
        offset_ratio = removal_ratio = None

    points = []
    for key, maximum in ASSESSED:
        value = e.get("assessments", {}).get(key)
        if value is None or not ZERO <= value <= maximum:
            unknown = True
        else:
            points.append(value)
    level = compliance.get("energy_efficiency_level")
    points.append(Decimal(10) if level == "benchmark" else Decimal(6) if level == "advanced" else ZERO)
    footprint = e.get("product_footprint")
    if footprint is None:
        unknown = True
    points.append(Decimal(6) if footprint == "verified" else Decimal(3) if footprint == "assessed" else ZERO)
    for value, maximum in ((share, 15), (offset_ratio, 10), (removal_ratio, 5)):
        if value is None:
            unknown = True
        else:
            points.append(_scale(value, maximum))
    score = sum(points, ZERO)

    def meets(*clauses):  # Kleene `and`: None is unknown
        return False if False in clauses else None if None in clauses else True

    def at_least(value, bound):
        return None if value is None else value >= bound

    full = None if share is None else share == ONE
    table = (("six_stars", meets(score == 100, full, at_least(removal_ratio, ONE))),
             ("five_stars", meets(score > 90, full, at_least(offset_ratio, ONE))),
             ("four_stars", meets(score > 80, at_least(offset_ratio, Decimal("0.8")))),
             ("three_stars", meets(score > 70, at_least(offset_ratio, Decimal("0.5")))))
    reached, undecided = None, False
    for grade_id, holds in table:
        if holds is True:
            reached = grade_id
            break
        undecided = undecided or holds is None
    if failed:
        return "ineligible", None, score
    if unknown or undecided:
        return "incomplete", reached, score
    return ("graded", reached, score) if reached else ("not_graded", None, score)
