"""Records every result of a ruleset holds (the tool, the ruleset's description, parameters left at their
defaults): made once, read-only, with their JSON text made once; and `owned`, the copy `Result.to_dict()` gives
of what results share."""
from __future__ import annotations

import orjson

from .numbers import json_at


class ReadOnly(dict):
    """A dict that cannot be changed in place: changing one result's shared record would change every result's."""

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("a record every result of the ruleset shares cannot be changed: change a copy "
                        "(Result.to_dict() gives one)")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):  # copies and pickles make it from a plain dict, not item by item
        return ReadOnly, (dict(self),)


def shared(data: dict) -> ReadOnly:
    """`data` made read-only, all the way down (lists become tuples), with its JSON text made once, where a
    result's top-level keys hold it (see `text_of`)."""
    text = orjson.Fragment(json_at(data, 1))
    data = _frozen(data)
    if len(_SHARED) >= 64:
        _SHARED.clear()
    _SHARED[id(data)] = (data, text)
    return data


def text_of(data: dict | None) -> dict | orjson.Fragment | None:
    """The JSON text of a shared record, or the record itself if it is not one (orjson writes it)."""
    kept = _SHARED.get(id(data))
    return kept[1] if kept is not None and kept[0] is data else data


_SHARED: dict = {}  # by id: (shared record, its JSON text)


def _frozen(value):
    kind = type(value)
    if kind is dict:
        return ReadOnly({key: _frozen(item) for key, item in value.items()})
    if kind is list:
        return tuple(map(_frozen, value))
    return value


def owned(value):
    """A copy of JSON data in which every dict and list is new (and plain: a ReadOnly record, a tuple become a
    dict, a list), for a result's data that other results share (see Result.to_dict); anything else as it is."""
    kind = type(value)
    if kind is dict or kind is ReadOnly:
        copied = dict(value)  # copied whole, then what it holds in turn: most hold only texts (labels, cites)
        for key, item in copied.items():
            if type(item) in _CONTAINERS:
                copied[key] = owned(item)
        return copied
    if kind is list or kind is tuple:
        return [owned(item) if type(item) in _CONTAINERS else item for item in value]
    return value


_CONTAINERS = frozenset((dict, list, tuple, ReadOnly))
