"""Plain classes that behave as the @dataclass classes they replace, for the classes every command creates.

@dataclass compiles `__init__`, `__eq__` and `__repr__` (and, frozen, `__hash__`, `__setattr__` and
`__delattr__`) for each class it decorates: about 2 M instructions a class, 3.6 M a frozen one, which made
the three dozen of them a sixth of a fresh `carbon-check check`. A record class writes its own `__init__` (as
fast as the generated one) and takes `==`, repr and, frozen, hash and immutability from here. Its fields
are named in `__match_args__`, in order, as @dataclass named them there; `__compared__` names those compared,
hashed and shown, if not all.

And what every result of a loaded ruleset shares, read-only: `Shared` records (what an item is, a value it
reads) and `ReadOnly` dicts (its labels and cites, a grade's record, the tool, its description).
"""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from operator import attrgetter


class Record:
    """`==` and repr over the fields in `__compared__`; not hashable, as a mutable @dataclass."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()
    __compared__: tuple[str, ...] = ()
    __hash__ = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__compared__" not in cls.__dict__:
            cls.__compared__ = cls.__match_args__
        names = cls.__compared__
        # The compared values, read in C (types and units are compared often while a ruleset is checked): a
        # tuple of them, or the one value itself, which compares and hashes alike.
        cls.__values__ = attrgetter(*names) if names else staticmethod(lambda record: ())

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__values__(self) == self.__values__(other)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__compared__)
        return f"{type(self).__qualname__}({shown})"


class Frozen(Record):
    """A record whose fields are set once, in `__init__` (through `self.__dict__`), and hashed as a tuple."""

    __slots__ = ()

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self.__values__(self))


class Shared(Record):
    """A record every result of a loaded ruleset shares (what an item is, a value it reads): its fields are set
    once, when the ruleset is compiled (`settle`, from `__init__`), but those named in `__later__`, set once
    when first worked out (while None). Changing one through one result would change every later one."""

    __slots__ = ()
    __later__: tuple[str, ...] = ()

    def settle(self, *values) -> None:
        """Sets the fields named in `__match_args__`, in order, to `values`."""
        for name, value in zip(self.__match_args__, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        if name not in self.__later__ or getattr(self, name) is not None:
            raise AttributeError(_refusal())
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        raise AttributeError(_refusal())

    def __setstate__(self, state) -> None:
        """A copy's fields, set as `settle` sets them: (its __dict__, its slots) or its __dict__ alone."""
        for part in state if type(state) is tuple else (state,):
            for name, value in (part or {}).items():
                object.__setattr__(self, name, value)


def replace(record: Record, **changes) -> Record:
    """A copy of `record` with some fields changed (dataclasses.replace for records)."""
    unknown = set(changes) - set(record.__match_args__)
    if unknown:
        raise TypeError(f"{type(record).__qualname__} has no field {sorted(unknown)[0]!r}")
    return type(record)(**{**{n: getattr(record, n) for n in record.__match_args__}, **changes})


class ReadOnly(dict):
    """A dict that cannot be changed in place: the results of a loaded ruleset share it (a label, a cite, the
    record naming a grade, the tool), so changing it through one result would change every later one."""

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError(_refusal())

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):  # copies and pickles make it from a plain dict, not item by item
        return ReadOnly, (dict(self),)


def frozen(value):
    """JSON data made read-only all the way down: dicts become ReadOnly, lists tuples."""
    kind = type(value)
    if kind is dict:
        return ReadOnly({key: frozen(item) for key, item in value.items()})
    if kind is list:
        return tuple(map(frozen, value))
    return value


def _refusal() -> str:
    """Why a shared record is not changed, in en and zh: said to a program (its mistake, not bad input, so no
    CarbonCheckError)."""
    from .catalogue import pair  # imported here: only a refused change needs words
    return "\n".join(pair("record", "shared"))
