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
`x` (not a failed one) by `y`; `present(x)` is never unknown. A `let … when COND` whose condition is
false is OUTSIDE, a 0 that displays as "not applicable (outside the boundary)"; an unknown condition makes
the let unknown.
"""
from __future__ import annotations

from decimal import Decimal


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


class Outside(Decimal):
    """The value of a `let … when COND` whose condition does not hold: outside the accounting boundary, not
    applicable. It is 0 wherever it is read (a Decimal 0: `x + outside` is x, a sum counts it as 0, `x *
    outside` is 0, a division by it fails as any division by zero does, a comparison compares 0); only the
    let's own result and the displays of the values it is read as say "not applicable (outside the boundary)"."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OUTSIDE"

    # One value, compared by identity: copies and pickles (a batch's worker processes) are the same object.
    def __reduce__(self):
        return "OUTSIDE"

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


OUTSIDE = Outside(0)


def combine(*values) -> Missing | Failure:
    """The unknown that results from unknown operands: the first failure, or every missing pointer."""
    pointers: list[str] = []
    for value in values:
        if isinstance(value, Failure):
            return value
        if isinstance(value, Missing):
            pointers.extend(p for p in value.pointers if p not in pointers)
    return Missing(tuple(pointers))
