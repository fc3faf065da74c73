"""JSON pointers (RFC 6901): written, read, followed and used to change a document, in one place.

Evidence problems, missing fields, the gap's advice, `check --set`, ruleset cases and batch ids all name a
place in a JSON document this way. Read by every phase, so it sits beside `resources`.
"""
from __future__ import annotations

import re

from .errors import CarbonCheckError, did_you_mean

TYPE_CHECKING = False
if TYPE_CHECKING:   # typing only for type checkers: importing it is a fortieth of a fresh check
    from typing import Any

_SURROGATE = re.compile(r"[\ud800-\udfff]")
DELETE = object()  # the value that removes the member or item instead of setting it


class PointerError(CarbonCheckError, ValueError):
    """A pointer that cannot be read, or cannot be followed or applied in a document; the message says why."""


def format_pointer(parts) -> str:
    """`("offsets", "credits", 0)` → `/offsets/credits/0`; `~` and `/` in a key escaped as `~0` and `~1`.

    Keys come from untrusted documents: a lone surrogate, which no output could encode, is shown as `\\udXXX`.
    """
    return "".join("/" + _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                        str(p).replace("~", "~0").replace("/", "~1")) for p in parts)


def parse_pointer(text: str) -> tuple[str, ...]:
    """`/a~1b/0` → `("a/b", "0")`; `""` is the whole document. Raises PointerError for anything else."""
    if text == "":
        return ()
    if not text.startswith("/"):
        raise PointerError(f"a JSON pointer starts with '/': {text!r}")
    if re.search(r"~(?![01])", text):
        raise PointerError(f"{text!r}: '~' is written '~0' in a JSON pointer, and '/' is '~1'")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/"))


def index(token, items: list, where: str, *, append: bool = False) -> int:
    """The list index a token names; with `append`, `-` or the length itself names the place after the last
    item (as JSON Patch's `add` does). PointerError if it names none."""
    if isinstance(token, int) and not isinstance(token, bool):
        number = token
    elif append and token == "-":
        return len(items)
    elif isinstance(token, str) and token.isascii() and token.isdigit() and (token == "0" or token[0] != "0"):
        number = int(token)
    else:  # `²` is a digit to str.isdigit, and `01` is not how RFC 6901 writes an index
        raise PointerError(f"{token!r} is not an index of the list at {where or '/'}")
    if not 0 <= number < len(items) + append:
        raise PointerError(f"the list at {where or '/'} has {len(items)} item{'s' * (len(items) != 1)}, "
                           f"no index {number}")
    return number


def get(document, parts) -> Any:
    """The value at `parts`, or None when the document has nothing there."""
    node = document
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list):
            try:
                node = node[index(part, node, "")]
            except PointerError:
                return None
        else:
            return None
    return node


def patched(document, parts, value) -> Any:
    """A copy of `document` with `value` at `parts` (DELETE removes it); the original is left as it was.

    Only the containers on the path are copied. Objects missing on the way are created when setting;
    `-` (or the list's length) appends to a list. Anything else that cannot be done raises PointerError
    naming the place.
    """
    return _patched(document, tuple(parts), value, ())


def _patched(node, parts: tuple, value, done: tuple):
    """`done`: the parts followed so far, written out only for an error (the gap patches evidence often)."""
    if not parts:
        return value
    key, rest = parts[0], parts[1:]
    where = (*done, key)
    if isinstance(node, list):
        if type(key) is int and 0 <= key < len(node):
            position = key
        else:
            position = index(key, node, format_pointer(done), append=value is not DELETE and not rest)
        if not rest:
            if value is DELETE:
                return node[:position] + node[position + 1:]
            return [*node[:position], value, *node[position + 1:]] if position < len(node) else [*node, value]
        return [*node[:position], _patched(node[position], rest, value, where), *node[position + 1:]]
    if node is None and value is not DELETE:
        node = {}  # a field inside an object the document does not have yet: create it
    if not isinstance(node, dict):
        at = format_pointer(done)
        if node is None:
            raise PointerError(f"nothing at {at or '/'} to delete from")
        raise PointerError(f"{at or '/'} is not an object or a list")
    key = str(key)
    copy = dict(node)
    if rest:
        copy[key] = _patched(node.get(key), rest, value, where)
    elif value is not DELETE:
        copy[key] = value
    elif key in copy:
        del copy[key]
    else:
        hint = did_you_mean(key, copy)
        at = format_pointer(done)
        raise PointerError(f"nothing to delete: no member {key!r}" + (f" at {at}" if at else "")
                           + (f" ({hint})" if hint else ""))
    return copy
