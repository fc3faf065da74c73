"""The message catalogue, templates/messages.yaml: every word carbon-check prints, in zh and en.

Read by every phase that writes words (the gap analysis, reports, the CLI), so it sits beside
`resources` rather than in the report module. A folder of custom templates may overlay single messages.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from . import cache
from .errors import ReportError
from .inputs import InputError, exists, read_file
from .resources import resource_dir

LANGS = ("zh", "en")
MESSAGES = "messages.yaml"


def messages(lang: str, template_dir: str | Path | None = None) -> dict[str, dict[str, str]]:
    """The message catalogue in `lang`, {group: {key: text}}: for reports and every other text printed.

    Shared and cached: read it, do not change it.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    return catalogue(None if template_dir is None else str(Path(template_dir).resolve()))[lang]


def both(group: str, key: str, /, **values) -> dict[str, str]:
    """One message in every language, filled: {"zh": …, "en": …}, as results record texts. A value may
    differ by language: {"zh": …, "en": …} (a kind of file, an operating system's reason)."""
    return {lang: fill(messages(lang)[group][key], **{name: value[lang] if isinstance(value, dict) else value
                                                      for name, value in values.items()})
            for lang in LANGS}


def pair(group: str, key: str, /, **values) -> tuple[str, str]:
    """`both` as (en, zh): the order of the errors and problems that carry a message in each language."""
    texts = both(group, key, **values)
    return texts["en"], texts["zh"]


@functools.lru_cache(maxsize=None)
def catalogue(folder: str | None) -> dict[str, dict]:
    """{lang: {group: {key: text}}}: the shipped catalogue, overlaid by the folder's own if it has one."""
    entries = _shipped(resource_dir("templates") / MESSAGES)
    if folder is not None and exists(Path(folder) / MESSAGES):
        for group, items in _read(Path(folder) / MESSAGES, within=folder).items():
            entries.setdefault(group, {}).update(items)
    return {lang: {group: {key: texts[lang] for key, texts in items.items()} for group, items in entries.items()}
            for lang in LANGS}


def _shipped(path: Path) -> dict:
    """The shipped catalogue. Read on every run, so it is kept in the user's cache as JSON (checker.cache),
    keyed by the file's bytes: reading the YAML, with PyYAML's import, costs more than the rest of a check's
    words. What comes from the cache is checked as the file is."""
    try:
        # Read directly, not with read_file: read_file's own messages come from it.
        data = path.read_bytes()
    except OSError as error:
        raise ReportError("unreadable", path=path, reason=error.strerror or error) from None
    entry = cache.key(cache.code_digest(__file__), data)
    kept = cache.read("catalogue", entry)
    if kept is not None:
        try:
            return _checked(kept, path)
        except ReportError:   # not what this file holds: read it again
            pass
    entries = _read(path, data=data)
    if json.loads(json.dumps(entries)) == entries:   # JSON gives it back as it is (texts for keys)
        cache.write("catalogue", entry, entries)
    return entries


def _read(path: Path, within: str | None = None, data: bytes | None = None) -> dict:
    """A catalogue file: the shipped one (its bytes `data`), or (`within` its folder) a custom folder's, read
    as untrusted."""
    import yaml   # only commands that print words need it, when the cache does not have them
    # The shipped catalogue: libyaml's build of the safe loader where PyYAML has it.
    # A custom one is a user's file: the bounded reader, confined to its folder, and aliases counted.
    if within is None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    else:
        from .safeyaml import BoundedLoader
        loader = BoundedLoader
    try:
        data = data if within is None else read_file(path, what="catalogue", within=within)
        data = yaml.load(data.decode("utf-8"), Loader=loader)  # noqa: S506 - both loaders are safe loaders
    except InputError as error:
        raise ReportError("unreadable", path=path, reason=error.reason) from None
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as error:
        raise ReportError("unreadable", path=path, reason=error) from None
    return _checked(data, path)


def _checked(data, path: Path) -> dict:
    """`data` if it is a catalogue: groups of keys, each with a text in every language."""
    if not isinstance(data, dict):
        raise ReportError("not_groups", path=path)
    for group, items in data.items():
        if hasattr(dict, str(group)):
            raise ReportError("group_name", path=path, group=repr(group))
        if not isinstance(items, dict):
            raise ReportError("not_keys", path=path, group=repr(group))
        for key, texts in items.items():
            if hasattr(dict, str(key)):  # `t.chart.values` would find the dict method, not the message
                raise ReportError("key_name", path=path, group=group, key=key)
            if not (isinstance(texts, dict) and all(isinstance(texts.get(lang), str) for lang in LANGS)):
                raise ReportError("not_texts", path=path, group=group, key=key, langs=", ".join(LANGS))
    return data


def fill(pattern: str, /, **values) -> str:
    """`{name}` in a catalogue text replaced by its value; nothing else (str.format could reach attributes)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
                  pattern)
