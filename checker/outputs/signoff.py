"""The sign-off of a report: who issues it, its number, and who assessed and reviewed it.

A certification body describes itself once in an issuer file (YAML, read with a safe loader):

    organisation: {zh: 示例认证中心, en: Example Certification Centre}   # or one text
    report_number: "ECC-{year}-{ruleset}-{evidence}"
    people:
      assessor: {name: 张三}
      reviewer: {name: 李四, date: 2026-12-01}

Command-line options override it field by field. The report number pattern may use {year}, {month}, {day},
{date} (YYYYMMDD of the evaluation date), {ruleset} (the ruleset id) and {evidence} (the first 8 hex digits of
the evidence's SHA-256), so the same application gets the same number every time it is rendered.

Without an organisation a report is a self-assessment: the block keeps empty lines to sign by hand and page 1
says it is not a certification. The sign-off travels in the result JSON (`"signoff"`) so that a signed result
carries its report number; it is never part of the evaluation.
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path

from ..errors import Worded
from ..inputs import InputError, read_text

ROLES = ("assessor", "reviewer")
_FIELDS = {"organisation", "report_number", "people"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SignOffError(Worded):
    """An issuer file or sign-off option that cannot be used; the message (catalogue group `issuer`) says which
    and why."""
    group = "issuer"


def load_issuer(path: Path) -> dict:
    """An issuer file, checked: {"organisation", "report_number", "people": {role: {"name", "date"}}}."""
    import yaml  # only an issuer file is YAML here: a result's sign-off from options needs no parser
    from ..safeyaml import BoundedLoader
    path = Path(path)
    try:  # a user's YAML: the safe loader that also refuses alias bombs
        data = yaml.load(read_text(path, what="issuer"),  # noqa: S506 - a safe loader
                         Loader=BoundedLoader)
    except InputError as error:
        raise SignOffError("unreadable", path=error.source, reason=error.reason) from None
    except (yaml.YAMLError, RecursionError) as error:
        raise SignOffError("unreadable", path=path, reason=error) from None
    if not isinstance(data, dict):
        raise SignOffError("not_mapping", path=path)
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise SignOffError("unknown_field", path=path, field=repr(unknown[0]), expected=", ".join(sorted(_FIELDS)))
    organisation = data.get("organisation")
    if organisation is not None and not _is_label(organisation):
        raise SignOffError("organisation", path=path)
    pattern = data.get("report_number")
    if pattern is not None and not isinstance(pattern, str):
        raise SignOffError("report_number", path=path)
    people = data.get("people") or {}
    if not isinstance(people, dict) or any(role not in ROLES for role in people):
        raise SignOffError("people", path=path, roles={"en": " and ".join(ROLES), "zh": "、".join(ROLES)})
    checked = {}
    for role, person in people.items():
        if isinstance(person, str):
            person = {"name": person}
        if not isinstance(person, dict) or set(person) - {"name", "date"} or not isinstance(person.get("name"), str):
            raise SignOffError("person", path=path, role=role)
        checked[role] = {"name": person["name"], "date": _date(person.get("date"), f"{path}: people.{role}.date")}
    return {"organisation": organisation, "report_number": pattern, "people": checked}


def sign_off(result: dict, issuer: dict | None = None, *, organisation: str | None = None,
             report_number: str | None = None, people: dict | None = None) -> dict | None:
    """The sign-off block of `result` (a result dict), from the issuer file and options; None if nothing given.

    `people` is {role: {"name", "date"}} from options; each given field wins over the issuer file's.
    """
    issuer = issuer or {"organisation": None, "report_number": None, "people": {}}
    merged = {}
    for role in ROLES:
        given = (people or {}).get(role) or {}
        known = issuer["people"].get(role) or {}
        merged[role] = {"name": given.get("name") or known.get("name"),
                        "date": _date(given.get("date"), f"--{role}-date") or known.get("date")}
    organisation = organisation or issuer["organisation"]
    if isinstance(organisation, str):  # the result's labels are bilingual
        organisation = {"zh": organisation, "en": organisation}
    elif organisation:
        organisation = {"zh": organisation["zh"], "en": organisation.get("en") or organisation["zh"]}
    signoff = {
        "organisation": organisation,
        "report_number": report_number or (number(issuer["report_number"], result)
                                           if issuer["report_number"] else None),
        **merged,
    }
    if not any([signoff["organisation"], signoff["report_number"], *(p["name"] or p["date"] for p in merged.values())]):
        return None
    return signoff


def number(pattern: str, result: dict) -> str:
    """A report number from the issuer's pattern and the result: the same application, the same number."""
    date = datetime.date.fromisoformat(result["date"]) if result.get("date") else None
    values = {"ruleset": result["ruleset"]["id"], "evidence": (result.get("evidence") or {}).get("sha256", "")[:8]}
    if date is not None:
        values.update(year=f"{date.year:04d}", month=f"{date.month:02d}", day=f"{date.day:02d}",
                      date=date.strftime("%Y%m%d"))
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(pattern)} - set(values))
    if unknown:
        raise SignOffError("pattern", pattern=repr(pattern), unknown=unknown[0])
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)


def _is_label(value) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and set(value) <= {"zh", "en"}
                                      and all(isinstance(v, str) for v in value.values()) and "zh" in value)


def _date(value, where: str) -> str | None:
    if value is None or isinstance(value, datetime.date):  # YAML reads 2026-12-01 as a date
        return value.isoformat() if value is not None else None
    try:
        return datetime.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise SignOffError("date", where=where, value=repr(value)) from None
