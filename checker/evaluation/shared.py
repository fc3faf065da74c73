"""Records every result of a ruleset holds (the tool, the ruleset's description, parameters left at their
defaults): made once, read-only, with their JSON text made once; and `owned`, the copy `Result.to_dict()` gives
of what results share."""
from __future__ import annotations

import orjson

from ..records import ReadOnly, frozen
from .numbers import json_at


def shared(data: dict) -> ReadOnly:
    """`data` made read-only, all the way down (lists become tuples), with its JSON text made once, where a
    result's top-level keys hold it (see `text_of`)."""
    text = orjson.Fragment(json_at(data, 1))
    data = frozen(data)
    if len(_SHARED) >= 64:
        _SHARED.clear()
    _SHARED[id(data)] = (data, text)
    return data


def text_of(data: dict | None) -> dict | orjson.Fragment | None:
    """The JSON text of a shared record, or the record itself if it is not one (orjson writes it)."""
    kept = _SHARED.get(id(data))
    return kept[1] if kept is not None and kept[0] is data else data


_SHARED: dict = {}  # by id: (shared record, its JSON text)


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
