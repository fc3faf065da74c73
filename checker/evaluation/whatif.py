"""What-if: evidence changed at JSON pointers, and what changed between the result before and after.

`check --set` uses all three; `diff` compares the results of two ruleset versions with `compare`.
"""
from __future__ import annotations

from typing import Any

from ..evidence.load import EvidenceError, parse_evidence
from ..pointer import DELETE, PointerError, format_pointer, parse_pointer, patched
from .result import Result, value_display


class ChangeError(PointerError):
    """A `/pointer=value` that cannot be read or applied; the message says why."""


def parse_change(text: str) -> tuple[tuple[str, ...], Any]:
    """`/electricity/green_certificates=2500` → (("electricity", "green_certificates"), Decimal("2500")).

    The pointer is RFC 6901 (`~1` for `/`, `~0` for `~`, `-` appends to a list) and ends at the first
    `=`; the value is JSON with exact numbers, and `null` deletes (the value is then DELETE).
    """
    pointer, sep, value = text.partition("=")
    if not sep or not pointer.startswith("/"):
        raise ChangeError(f"expected /POINTER=VALUE, got {text!r}")
    try:
        path = parse_pointer(pointer)
    except PointerError as error:
        raise ChangeError(str(error)) from None
    hint = f" (write texts in double quotes: {pointer}='\"…\"')"
    try:  # read as evidence is read: exact numbers, and the same limits on size, depth and digits
        wrapped = parse_evidence(('{"value": [' + value + "]}").encode("utf-8"), pointer)
    except EvidenceError as error:
        raise ChangeError(f"the value of {pointer} is not JSON as evidence allows: {value!r}: "
                          f"{error.problems[0].message_en}{hint}") from None
    # The value sits in a one-item list, so anything after it (`1, "y": 2`, `1], "y": [2`) shows as a
    # second item or member instead of being dropped.
    if list(wrapped) != ["value"] or len(wrapped["value"]) != 1:
        raise ChangeError(f"the value of {pointer} must be one JSON value, got {value!r}{hint}")
    parsed = wrapped["value"][0]
    return path, DELETE if parsed is None else parsed


def apply_changes(evidence: dict, changes: list[tuple[tuple[str, ...], Any]]) -> dict:
    """A copy of the evidence with each change made in turn; the original is left as it was."""
    for path, value in changes:
        try:
            evidence = patched(evidence, path, value)
        except PointerError as error:
            raise ChangeError(f"{format_pointer(path)}: {error}") from None
    return evidence


def compare(before: Result, after: Result) -> dict:
    """What changed from one result to another: outcome, grade, score, item statuses and points, values."""
    def grade(result):
        if result.provisional_grade:
            return {**result.provisional_grade, "provisional": True}
        return result.grade

    def changed(old, new, key):
        old_items = {i.id: i for i in old}
        rows = []
        for item in new:
            was = old_items.get(item.id)
            if was is None:
                continue
            row = {"id": item.id}
            if was.status != item.status:
                row["status"] = [was.status, item.status]
            if key == "points" and was.points != item.points:
                row["points"] = [was.points, item.points]
            if key == "value":
                old_value, new_value = value_display(was), value_display(item)
                if old_value != new_value:
                    row["value"] = [old_value, new_value]
            if len(row) > 1:
                rows.append(row)
        return rows

    return {
        "outcome": [before.outcome, after.outcome],
        "grade": [grade(before), grade(after)],
        "score": [before.score, after.score],
        "requirements": changed(before.requirements, after.requirements, None),
        "criteria": changed(before.criteria, after.criteria, "points"),
        "grades": [{"id": new.id, "status": [old.status, new.status]}
                   for old, new in zip(before.grades, after.grades) if old.status != new.status],
        "values": changed(before.values, after.values, "value"),
    }
