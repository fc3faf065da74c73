"""Runtime values that are not values: missing evidence and explained failures.

Both flow through evaluation instead of raising, and end as statuses in the
Result. Truth table (K = unknown: missing or failed; a failure outranks a
missing value when both meet):

    a      b      a and b   a or b   not a
    true   true   true      true     false
    true   false  false     true     false
    true   K      K         true     false
    false  false  false     false    true
    false  K      false     K        true
    K      K      K         K        K

`any`/`all` over a list are `or`/`and` folded over its items (any of an
empty list is false, all of an empty list is true). Arithmetic and
comparisons with an unknown operand are unknown; `x ?? y` replaces a missing
`x` (not a failed one) by `y`; `present(x)` is never unknown.
"""
from __future__ import annotations


class Missing:
    """Evidence that was not provided; `pointers` say where it should be."""

    __slots__ = ("pointers",)

    def __init__(self, pointers: tuple[str, ...]):
        self.pointers = pointers

    def __repr__(self) -> str:
        return f"Missing({', '.join(self.pointers)})"


class Failure:
    """A value that cannot be computed, with the reason (e.g. a division by zero)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"Failure({self.message})"


UNKNOWN = (Missing, Failure)


def combine(*values) -> Missing | Failure:
    """The unknown that results from unknown operands: the first failure, or every missing pointer."""
    pointers: list[str] = []
    for value in values:
        if isinstance(value, Failure):
            return value
        if isinstance(value, Missing):
            pointers.extend(p for p in value.pointers if p not in pointers)
    return Missing(tuple(pointers))
