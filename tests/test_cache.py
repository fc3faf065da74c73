"""The user's cache (checker.cache): parsed rulesets and the message catalogue kept as JSON between runs.

A hit gives what a miss gives; an entry that is damaged, tampered with or made by another version is never
used; a changed file misses; nothing in the folder is executed.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from checker import __version__, cache, load_ruleset
from checker.catalogue import catalogue
from checker.evaluation.result import dumps
from checker.evaluation.ruleset import shipped_rulesets
from checker.evidence.load import parse_evidence
from checker.language import parse as parse_module
from checker.language import ast, treecache

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))
DATE = "2026-06-30"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """An empty cache folder of the test's own; the entries a process keeps in memory are forgotten."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(cache.DISABLE, raising=False)
    catalogue.cache_clear()
    yield tmp_path / "carbon-check"
    catalogue.cache_clear()


def entries(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.json"))


def tree(node):
    """Every field of a syntax tree, spans and source texts included (== on nodes leaves those out)."""
    if ast.described(node):
        return type(node).__name__, {f.name: tree(getattr(node, f.name)) for f in ast.fields(node)}
    if isinstance(node, list):
        return [tree(item) for item in node]
    return node


def results(rules, name: str) -> dict[str, bytes]:
    """The JSON result of every shipped example of the ruleset `name`."""
    out = {}
    for path in EXAMPLES:
        if path.parent.name == name:
            raw = path.read_bytes()
            out[path.name] = dumps(rules.evaluate(parse_evidence(raw), date=DATE, evidence_bytes=raw).to_dict())
    return out


@pytest.mark.parametrize("path", shipped_rulesets(), ids=lambda p: p.stem)
def test_a_hit_gives_what_a_miss_gives(path, cache_home, monkeypatch):
    missed = load_ruleset(path)
    assert entries(cache_home, "syntax")   # the ruleset and each library it imports
    expected = results(missed, path.stem)
    def refuse(source, filename):
        raise AssertionError(f"{filename} was parsed, not read from the cache")
    monkeypatch.setattr(parse_module, "parse", refuse)
    hit = load_ruleset(path)
    assert tree(hit.module) == tree(missed.module)
    assert hit.sha256 == missed.sha256 and hit.warnings == missed.warnings
    assert results(hit, path.stem) == expected
    assert expected or path.stem not in {p.parent.name for p in EXAMPLES}


def test_every_shipped_file_comes_back_whole(cache_home):
    """Rulesets and libraries alike: the rebuilt tree is the parsed one, field by field."""
    files = sorted((ROOT / "rulesets").rglob("*.rules"))
    assert len(files) > len(shipped_rulesets())   # the libraries too
    for file in files:
        text = file.read_text("utf-8")
        parsed = treecache.parse(text, file.name)
        assert tree(treecache.parse(text, file.name)) == tree(parsed) == tree(parse_module.parse(text, file.name))
    assert len(entries(cache_home, "syntax")) == len(files)


RULES = (ROOT / "rulesets" / "zero-carbon-factory.rules").read_text("utf-8")


def _damage(entry: Path, body: bytes, fix_digest: bool) -> None:
    """Replace an entry's data; with `fix_digest`, as a deliberate tamperer would, its digest too."""
    header = json.loads(entry.read_bytes().partition(b"\n")[0])
    if fix_digest:
        header["sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)


def _swap(stored: bytes, pattern: bytes, new: bytes) -> bytes:
    changed, count = re.subn(pattern, new, stored, count=1)
    assert count == 1
    return changed


TAMPERED = {
    "truncated": lambda body: body[: len(body) // 2],
    "not JSON": lambda body: b"\x00\xff not json",
    "a class outside the syntax tree": lambda body: _swap(body, rb'\{"":"Module"', b'{"":"Popen"'),
    "a name of the ast module that is no node": lambda body: _swap(body, rb'\{"":"Module"', b'{"":"pointer_of"'),
    "a field the node does not have": lambda body: _swap(body, rb'\{"":"Module",', b'{"":"Module","__class__":1,'),
    "a number that is not text": lambda body: _swap(body, rb'\{"#":"[^"]*"\}', b'{"#":1}'),
    "a number that is not finite": lambda body: _swap(body, rb'\{"#":"[^"]*"\}', b'{"#":"NaN"}'),
    "a span that is not numbers": lambda body: _swap(body, rb'"span":\[(\d+),', rb'"span":["\1",'),
    "a name that is not text": lambda body: _swap(body, rb'"name":"[^"]*"', b'"name":7'),
    "a field left out": lambda body: _swap(body, rb'"kind":"ruleset",', b''),
    "deeply nested": lambda body: b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("fix_digest", [False, True], ids=["damaged", "digest matching"])
@pytest.mark.parametrize("how", TAMPERED)
def test_a_damaged_or_tampered_entry_is_parsed_again(how, fix_digest, cache_home):
    expected = tree(parse_module.parse(RULES, "f.rules"))
    treecache.parse(RULES, "f.rules")
    (entry,) = entries(cache_home, "syntax")
    body = entry.read_bytes().partition(b"\n")[2]
    _damage(entry, TAMPERED[how](body), fix_digest)
    assert tree(treecache.parse(RULES, "f.rules", store=False)) == expected   # parsed again, no error
    assert tree(treecache.parse(RULES, "f.rules")) == expected   # and kept again, whole
    assert entry.read_bytes().partition(b"\n")[2] == body


def test_nothing_in_an_entry_is_executed(cache_home, tmp_path):
    """A class name or a value naming code is data: at worst a miss, never a call."""
    treecache.parse(RULES, "f.rules")
    (entry,) = entries(cache_home, "syntax")
    marker = tmp_path / "ran"
    for body in (b'{"":"__import__","name":"os"}',
                 json.dumps({"": "Module", "span": [1, 1, 1, 1], "header": {"py/object": "os.system",
                                                                            "args": [f"touch {marker}"]},
                             "declarations": []}).encode()):
        _damage(entry, body, fix_digest=True)
        assert tree(treecache.parse(RULES, "f.rules", store=False)) == tree(parse_module.parse(RULES, "f.rules"))
    assert not marker.exists()


def test_a_changed_file_or_version_misses(cache_home, monkeypatch):
    treecache.parse(RULES, "f.rules")
    assert len(entries(cache_home, "syntax")) == 1
    moved = RULES.replace("consumption, 100%)", "consumption, 99%)", 1)   # one bound moved: a file of its own
    assert moved != RULES
    assert "99%" in {node.text for node in treecache.parse(moved, "f.rules").walk() if hasattr(node, "text")}
    assert len(entries(cache_home, "syntax")) == 2
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    treecache._code.cache_clear()
    try:
        treecache.parse(RULES, "f.rules")
        assert len(entries(cache_home, "syntax")) == 3   # the other version's entry was not read
    finally:
        monkeypatch.setattr(cache, "__version__", __version__)
        treecache._code.cache_clear()


def test_the_same_text_under_another_name_keeps_its_own_name(cache_home):
    first = treecache.parse(RULES, "one/f.rules")
    second = treecache.parse(RULES, "other/f.rules")
    assert len(entries(cache_home, "syntax")) == 1
    assert {node.span.file for node in second.walk()} == {"other/f.rules"}
    assert {node.span.file for node in first.walk()} == {"one/f.rules"}


def test_the_cache_can_be_turned_off(cache_home, monkeypatch):
    monkeypatch.setenv(cache.DISABLE, "1")
    load_ruleset("zero-carbon-factory")
    catalogue(None)
    assert not cache_home.exists()


def test_an_editors_unsaved_text_is_not_kept(cache_home):
    load_ruleset(ROOT / "rulesets" / "zero-carbon-factory.rules", text=RULES + "\n# typing…\n")
    libraries = entries(cache_home, "syntax")   # the files it imports are kept
    load_ruleset(ROOT / "rulesets" / "zero-carbon-factory.rules")
    assert len(entries(cache_home, "syntax")) == len(libraries) + 1


def test_old_entries_are_pruned(cache_home, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for n in range(5):
        cache.write("probe", cache.key(str(n)), {"n": n})
        os.utime(cache_home / f"probe-{cache.key(str(n))}.json", (n, n))   # written in this order
    assert len(entries(cache_home, "probe")) == 3
    assert cache.read("probe", cache.key("4")) == {"n": 4} and cache.read("probe", cache.key("0")) is None


def test_the_catalogue_hit_is_the_catalogue(cache_home):
    read = catalogue(None)
    (entry,) = entries(cache_home, "catalogue")
    catalogue.cache_clear()
    assert catalogue(None) == read
    body = json.loads(entry.read_bytes().partition(b"\n")[2])
    body["gap"] = {"x": {"zh": 1, "en": "one"}}   # not a catalogue: every text must be one
    _damage(entry, json.dumps(body).encode(), fix_digest=True)
    catalogue.cache_clear()
    assert catalogue(None) == read


def test_a_warm_check_needs_no_parser_no_yaml_and_no_report_machinery(cache_home):
    """What makes a fresh `check --format json` fast: with the cache warm it imports none of these."""
    script = ("import sys\nfrom checker.interfaces.cli import main\n"
              "try:\n    main(['check', sys.argv[1], '--format', 'json'])\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in ('lark', 'yaml', 'jinja2', 'jsonschema', 'platformdirs') if m in sys.modules),"
              " file=sys.stderr)")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home.parent)}
    example = str(ROOT / "examples" / "zero-carbon-factory" / "four-stars.json")
    cold, warm = (subprocess.run([sys.executable, "-c", script, example], capture_output=True, env=env, timeout=120)
                  for _ in range(2))
    assert cold.stdout == warm.stdout and b'"outcome":"graded"' in warm.stdout.replace(b" ", b"")
    assert warm.stderr.strip() == b"[]", warm.stderr
