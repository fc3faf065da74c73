"""The fast yes/no check (checker/evidence/fastcheck.py) and jsonschema agree on what is valid.

Valid evidence takes the fast path only, so a disagreement would let invalid evidence be scored (fast says
yes where jsonschema finds a problem) or print an empty problem list (fast says no where jsonschema finds
none). Every shipped schema is checked against its examples and thousands of mutations of them: each leaf
replaced by values of every kind and at the usual edges, each key removed, an unknown key added.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from checker import parse_evidence
from checker.evidence import load
from checker.evidence.fastcheck import compile_check
from conftest import replaced

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = sorted(p for p in (ROOT / "schemas").glob("*.schema.json") if p.name != "result.schema.json")

REPLACEMENTS = [None, True, False, "", " ", "x" * 300, "2024-02-30", "2024-02-29", "2023-02-29", "٢٠٢٤-٠١-٠١",
                Decimal("0"), Decimal("-1"), Decimal("0.5"), Decimal("1.0"), Decimal("1E+9"), Decimal("100"),
                Decimal("100.0001"), Decimal("-0.0001"), 1, 0, [], [Decimal("1")], {}, {"x": 1}, "CCER",
                "national", "type_i", "91110000100000000X", "ABCDEFGHIJKLMNOPQR"]


def leaves(node, path=()):
    """Every path into a document: objects' keys and arrays' indices, inner nodes included."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, path + (index,))


def mutations(document):
    for path in leaves(document):
        for value in REPLACEMENTS:
            yield replaced(document, path, value)
        if path:
            yield replaced(document, path, KeyError)
        target = document
        for step in path:
            target = target[step]
        if isinstance(target, dict):
            yield replaced(document, path, {**target, "unexpected_field": Decimal("1")})


def examples_for(schema_path: Path):
    folder = ROOT / "examples" / schema_path.name.removesuffix(".schema.json")
    return [parse_evidence(p.read_bytes(), str(p)) for p in sorted(folder.glob("*.json"))]


@pytest.mark.parametrize("schema_path", SCHEMAS, ids=lambda p: p.stem)
def test_every_shipped_schema_has_a_fast_check(schema_path):
    assert compile_check(load._decimalize(json.loads(schema_path.read_text(encoding="utf-8")))) is not None


@pytest.mark.parametrize("schema_path", SCHEMAS, ids=lambda p: p.stem)
def test_fast_check_agrees_with_jsonschema(schema_path):
    schema = load._decimalize(json.loads(schema_path.read_text(encoding="utf-8")))
    fast = compile_check(schema)
    full = load._validator_class()(schema, format_checker=load.format_checker())
    documents = examples_for(schema_path)[:2]   # the mutations of two examples reach every field
    assert documents, f"no examples for {schema_path.name}"
    checked = valid = 0
    for example in documents:
        for document in [example, *mutations(example)]:
            expected = not any(True for _ in full.iter_errors(document))
            assert fast(document) is expected, (schema_path.name, document)
            checked += 1
            valid += expected
    # The corpus must exercise both answers, or agreement would prove little.
    assert valid >= len(documents) and checked - valid > 10 * len(documents)


@pytest.mark.parametrize("schema_path", SCHEMAS, ids=lambda p: p.stem)
def test_the_generated_source_holds_no_value_from_the_schema(schema_path):
    # Names, keywords and operators only: every key, enum, pattern and bound reaches the code as a constant.
    import io
    import keyword
    import re
    import tokenize

    from checker.evidence import fastcheck
    schema = load._decimalize(json.loads(schema_path.read_text(encoding="utf-8")))
    source, constants = fastcheck.generate(schema)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    literals = [t.string for t in tokens if t.type in (tokenize.STRING, tokenize.NUMBER)]
    assert literals == []
    names = {t.string for t in tokens if t.type == tokenize.NAME}
    generated = {n for n in names if re.fullmatch(r"[cvf][0-9]+|check|build", n)}
    helpers = set(fastcheck._HELPERS) | {"get", "keys", "items", "issuperset"}
    assert names - generated - helpers <= set(keyword.kwlist), names - generated - helpers
    assert set(constants) <= generated and len(constants) > 10


def test_validate_evidence_lists_problems_only_where_the_fast_check_fails():
    schema = json.loads((ROOT / "schemas" / "zero-carbon-factory.schema.json").read_text(encoding="utf-8"))
    example = examples_for(ROOT / "schemas" / "zero-carbon-factory.schema.json")[0]
    assert load.validate_evidence(example, schema) == []
    broken = replaced(example, ("reporting_period",), "2024")
    problems = load.validate_evidence(broken, schema)
    assert [p.pointer for p in problems] == ["/reporting_period"]


def test_unknown_keywords_leave_the_whole_check_to_jsonschema():
    assert compile_check({"type": "object", "patternProperties": {"^x": {"type": "string"}}}) is None
    assert compile_check({"type": "string", "format": "email"}) is None
    assert compile_check({"$ref": "https://example.org/schema"}) is None


def test_recursive_local_references():
    schema = {"$defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}},
                                 "additionalProperties": False}},
              "$ref": "#/$defs/node"}
    check = compile_check(schema)
    assert check({"next": {"next": {}}})
    assert not check({"next": {"next": {"other": 1}}})


@pytest.mark.parametrize("ref, followed", [
    ("#/$defs/a~1b", True),          # `/` in a name is written ~1, as RFC 6901 says
    ("#/$defs/c~0d", True),          # and `~` is ~0
    ("#/$defs/missing", False),      # nothing there: jsonschema reports it
    ("#/$defs/bad~2", False),        # not a pointer
])
def test_local_references_are_read_as_json_pointers(ref, followed):
    schema = {"$defs": {"a/b": {"type": "string"}, "c~d": {"type": "string"}}, "$ref": ref}
    check = compile_check(schema)
    if followed:
        assert check("text") and not check(1)
    else:
        assert check is None


def test_repeated_loads_keep_a_bounded_number_of_schema_checks():
    import gc
    import tracemalloc

    from checker import load_ruleset
    example = examples_for(ROOT / "schemas" / "zero-carbon-factory.schema.json")[0]

    def load_and_validate():
        ruleset = load_ruleset("zero-carbon-factory")
        assert ruleset.validate(example) == []

    tracemalloc.start()   # before the first loads, so that what later loads free is counted
    for _ in range(20):   # caches of parsers and catalogues fill on the first loads
        load_and_validate()
    # What is kept, not what awaits the collector: a loaded ruleset holds cycles (closures), and when its
    # syntax tree comes from the cache a load allocates too little to set the collector off by itself.
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(60):
        load_and_validate()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(load._CHECKS) <= load._CHECKS_KEPT
    assert grown < 500_000, f"60 more loads kept {grown:,} bytes"
