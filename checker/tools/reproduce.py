"""Reproducing a result from what it records: the ruleset (by id and hash), the parameters, the date.

The evidence file is given again (a result records only its hash). The ruleset must be the one the result was
made with: the shipped ruleset is used when its hash matches, otherwise the caller gives the file. A
sign-off is not part of the evaluation and is carried over as recorded.
"""
from __future__ import annotations

import difflib
import json
from decimal import Decimal
from pathlib import Path

from ..errors import CarbonCheckError
from ..evaluation.ruleset import load_ruleset
from ..evidence.load import DEFAULT_MAX_BYTES
from .intake import read_application

MAX_DIFF_LINES = 120


class ReproduceError(CarbonCheckError):
    """A result that cannot be reproduced as asked: not a result, no parameters recorded, another ruleset."""


def reevaluate(recorded_bytes: bytes, evidence: Path, ruleset: str | Path | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """The result dict that evaluating `evidence` with what `recorded_bytes` records gives now."""
    recorded = _read(recorded_bytes)
    described = recorded["ruleset"]
    rules = load_ruleset(ruleset or described["id"])
    if ruleset is None and rules.sha256 != described.get("sha256"):
        raise ReproduceError(
            f"the shipped ruleset {rules.id} {rules.text('version')} (SHA-256 {rules.sha256[:12]}…) is not the one "
            f"this result was made with ({described['id']} {described.get('version')}, SHA-256 "
            f"{str(described.get('sha256'))[:12]}…); give that version's file with --ruleset PATH")
    application = read_application(evidence, ruleset=rules, max_bytes=max_bytes)  # JSON or a workbook
    given = {name: p for name, p in recorded["parameters"].items() if p.get("source") != "default"}
    try:
        result = rules.evaluate(application.evidence, params={name: p["value"] for name, p in given.items()},
                                date=recorded.get("date"), evidence_bytes=application.raw,
                                origins={name: {"source": p["source"], "file_sha256": p.get("file_sha256")}
                                         for name, p in given.items()}, gap=True)
    except ValueError as error:  # a recorded parameter the ruleset does not declare, or in another unit
        raise ReproduceError(f"the recorded parameters do not fit the ruleset: {error}") from None
    new = result.to_dict()
    if "signoff" in recorded:
        new["signoff"] = recorded["signoff"]
    return new


def _read(recorded_bytes: bytes) -> dict:
    try:
        recorded = json.loads(recorded_bytes.decode("utf-8"), parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise ReproduceError(f"not a result JSON file: {error}") from None
    if not isinstance(recorded, dict) or not isinstance(recorded.get("ruleset"), dict) \
            or "id" not in recorded["ruleset"]:
        raise ReproduceError("not a carbon-check result: it names no ruleset")
    if not isinstance(recorded.get("parameters"), dict):
        raise ReproduceError(f"the result (format {recorded.get('result_version')}) does not record its parameters, "
                             "so it cannot be reproduced exactly; results of format 1.1 on do")
    return recorded


def difference(recorded: str, reproduced: str) -> str:
    """A unified difference of two result texts, cut to MAX_DIFF_LINES lines."""
    lines = list(difflib.unified_diff(recorded.splitlines(keepends=True), reproduced.splitlines(keepends=True),
                                      "recorded", "reproduced", n=2))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"… {len(lines) - MAX_DIFF_LINES} more lines of difference\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
