"""A deterministic corpus of zero-carbon-factory applications for the benchmarks.

The same seed and size always give the same bytes. Profiles are drawn so that every outcome occurs:
all grades from 3 to 6 stars, not graded, ineligible (a failed prerequisite) and incomplete (an
assessment not recorded yet). Numbers are Decimals written exactly.
"""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from checker.evaluation.result import dumps

GASES = ("CO2", "CH4", "N2O", "SF6", "HFC-134a")
ASSESSED = {"M1": 8, "M2": 7, "P2": 4, "V1": 10, "G1": 15, "G2": 10}


def _amount(rng: random.Random, low: int, high: int, places: int = 1) -> Decimal:
    """A random quantity with `places` decimals, drawn as an integer so no float is involved."""
    scale = 10 ** places
    return Decimal(rng.randint(low * scale, high * scale)).scaleb(-places)


def application(rng: random.Random, number: int) -> dict:
    profile = rng.random()
    top = profile < 0.25  # near full marks: five and six stars come from here
    perfect = profile < 0.04
    year = rng.choice((2023, 2024, 2025))
    boundary = "II" if rng.random() < 0.3 else "I"
    direct = [{"source": f"source {k + 1}", "gas": "CO2" if k == 0 else rng.choice(GASES),
               "mass": _amount(rng, 200, 5000) if k == 0 else _amount(rng, 0, 2, 3)}
              for k in range(rng.randint(1, 4))]
    emissions: dict = {"direct": direct}
    if rng.random() < 0.8:
        emissions["purchased_heat"] = _amount(rng, 0, 400)
    if boundary == "II":
        emissions["indirect"] = [{"category": rng.choice((3, 4)), "description": "transport",
                                  "co2e": _amount(rng, 10, 800)} for _ in range(rng.randint(1, 3))]
    consumption = _amount(rng, 5000, 50000, 0)
    share = Decimal(1) if (top and rng.random() < 0.7) else Decimal(rng.randint(0, 100)) / 100
    renewable = (consumption * share).quantize(Decimal(1))
    own = (renewable * Decimal(rng.randint(0, 60)) / 100).quantize(Decimal(1))
    trading = ((renewable - own) * Decimal(rng.randint(0, 100)) / 100).quantize(Decimal(1))
    certificates = renewable - own - trading
    electricity = {"consumption": consumption, "grid_purchase": consumption - own,
                   "green_power_trading": trading, "green_certificates": certificates,
                   "renewable_self_generated": own}
    # Offsets relative to a rough residual, so offset ratios spread around the 50/80/100% thresholds.
    rough = sum(d["mass"] for d in direct) * 30 + (consumption - own - trading - certificates) * Decimal("0.55")
    target = Decimal(rng.choice((0, 30, 55, 70, 85, 95, 105, 130))) / 100 if not top else Decimal("1.3")
    credits = [{"standard": "CCER", "serial": f"CCER-{number}-{k}", "quantity": (rough * target / 2).quantize(
        Decimal("0.1")), "retired": rng.random() < 0.95} for k in range(2 if target else 0)]
    removal_share = Decimal("1.5") if perfect else Decimal(rng.randint(0, 30)) / 100
    removals = [{"project": "forest carbon sink", "quantity": (rough * removal_share).quantize(Decimal("0.1")),
                 "verified": True}] if rng.random() < 0.7 or perfect else []
    compliance = {"legally_established": True, "no_major_accident_3y": True, "no_penalty_or_blacklist_3y": True,
                  "energy_efficiency_level": "benchmark" if top else rng.choice(("benchmark", "advanced")),
                  "green_factory": rng.choice(("national", "provincial"))}
    if rng.random() < 0.04:
        compliance[rng.choice(("no_penalty_or_blacklist_3y", "no_major_accident_3y"))] = False
    assessments = {k: Decimal(m) if perfect else Decimal(rng.randint(m * (3 if top else 1), m * 4)) / 4
                   for k, m in ASSESSED.items()}
    if rng.random() < 0.03:
        del assessments[rng.choice(sorted(assessments))]
    return {
        "ruleset": "zero-carbon-factory",
        "applicant": {"name": f"工厂 {number:05d}", "site": "浙江省"},
        "reporting_period": {"start": f"{year}-01-01", "end": f"{year}-12-31", "year": Decimal(year)},
        "boundary": {"type": boundary, "description": "厂区红线范围内全部生产设施"},
        "accounting": {"standard": "ISO 14064-1:2018"},
        "emissions": emissions,
        "electricity": electricity,
        "offsets": {"credits": credits, "removals": removals},
        "compliance": compliance,
        "product_footprint": "verified" if top else rng.choice(("verified", "assessed", "none")),
        "assessments": assessments,
    }


def generate(folder: Path, count: int, seed: int = 20261125) -> list[Path]:
    """Write `count` applications as folder/zcf-NNNNN.json; files already identical are left alone."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        data = dumps(application(rng, number)).encode("utf-8")
        path = folder / f"zcf-{number:05d}.json"
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)  # a benchmark input, regenerated at will: no need for fsync
        paths.append(path)
    for stale in sorted(folder.glob("zcf-*.json"))[count:]:  # a smaller --n than last time
        stale.unlink()
    return paths
