"""The gap in words (checker.evaluation.gap and .advice record it as data), for the terminal and reports.

Conditions are named by their item's label and what they require ("可再生能源电力占比 = 100%"), the code
following where a reader needs it; numbers go through checker.outputs.numbers like every other output, and
an amount of advice keeps all its digits (976.1462 MWh rounded down would no longer meet its condition).
"""
from __future__ import annotations

from decimal import Decimal

from ..catalogue import fill
from ..evaluation.advice import MAX_STEPS
from ..evaluation.result import dumps
from .numbers import number, quantity

SYMBOLS = {">=": "≥", ">": ">", "==": "=", "<=": "≤", "<": "<", "!=": "≠"}
# How the size of a change relates to the boundary it was solved at (`bound`): catalogue keys.
RELATION = {"inclusive": "at_least", "strict": "more_than"}
LOWERED_TO = {"inclusive": "at_most", "strict": "less_than"}  # the value a decrease reaches is an upper bound


def shown(value, unit: str | None, t: dict, lang: str, rich: bool = False, bounds=()) -> str:
    """A value the evidence or the ruleset gave: number with its unit, yes/no, a listed word, a date or a text."""
    if isinstance(value, bool):
        return t["value"]["yes" if value else "no"]
    if isinstance(value, (Decimal, int, float)):
        decimal = value if isinstance(value, Decimal) else Decimal(str(value))
        return quantity(decimal, unit, lang, rich=rich, bounds=bounds)
    if isinstance(value, str):
        return t["enum"].get(value, value)
    if isinstance(value, list):
        return t["punct"]["comma"].join(shown(v, None, t, lang, rich) for v in value)
    return "—" if value is None else str(value)


def required(ref: dict, t: dict, lang: str, rich: bool = False) -> str | None:
    """What a condition requires: `≥ 80%`, `∈ [0, 5 t]`, `∈ {国家级, 省级}`, or that something be given."""
    need = ref.get("required")
    if not need:
        return None
    op, unit = need["op"], ref.get("unit")
    values = [shown(v, unit, t, lang, rich) for v in need["values"]]
    if op == "present":
        return t["gap"]["present"]
    if op == "within":
        low, high = need.get("closed", (True, True))
        return f"∈ {'[' if low else '('}{values[0]}, {values[1]}{']' if high else ')'}"
    if op == "in":
        return "∈ {" + t["punct"]["comma"].join(values) + "}"
    return f"{SYMBOLS.get(op, op)} {values[0]}"


def condition_name(ref: dict, t: dict, lang: str, rich: bool = False) -> str:
    """A condition as readers are shown it first: a requirement's id and label, else the label of what it
    compares (the score in the catalogue's word) with what it requires; the code when it has no label."""
    label = (ref.get("label") or {}).get(lang) or (ref.get("label") or {}).get("zh")
    if ref.get("requirement"):
        return f"{ref['requirement']} {label}" if label else ref["condition"]
    if ref.get("subject") == "score":
        label = t["gap"]["score"]
    if not label:
        return ref["condition"]
    need = required(ref, t, lang, rich)
    return f"{label} {need}" if need else label


def current(entry: dict, t: dict, lang: str, rich: bool = False) -> str | None:
    """A condition's value now; a number that failed its bound is never rounded onto it."""
    if entry.get("current") is None:
        return None
    bounds = [v for v in (entry.get("required") or {}).get("values", []) if isinstance(v, (Decimal, int))]
    return shown(entry["current"], entry.get("unit"), t, lang, rich, [Decimal(b) for b in bounds])


def describe_change(change: dict, t: dict, lang: str, rich: bool = False) -> str:
    """One change in words: `raise /electricity/green_power_trading by 3,000 MWh (to …)`; a change that is a
    condition's advice says how it relates to the boundary ("at least 523.8 tCO2e")."""
    words = t["action"]
    if change["kind"] not in ("raise", "lower", "add"):  # a result edited by hand: only what it records
        return fill(t["notice"]["change"], pointer=change["pointer"], before=dumps(change["from"]).strip(),
                    after=dumps(change["to"]).strip())
    bound = change.get("bound")
    relation = words[RELATION[bound]] if bound in RELATION else ""
    amount = quantity(change["amount"], change["unit"], lang, rich=rich, exact=True)
    label = (change.get("label") or {}).get(lang)
    if change["kind"] == "add":
        like = fill(words["like"], pointer=change["like"]) if change["like"] else ""
        text = fill(words["add"], list=change["pointer"].removesuffix("/-"), like=like, relation=relation,
                    amount=amount, field=change["field"] or words["value"])
        return fill(words["labelled"], text=text, label=label) if label else text
    reached = words[(RELATION if change["kind"] == "raise" else LOWERED_TO)[bound]] if bound in RELATION else ""
    text = fill(words[change["kind"]], pointer=change["pointer"], relation=relation, amount=amount, reached=reached,
                to=quantity(change["to"], change["unit"], lang, rich=rich, exact=True))
    return text + t["punct"]["colon"] + label if label else text


def condition_action(action: dict | None, t: dict, lang: str, rich: bool = False) -> str | None:
    """A condition's advice: its alternative changes, the points missing, what to provide, a waiver."""
    if not action:
        return None
    words, comma = t["action"], t["punct"]["comma"]
    parts = []
    if action.get("changes"):
        parts.append(words["or"].join(describe_change(c, t, lang, rich) for c in action["changes"]))
    points = action.get("points")
    if points:
        relation = words[RELATION[points["bound"]]] if points["bound"] in RELATION else ""
        parts.append(fill(words["points_short" if points["short"] else "points"], relation=relation,
                          points=number(Decimal(points["needed"]), lang),
                          available=number(Decimal(points["available"]), lang),
                          items=comma.join(_open_item(c, t, lang) for c in points["open"])))
    fields = [p for p in action.get("provide") or [] if not p.startswith("param:")]
    names = [p[6:] for p in action.get("provide") or [] if p.startswith("param:")]
    provide = ([fill(words["provide"], pointers=comma.join(fields))] if fields else []) \
        + ([fill(words["provide_param"], names=comma.join(names))] if names else [])
    if provide:
        parts.append(t["punct"]["semicolon"].join(provide))
    if action.get("waiver"):
        parts.append(fill(words["waiver"], pointer=action["waiver"]))
    return words["or"].join(parts) or None


def _open_item(item: dict, t: dict, lang: str) -> str:
    """`E1 10.5/15`, and what is missing for a criterion that could not be scored."""
    text = f"{item['id']} {number(Decimal(item['points']), lang)}/{number(Decimal(item['max']), lang)}"
    if item["status"] == "missing" and item.get("missing"):
        return fill(t["action"]["open_missing"], item=text, pointers=t["punct"]["comma"].join(item["missing"]))
    if item["status"] == "error":
        return fill(t["action"]["open_error"], item=text)
    return text


def action_effects(action: dict, t: dict, lang: str, rich: bool = False) -> str:
    """Everything one action does, from evaluating again: conditions met (or broken), points, the result."""
    words, comma = t["gap"], t["punct"]["comma"]
    parts = []
    if action["fixes"]:
        parts.append(fill(words["meets"], conditions=comma.join(_named(c, t, lang, rich) for c in action["fixes"])))
    if action["breaks"]:
        parts.append(fill(words["breaks"], conditions=comma.join(_named(c, t, lang, rich) for c in action["breaks"])))
    if action["points"]:
        sign = "+" if action["points"] > 0 else ""
        parts.append(fill(words["gains"], points=sign + number(Decimal(action["points"]), lang)))
    grade = action["grade"]
    parts.append(fill(words["leads_to"], outcome=t["outcome"].get(action["outcome"], action["outcome"]),
                      grade=t["punct"]["colon"] + (grade["label"].get(lang) or grade["label"]["zh"]) if grade else "",
                      score="—" if action["score"] is None else number(Decimal(action["score"]), lang)))
    return t["punct"]["semicolon"].join(parts)


def _named(condition, t: dict, lang: str, rich: bool) -> str:
    """A condition an action meets or breaks: a reference (1.5), or its code (results before 1.5)."""
    return condition if isinstance(condition, str) else condition_name(condition, t, lang, rich)


def covered(condition: dict, gap: dict) -> bool:
    """Whether a ranked action already shows the change a condition's own advice would: not repeated."""
    return any(condition.get("condition") == (f if isinstance(f, str) else f.get("condition"))
               for a in gap.get("actions") or [] for f in a["fixes"])


def plan_lines(gap: dict, t: dict, lang: str, rich: bool = False) -> tuple[str | None, list[str]]:
    """The plan's heading and its changes; or, when the analysis found none, a sentence saying so."""
    words, label = t["gap"], lambda g: g["label"].get(lang) or g["label"]["zh"]  # noqa: E731
    plan = gap.get("plan")
    if plan is not None:
        score = "—" if plan["score"] is None else number(Decimal(plan["score"]), lang)
        search = plan.get("search")
        title = fill(words["plan_fewest"], grade=label(gap["target"]), reached=label(plan["grade"]), score=score,
                     count=len(plan["changes"]), actions=search["actions"], changes=search["changes"]) if search \
            else fill(words["plan"], grade=label(gap["target"]), reached=label(plan["grade"]), score=score)
        return title, [describe_change(c, t, lang, rich) for c in plan["changes"]]
    if gap.get("actions") is not None and gap["conditions"]:  # results before 1.4 have no advice of this kind
        return fill(words["no_plan"], grade=label(gap["target"]), steps=MAX_STEPS), []
    return None, []


def condition_view(entry: dict, gap: dict, t: dict, lang: str, rich: bool = False) -> dict:
    """One condition of the gap in words: `name` (label first, with what it requires), `label` (without it),
    its `code`, `current`, `required`, and its own `action` unless a ranked action shows it. Results before 1.5
    recorded the words themselves."""
    action = entry.get("action")
    if isinstance(action, dict) and "changes" not in action:  # before 1.5: {zh, en}
        action = action.get(lang) or action.get("zh")
    else:
        action = condition_action(action, t, lang, rich)
    if isinstance(entry.get("required"), str) or isinstance(entry.get("current"), str) and "unit" not in entry:
        return {"name": entry["condition"], "label": None, "code": entry["condition"], "current": entry.get("current"),
                "required": entry.get("required"), "action": None if covered(entry, gap) else action}
    name = condition_name(entry, t, lang, rich)
    label = condition_name({**entry, "required": None}, t, lang, rich)
    return {"name": name, "label": label, "code": entry["condition"] if name != entry["condition"] else None,
            "current": current(entry, t, lang, rich), "required": required(entry, t, lang, rich),
            "action": None if covered(entry, gap) else action}
