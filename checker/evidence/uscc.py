"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

An evidence schema marks a credit code with `"format": "uscc"`; validation then
checks the 18 characters, the code's character set (the digits and the capital
letters other than I, O, S, V and Z) and the check digit, the 18th character.
The check digit makes the weighted sum of all 18 character values a multiple
of 31, the weight of position i being 3**i mod 31.
"""
from __future__ import annotations

from operator import mul

from ..catalogue import pair

LENGTH = 18
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"   # 31 characters: I, O, S, V and Z are not used
_VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))   # 1, 3, 9, 27, 19, 26, 16, …, 28


def check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are given (all from CHARSET)."""
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def explain(code: str, shown: str) -> tuple[str, str] | None:
    """Why `code` is not a valid credit code, in English and Chinese, or None when it is.

    `shown` is the code as the message should quote it (escaped and truncated by the caller).
    """
    fault = _fault(code)
    return None if fault is None else pair("uscc", fault[0], shown=shown, **fault[1])


def _fault(code: str) -> tuple[str, dict] | None:
    """What is wrong with `code`, as the catalogue's `uscc` key and its values; None when nothing is."""
    if len(code) != LENGTH:
        return "length", {"length": len(code)}
    for position, c in enumerate(code, 1):
        if c not in _VALUE:
            return "character", {"character": repr(c), "position": position}
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return "check", {"expected": repr(expected), "found": repr(code[-1])}
    return None


def is_valid(code) -> bool:
    """The `uscc` format check; a value that is not a string is left to the schema's `type`."""
    # What _fault finds, without its messages: valid evidence is checked many times more often than not.
    if not isinstance(code, str):
        return True
    return len(code) == LENGTH and _VALUE.keys() >= set(code) and code[-1] == check_character(code[:-1])
