"""The syntax tree of a ruleset or library file, kept between runs in the user's cache folder (checker.cache).

Parsing is most of what loading a ruleset costs a fresh process: importing lark, loading its tables and
building its lexer take longer than everything else a `check` does. The tree of a file that parsed is
stored as JSON data and rebuilt here, only through the classes of `language.ast` with every field's value
checked against the field's declared type; nothing stored is ever executed. The entry's key is the file's
text with the grammar and the code that parses, builds and rebuilds trees (`code_digest`), so an edited
file or a changed carbon-check parses again. Only trees are kept: a file with a syntax error is parsed
every time, so its diagnostics are always lark's own. The check phase always runs on the rebuilt tree.
"""
from __future__ import annotations

import functools
import json
from dataclasses import MISSING
from decimal import Decimal
from pathlib import Path

from .. import cache
from ..language import ast
from ..language.diagnostics import Span
from ..resources import resource_dir

KIND = "syntax"
# Left out of an entry: the file's text (the caller has it) and what the check phase fills in later.
_LEFT_OUT = {"Module": {"source"}, "Expr": {"type", "ref"}}


def parse(source: str, filename: str, store: bool = True) -> ast.Module:
    """`language.parse.parse`, from the cache when this very text was parsed before by this very code.
    `store`: keep the tree if it had to be parsed (an editor's unsaved text, changing at every keystroke,
    is not kept)."""
    code = _code()
    entry = cache.key(code, source) if code else None
    if entry is not None:
        data = cache.read(KIND, entry, object_hook=functools.partial(_rebuild, filename))
        if isinstance(data, ast.Module):
            data.source = source
            return data
    from ..language.parse import parse as parse_text   # lark is imported only when a file is parsed
    module = parse_text(source, filename)
    if entry is not None and store:
        stored = _stored(module)
        if stored is not None and _rebuilds(stored, filename):
            cache.write(KIND, entry, stored)
    return module


@functools.lru_cache(maxsize=1)
def _code() -> str | None:
    """What the stored trees depend on besides the file: the grammar and the modules that make trees."""
    here = Path(__file__).parent
    try:
        return cache.code_digest(resource_dir("grammar") / "carbon.lark", here / "parse.py", here / "ast.py",
                                 here / "diagnostics.py", __file__)
    except OSError:   # an installation without its sources: no cache
        return None


# ------------------------------------------------------------------ storing

def _stored(module: ast.Module):
    """The tree as JSON data, or None if it holds anything a tree from the parser should not (then it is
    not cached)."""
    seen: set[int] = set()

    def value(item):
        if item is None or isinstance(item, (str, bool)):
            return item
        if isinstance(item, Decimal):
            return {"#": str(item)}
        if isinstance(item, list):
            return [value(i) for i in item]
        if isinstance(item, Span):
            return [item.line, item.column, item.end_line, item.end_column]
        if type(item).__name__ in _classes() and id(item) not in seen:   # a node shared by two parents is not
            seen.add(id(item))                                          # stored: it would come back as two
            if isinstance(item, ast.Expr) and (item.type is not None or item.ref is not None):
                raise ValueError("a checked tree")
            data = {"": type(item).__name__}
            for name in _fields(type(item)):
                data[name] = value(getattr(item, name))
            return data
        raise ValueError(type(item).__name__)

    try:
        return value(module)
    except (ValueError, RecursionError):
        return None


def _rebuilds(stored, filename: str) -> bool:
    """Whether the stored form comes back as a tree: what would be refused on reading is not written."""
    try:
        return isinstance(json.loads(json.dumps(stored), object_hook=functools.partial(_rebuild, filename)),
                          ast.Module)
    except (ValueError, TypeError):
        return False


# ------------------------------------------------------------------ rebuilding

def _rebuild(filename: str, data: dict):
    """One JSON object of an entry, rebuilt (json calls this innermost first): a Decimal, or a node of
    `language.ast` whose every field holds what the field's type allows. Anything else: ValueError."""
    if "#" in data:
        number = Decimal(data.pop("#")) if len(data) == 1 and isinstance(data["#"], str) else None
        if number is None or not number.is_finite():
            raise ValueError("not a number")
        return number
    cls = _classes().get(data.pop("", None))
    if cls is None:
        raise ValueError("not a node")
    values = {}
    for name, kinds, items, default, span in _specs(cls):
        item = data.pop(name, default)
        if item is _REQUIRED:
            raise ValueError(f"{cls.__name__}.{name} is missing")
        if span and type(item) is list:
            if len(item) != 4 or not all(type(n) is int for n in item):
                raise ValueError("not a span")
            item = Span(filename, *item)
        if not (isinstance(item, kinds) or items is not None and type(item) is list
                and all(isinstance(i, items) for i in item)):
            raise ValueError(f"{cls.__name__}.{name} cannot hold {type(item).__name__}")
        values[name] = item
    if data:
        raise ValueError(f"{cls.__name__} has no field {next(iter(data))}")
    if not issubclass(cls, ast.Node):
        return cls(**values)
    node = cls.__new__(cls)   # what Node.__init__ would do, with the fields already checked, in their order
    node.__dict__.update(values)
    return node


_REQUIRED = object()   # a field without a default (or with a default_factory): an entry must hold it


@functools.lru_cache(maxsize=1)
def _classes() -> dict[str, type]:
    """The classes a stored tree may be made of: the nodes of the syntax tree and their labels."""
    return {cls.__name__: cls for cls in vars(ast).values()
            if isinstance(cls, type) and cls.__module__ == ast.__name__ and (issubclass(cls, ast.Node)
                                                                            or cls is ast.Label)}


@functools.lru_cache(maxsize=None)
def _fields(cls: type) -> dict[str, tuple[tuple[type, ...], tuple[type, ...] | None]]:
    """Each stored field of `cls` → (the types its value may have, the types of a list's items if it may be
    a list), read from the field's annotation."""
    left_out = {name for base in cls.__mro__ for name in _LEFT_OUT.get(base.__name__, ())}
    return {f.name: _allowed(f.type, f.default is None) for f in ast.fields(cls) if f.init and f.name not in left_out}


@functools.lru_cache(maxsize=None)
def _specs(cls: type) -> tuple[tuple[str, tuple[type, ...], tuple[type, ...] | None, object, bool], ...]:
    """Every field of `cls` in order: (name, the types its value may have, those of a list's items, its value
    when the entry has none: the default or _REQUIRED, whether it is a span). A field left out of entries may
    only be its default."""
    stored = _fields(cls)
    specs = []
    for f in ast.fields(cls):
        default = _REQUIRED if f.default is MISSING else f.default
        kinds, items = stored[f.name] if f.name in stored else ((type(default),), None)
        specs.append((f.name, kinds, items, default, Span in kinds))
    return tuple(specs)


def _allowed(annotation: str, or_none: bool = False) -> tuple[tuple[type, ...], tuple[type, ...] | None]:
    """An annotation (`Label | None`, `list[Expr]`, `Any`…; text, as `from __future__ import annotations`
    leaves it) as isinstance() reads it; `or_none`: the field's default is None (`lower: Expr = None`).
    Read here rather than by typing.get_type_hints, which evaluates each annotation and costs more than
    rebuilding a whole tree."""
    kinds, items = [type(None)] if or_none else [], None
    depth, start, options = 0, 0, []
    for at, char in enumerate(annotation + "|"):   # the options, split where no bracket is open
        depth += (char == "[") - (char == "]")
        if char == "|" and depth == 0:
            options.append(annotation[start:at].strip())
            start = at + 1
    for option in options:
        if option.startswith("list[") and option.endswith("]"):
            items = _allowed(option[5:-1])[0]
        elif option == "Any":   # a row's key (a number or a text); an expression's type, None until checked
            kinds += [str, Decimal, type(None)]
        else:
            kinds.append(_NAMES.get(option) or _classes()[option])
    return tuple(kinds), items


_NAMES = {"None": type(None), "str": str, "bool": bool, "int": int, "Decimal": Decimal, "Span": Span}
