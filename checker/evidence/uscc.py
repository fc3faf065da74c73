"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

An evidence schema marks a credit code with `"format": "uscc"`; validation then
checks the 18 characters, the code's character set (the digits and the capital
letters other than I, O, S, V and Z) and the check digit, the 18th character.
The check digit makes the weighted sum of all 18 character values a multiple
of 31, the weight of position i being 3**i mod 31.
"""
from __future__ import annotations

LENGTH = 18
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"   # 31 characters: I, O, S, V and Z are not used
_VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))   # 1, 3, 9, 27, 19, 26, 16, …, 28


def check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are given (all from CHARSET)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def explain(code: str, shown: str) -> tuple[str, str] | None:
    """Why `code` is not a valid credit code, in English and Chinese, or None when it is.

    `shown` is the code as the message should quote it (escaped and truncated by the caller).
    """
    if len(code) != LENGTH:
        return (f"expected a unified social credit code of 18 characters (GB 32100), "
                f"found {len(code)} characters: {shown}",
                f"统一社会信用代码应为18位（GB 32100），实际为 {len(code)} 位：{shown}")
    for position, c in enumerate(code, 1):
        if c not in _VALUE:
            return (f"expected a unified social credit code of digits and capital letters other than I, O, S, V "
                    f"and Z (GB 32100), found {c!r} at position {position}: {shown}",
                    f"统一社会信用代码只能由数字和除 I、O、S、V、Z 以外的大写字母组成（GB 32100），"
                    f"第 {position} 位为 {c!r}：{shown}")
    expected = check_character(code[:-1])
    if code[-1] != expected:
        return (f"expected the check character {expected!r} at position 18 of the unified social credit code "
                f"(GB 32100), found {code[-1]!r}: {shown}",
                f"统一社会信用代码校验码错误（GB 32100）：第18位应为 {expected!r}，实际为 {code[-1]!r}：{shown}")
    return None


def is_valid(code) -> bool:
    """The `uscc` format check; a value that is not a string is left to the schema's `type`."""
    return not isinstance(code, str) or explain(code, "") is None
