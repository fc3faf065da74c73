"""The gap's ranked actions and combined plan (checker.evaluation.advice) in words, for the terminal and reports.

Numbers go through checker.outputs.numbers like every other output; an amount of advice keeps all its digits.
"""
from __future__ import annotations

from ..catalogue import fill
from ..evaluation.advice import MAX_STEPS
from ..evaluation.result import dumps
from .numbers import number, quantity


def describe_change(change: dict, t: dict, lang: str, rich: bool = False) -> str:
    """One change of an action or plan in words: `raise /electricity/green_power_trading by 3,000 MWh (to …)`."""
    words = t["action"]
    if change["kind"] not in ("raise", "lower", "add"):  # a result edited by hand: only what it records
        return fill(t["notice"]["change"], pointer=change["pointer"], before=dumps(change["from"]).strip(),
                    after=dumps(change["to"]).strip())
    amount = quantity(change["amount"], change["unit"], lang, rich=rich, exact=True)
    label = (change.get("label") or {}).get(lang)
    if change["kind"] == "add":
        like = fill(words["like"], pointer=change["like"]) if change["like"] else ""
        text = fill(words["add"], list=change["pointer"].removesuffix("/-"), like=like, relation="", amount=amount,
                    field=change["field"] or words["value"])
        return fill(words["labelled"], text=text, label=label) if label else text
    text = fill(words[change["kind"]], pointer=change["pointer"], relation="", amount=amount, reached="",
                to=quantity(change["to"], change["unit"], lang, rich=rich, exact=True))
    return text + t["punct"]["colon"] + label if label else text


def action_effects(action: dict, t: dict, lang: str) -> str:
    """Everything one action does, from evaluating again: conditions met (or broken), points, the result."""
    words, comma = t["gap"], t["punct"]["comma"]
    parts = []
    if action["fixes"]:
        parts.append(fill(words["meets"], conditions=comma.join(action["fixes"])))
    if action["breaks"]:
        parts.append(fill(words["breaks"], conditions=comma.join(action["breaks"])))
    if action["points"]:
        sign = "+" if action["points"] > 0 else ""
        parts.append(fill(words["gains"], points=sign + number(action["points"], lang)))
    grade = action["grade"]
    parts.append(fill(words["leads_to"], outcome=t["outcome"].get(action["outcome"], action["outcome"]),
                      grade=t["punct"]["colon"] + (grade["label"].get(lang) or grade["label"]["zh"]) if grade else "",
                      score="—" if action["score"] is None else number(action["score"], lang)))
    return t["punct"]["semicolon"].join(parts)


def plan_lines(gap: dict, t: dict, lang: str, rich: bool = False) -> tuple[str | None, list[str]]:
    """The plan's heading and its changes; or, when the analysis found none, a sentence saying so."""
    words, label = t["gap"], lambda g: g["label"].get(lang) or g["label"]["zh"]  # noqa: E731
    plan = gap.get("plan")
    if plan is not None:
        return (fill(words["plan"], grade=label(gap["target"]), reached=label(plan["grade"]),
                     score="—" if plan["score"] is None else number(plan["score"], lang)),
                [describe_change(c, t, lang, rich) for c in plan["changes"]])
    if gap.get("actions") is not None and gap["conditions"]:  # results before 1.3 have no advice of this kind
        return fill(words["no_plan"], grade=label(gap["target"]), steps=MAX_STEPS), []
    return None, []
