"""Tests for checker.evidence.load: strict loading of untrusted evidence and schema validation."""
from __future__ import annotations

import copy
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from checker.evidence.load import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    EvidenceError,
    Problem,
    check_evidence,
    load_evidence,
    parse_evidence,
    validate_evidence,
)

DATA = Path(__file__).parent / "data" / "evidence"


def problems_of(data: bytes, **kwargs) -> list[Problem]:
    with pytest.raises(EvidenceError) as info:
        parse_evidence(data, "ev.json", **kwargs)
    assert info.value.source == "ev.json"
    return info.value.problems


def only_problem(data: bytes, **kwargs) -> Problem:
    problems = problems_of(data, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


# ------------------------------------------------------------ strict loading

# (id, input bytes, pointer, line, column, exact English message)
LOAD_CASES = [
    ("empty", b"", "", None, None, "expected a JSON object, found an empty file"),
    ("whitespace", b" \r\n\t \n", "", None, None, "expected a JSON object, found an empty file"),
    ("not-utf8", b'{"a":\n  "M\xfcller"}', "", 2, 5,
     "expected UTF-8 text, found the invalid byte 0xfc at byte offset 10"),
    ("not-utf8-after-bom", b'\xef\xbb\xbf{"a": "\xff"}', "", 1, 8,
     "expected UTF-8 text, found the invalid byte 0xff at byte offset 10"),
    ("syntax-trailing-comma", b'{"a": 1,\n "b": 2,\n}', "", 3, 1,
     "expected valid JSON, found a syntax error: Expecting property name enclosed in double quotes"),
    ("syntax-missing-comma", b'{"a": 1\n "b": 2}', "", 2, 2,
     "expected valid JSON, found a syntax error: Expecting ',' delimiter"),
    ("syntax-extra-data", b'{"a": 1} {}', "", 1, 10, "expected valid JSON, found a syntax error: Extra data"),
    ("syntax-unterminated", b'{"a": "abc', "", 1, 7,
     "expected valid JSON, found a syntax error: Unterminated string starting at"),
    ("nan", b'{"a": NaN}', "/a", 1, 7, "expected a finite number, found NaN"),
    ("infinity", b'{"a": {"b": [1,\n Infinity]}}', "/a/b/1", 2, 2, "expected a finite number, found Infinity"),
    ("minus-infinity", b'{"x": "NaN", "a": -Infinity}', "/a", 1, 19, "expected a finite number, found -Infinity"),
    ("duplicate-key", b'{"a": 1, "a": 2}', "", None, None, "expected unique keys in the object, found key 'a' 2 times"),
    ("duplicate-nested", b'{"o": [{"k/~": 1, "k/~": 2, "k/~": 3}]}', "/o/0", None, None,
     "expected unique keys in the object, found key 'k/~' 3 times"),
    ("huge-exponent", b'{"a": 1e400}', "/a", None, None,
     "expected a number with a decimal exponent between -100 and 100, found exponent 400"),
    ("tiny-exponent", b'{"a": [2.5E-101]}', "/a/0", None, None,
     "expected a number with a decimal exponent between -100 and 100, found exponent -101"),
    ("too-many-digits", b'{"a": ' + b"1" * 41 + b"}", "/a", None, None,
     "expected a number of at most 40 significant digits, found 41 digits"),
    ("too-many-decimals", b'{"a": 0.' + b"1" * 41 + b"}", "/a", None, None,
     "expected a number of at most 40 significant digits, found 41 digits"),
    ("pathological-int", b'{"a": ' + b"9" * 100_000 + b"}", "/a", None, None,
     "expected a number of at most 40 significant digits, found a number 100000 characters long"),
    ("lone-surrogate", b'{"name": "ab\\ud800"}', "/name", None, None,
     "expected a string of valid Unicode text, found 'ab\\ud800' containing an unpaired surrogate"),
    ("lone-surrogate-key", b'{"x": {"\\udc00": 1}}', "/x/\\udc00", None, None,
     "expected an object key of valid Unicode text, found the key '\\udc00' containing an unpaired surrogate"),
    ("top-level-array", b"[1, 2]", "", None, None, "the evidence must be a JSON object, found an array"),
    ("top-level-string", b'"hello"', "", None, None, "the evidence must be a JSON object, found the string 'hello'"),
    ("top-level-number", b"42", "", None, None, "the evidence must be a JSON object, found the number 42"),
    ("top-level-null", b"null", "", None, None, "the evidence must be a JSON object, found null"),
    ("too-deep", b'{"a":' + b"[" * 64 + b"]" * 64 + b"}", "", 1, 69,
     "expected arrays/objects nested at most 64 levels deep, found deeper nesting"),
    ("too-deep-second-line", b'{"s": "[[[[",\n "a": [[[{"b": [[]]}]]]}', "", 2, 17,
     "expected arrays/objects nested at most 6 levels deep, found deeper nesting"),
]


CASE_OPTIONS = {"too-deep-second-line": {"max_depth": 6}}


@pytest.mark.parametrize("case, data, pointer, line, column, message", LOAD_CASES, ids=[c[0] for c in LOAD_CASES])
def test_strict_loading_rejects(case, data, pointer, line, column, message):
    problem = only_problem(data, **CASE_OPTIONS.get(case, {}))
    assert (problem.pointer, problem.line, problem.column, problem.message_en) == (pointer, line, column, message)
    assert problem.message_zh and problem.message_zh != problem.message_en
    assert problem.message("zh") == problem.message_zh and problem.message("en") == message


def test_every_problem_has_chinese_text():
    for case, data, *_ in LOAD_CASES:
        for p in problems_of(data, **CASE_OPTIONS.get(case, {})):
            assert any("\u4e00" <= c <= "\u9fff" for c in p.message_zh), p


def test_chinese_messages_examples():
    assert only_problem(b"").message_zh == "应为 JSON 对象，实际文件为空"
    assert only_problem(b'{"a": 1,}').message_zh == "应为合法的 JSON，实际存在语法错误：此处应为用双引号括起的属性名"
    assert only_problem(b'{"a": NaN}').message_zh == "应为有限的数字，实际为 NaN"
    assert only_problem(b"[]").message_zh == "证据必须是 JSON 对象，实际为数组"


def test_all_post_pass_problems_reported_in_document_order():
    data = b'{"a": NaN, "a": 1e999, "b": [Infinity, "\\udfff"], "c": {"d": 1, "d": 2}}'
    problems = problems_of(data)
    assert [(p.pointer, p.line, p.column) for p in problems] == [
        ("", None, None), ("/a", 1, 7), ("/a", None, None), ("/b/0", 1, 30), ("/b/1", None, None), ("/c", None, None)]
    assert problems[0].message_en == "expected unique keys in the object, found key 'a' 2 times"
    assert problems[-1].message_en == "expected unique keys in the object, found key 'd' 2 times"


def test_top_level_scalar_and_bad_number_both_reported():
    problems = problems_of(b"[NaN]")
    assert [p.message_en for p in problems] == [
        "the evidence must be a JSON object, found an array", "expected a finite number, found NaN"]


def test_thousand_deep_nesting_is_a_clean_problem():
    problem = only_problem(b"[" * 1000 + b"]" * 1000)
    assert problem.line == 1 and problem.column == DEFAULT_MAX_DEPTH + 1
    deep_objects = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    assert only_problem(deep_objects).message_en.startswith("expected arrays/objects nested at most 64")


def test_depth_limit_is_configurable_and_inclusive():
    assert parse_evidence(b'{"a": [[]]}', max_depth=3) == {"a": [[]]}
    assert only_problem(b'{"a": [[]]}', max_depth=2).column == 8


def test_brackets_inside_strings_do_not_count_towards_depth():
    data = b'{"s": "' + b"[{" * 500 + b'\\"[["}'
    assert parse_evidence(data)["s"] == "[{" * 500 + '"[['


def test_size_limit_in_parse():
    problem = only_problem(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50)
    assert problem.message_en == "expected a file of at most 50 bytes, found 109 bytes"


def test_bom_is_accepted_and_stripped():
    assert parse_evidence(b'\xef\xbb\xbf{"a": 1}') == {"a": Decimal("1")}


def test_surrogate_pairs_are_fine():
    assert parse_evidence(b'{"e": "\\ud83d\\ude00"}') == {"e": "\U0001F600"}


def test_numbers_are_exact_decimals():
    evidence = parse_evidence(b'{"a": 0.1, "b": 0.2, "c": 0.3, "n": 12345678901234567890123, "z": -0.0}')
    assert all(isinstance(v, Decimal) for v in evidence.values())
    assert evidence["a"] + evidence["b"] == evidence["c"]
    assert evidence["n"] == Decimal("12345678901234567890123")
    assert str(evidence["a"]) == "0.1"


def test_numbers_at_the_limits_are_accepted():
    evidence = parse_evidence(b'{"a": ' + b"9" * 40 + b', "b": 1e100, "c": 1e-100}')
    assert evidence["b"] == Decimal("1e100") and len(evidence["a"].as_tuple().digits) == 40


# Numbers at and beyond each limit, written every way JSON allows: the quick read must take exactly the
# ones the full read accepts, with the same Decimal (1.0 stays 1.0, -0 stays -0).
EDGE_NUMBERS = [b"0", b"-0", b"0.0", b"-0.000", b"1.0", b"1.50", b"2e3", b"2E+3", b"2.5e-3", b"1e100", b"1e101",
                b"1e-100", b"1e-101", b"9.99e100", b"0.001e-98", b"0.001e-99", b"1" * 40, b"1" * 41, b"-" + b"1" * 40,
                b"-" + b"1" * 41, b"0." + b"1" * 38, b"0." + b"1" * 39, b"0." + b"1" * 40, b"0." + b"0" * 39,
                b"0." + b"0" * 99 + b"1", b"1" + b"0" * 100, b"1" * 40 + b"e60", b"1" * 40 + b"e61",
                b"1e999999999999999999999", b"NaN", b"-Infinity",
                # zeros and tiny numbers at the exponent's limits (the quick read leaves 1e-62 … 1e-100 to the full)
                b"0e100", b"0e101", b"0E+150", b"0e-100", b"0e-101", b"-0.0e-120", b"0e-139", b"0e-140",
                b"1e-61", b"1e-62", b"-2.5e-70", b"9" * 40 + b"e-61", b"1" * 40 + b"e-100", b"0." + b"0" * 60 + b"1"]


def _exactly(node):
    """A value with every Decimal as its text and every type named, so that 1.0 and 1.00 differ."""
    if isinstance(node, dict):
        return ("dict", [(k, _exactly(v)) for k, v in node.items()])
    if isinstance(node, list):
        return ("list", [_exactly(v) for v in node])
    return (type(node).__name__, str(node))


def _quick_read_corpus():
    yield from (data for _, data, *_ in LOAD_CASES)
    for number in EDGE_NUMBERS:
        yield b'{"a": ' + number + b"}"
        yield b'{"a": [{"b": ' + number + b', "c": "\\u00e9:"}]}'
    yield from (b'{"a": 1, "b": {"c": "x", "c": "x"}}', b'{"k": "v", "k2": {"k": 1}}', b'{"s": "\\ud83d\\ude00"}',
                b'{"a": "x:y", "b": "\\u003a", "c": []}', b'\xef\xbb\xbf\xef\xbb\xbf{}', b" {} ", b"{}\n\n")
    examples = Path(__file__).resolve().parent.parent / "examples"
    yield from (path.read_bytes() for path in sorted(examples.glob("*/*.json")))


def test_the_quick_read_takes_only_what_the_full_read_accepts():
    from checker.evidence.load import _full_parse, _quick_parse
    quick = 0
    for data in _quick_read_corpus():
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:   # refused before either read
            continue
        fast = _quick_parse(text)
        try:
            full = _full_parse(text, "ev.json")
        except EvidenceError:
            assert fast is None, data
            continue
        if fast is not None:
            quick += 1
            assert _exactly(fast) == _exactly(full), data
    # Every clean example takes the quick read, or the quick read would be dead code.
    examples = [p.read_bytes() for p in sorted((Path(__file__).resolve().parent.parent / "examples").glob("*/*.json"))]
    assert all(_quick_parse(data.decode("utf-8")) is not None for data in examples)
    assert quick > len(examples) + len(EDGE_NUMBERS)


def test_render_formats():
    err = EvidenceError("application.json", [
        Problem("/a~1b/0", "bad", "坏", 3, 17),
        Problem("", "whole", "整体"),
        Problem("/x", "line only", "仅行", 4),
        Problem("/k\nfake", "control chars in keys are escaped", "转义"),
    ])
    assert err.render() == (
        "application.json:3:17: /a~1b/0: bad\n"
        "application.json: (document): whole\n"
        "application.json:4: /x: line only\n"
        "application.json: /k\\nfake: control chars in keys are escaped")
    assert err.render("zh").splitlines()[0] == "application.json:3:17: /a~1b/0: 坏"
    assert str(err) == err.render()


def test_untrusted_strings_are_quoted_and_truncated():
    long_value = "A" * 100 + "\u202e\n"
    problems = validate_evidence({"s": long_value}, {"properties": {"s": {"maxLength": 5}}})
    assert problems[0].message_en == (
        f"expected a string of at most 5 characters, found 102 characters: '{'A' * 60}'…")
    problems = validate_evidence({"s": "x\u202e\n"}, {"properties": {"s": {"const": "y"}}})
    assert problems[0].message_en == "expected 'y', found 'x\\u202e\\n'"


# ------------------------------------------------------------ load_evidence (files)

def test_load_valid_fixture_returns_object_and_raw_bytes():
    path = DATA / "valid.json"
    evidence, raw = load_evidence(path)
    assert raw == path.read_bytes()
    assert evidence["factory"] == "上海工厂"
    assert evidence["emissions"]["sources"][0]["co2e"] == Decimal("0.1")


def test_load_bom_fixture():
    evidence, raw = load_evidence(DATA / "bom.json")
    assert raw.startswith(b"\xef\xbb\xbf") and evidence == {"factory": "Acme", "co2e": Decimal("12.5")}


@pytest.mark.parametrize("name, line, column, message", [
    ("latin1.json", 2, 16, "expected UTF-8 text, found the invalid byte 0xfc at byte offset 17"),
    ("truncated_utf8.json", 1, 14, "expected UTF-8 text, found the invalid byte 0xe5 at byte offset 13"),
])
def test_load_non_utf8_fixtures(name, line, column, message):
    path = DATA / name
    with pytest.raises(EvidenceError) as info:
        load_evidence(path)
    (problem,) = info.value.problems
    assert info.value.source == str(path)
    assert (problem.line, problem.column, problem.message_en) == (line, column, message)
    assert info.value.render() == f"{path}:{line}:{column}: (document): {message}"


def load_problem(path, **kwargs) -> Problem:
    with pytest.raises(EvidenceError) as info:
        load_evidence(path, **kwargs)
    assert info.value.source == str(path)
    (problem,) = info.value.problems
    return problem


def test_load_missing_file(tmp_path):
    problem = load_problem(tmp_path / "nope.json")
    assert problem.message_en == "expected an evidence file, found nothing at this path"
    assert problem.message_zh == "应为证据文件，但该路径下不存在文件"


def test_load_directory(tmp_path):
    assert load_problem(tmp_path).message_en == "expected an evidence file, found a directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_load_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert load_problem(fifo).message_en == "expected a regular file, found a special file"


def test_load_too_large_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_bytes(b'{"a": "' + b"x" * 2000 + b'"}')

    def no_open(*args, **kwargs):
        raise AssertionError("the file must not be opened")
    monkeypatch.setattr("builtins.open", no_open)
    problem = load_problem(path, max_bytes=1000)
    assert problem.message_en == "expected a file of at most 1000 bytes, found 2009 bytes"


def test_load_uses_parse_rules(tmp_path):
    path = tmp_path / "dup.json"
    path.write_bytes(b'{"a": 1, "a": 1}')
    assert load_problem(path).message_en == "expected unique keys in the object, found key 'a' 2 times"
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024 and DEFAULT_MAX_DEPTH == 64


# ------------------------------------------------------------ validation

SCHEMA = {
    "type": "object",
    "required": ["factory", "period", "emissions"],
    "additionalProperties": False,
    "properties": {
        "factory": {"type": "string", "minLength": 2, "pattern": "^[^0-9]"},
        "period": {"type": "string", "format": "date"},
        "status": {"enum": ["draft", "final"]},
        "version": {"const": 2},
        "emissions": {
            "type": "object",
            "required": ["sources"],
            "properties": {
                "sources": {
                    "type": "array", "minItems": 1, "maxItems": 5, "uniqueItems": True,
                    "items": {
                        "type": "object",
                        "required": ["name", "co2e"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "maxLength": 10},
                            "co2e": {"type": "number", "minimum": 0, "maximum": 1000},
                            "share": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                            "count": {"type": "integer"},
                            "qty": {"type": "number", "multipleOf": 0.5},
                            "unit": {"anyOf": [{"const": "t"}, {"const": "kg"}]},
                        },
                    },
                },
            },
        },
    },
}


def ev(text: str) -> dict:
    return parse_evidence(text.encode())


GOOD = ('{"factory": "Acme", "period": "2024-06-30", "status": "final", "version": 2,'
        ' "emissions": {"sources": [{"name": "boiler", "co2e": 0.1, "share": 0.5, "count": 3}]}}')


def test_valid_evidence_has_no_problems():
    assert validate_evidence(ev(GOOD), SCHEMA) == []
    check_evidence(ev(GOOD), SCHEMA, "good.json")


def test_all_errors_reported_at_once_sorted_by_pointer():
    evidence = ev('{"factory": "9", "period": "2024-13-45", "status": "lost", "version": 3, "extra": true,'
                  ' "emissions": {"sources": [{"name": "a", "co2e": 1}, {"name": "b", "co2e": 2},'
                  ' {"name": "c", "co2e": 3}, {"name": "d", "co2e": -0.5, "zz": 1, "yy": 2}]}}')
    got = [(p.pointer, p.message_en) for p in validate_evidence(evidence, SCHEMA)]
    assert got == [
        ("/emissions/sources/3/co2e", "expected a number greater than or equal to 0, found -0.5"),
        ("/emissions/sources/3/yy",
         "expected only the properties 'name', 'co2e', 'share', 'count', 'qty', 'unit' here, found 'yy'"),
        ("/emissions/sources/3/zz",
         "expected only the properties 'name', 'co2e', 'share', 'count', 'qty', 'unit' here, found 'zz'"),
        ("/extra", "expected only the properties 'factory', 'period', 'status', 'version', 'emissions' here, "
                   "found 'extra'"),
        ("/factory", "expected a string matching the pattern '^[^0-9]', found '9'"),
        ("/factory", "expected a string of at least 2 characters, found 1 characters: '9'"),
        ("/period", "expected a string in the format 'date', found '2024-13-45'"),
        ("/status", "expected one of 'draft', 'final', found 'lost'"),
        ("/version", "expected 2, found 3"),
    ]


def test_validation_is_deterministic():
    evidence = ev('{"zz": 1, "aa": 2, "emissions": {"sources": []}}')
    first = validate_evidence(evidence, SCHEMA)
    assert all(validate_evidence(copy.deepcopy(evidence), SCHEMA) == first for _ in range(5))


def test_array_indices_sort_numerically():
    sources = ",".join('{"name": "s%d", "co2e": %s}' % (i, "-1" if i in (2, 10) else "1") for i in range(11))
    schema = {"properties": {"s": {"items": {"properties": {"co2e": {"minimum": 0}}}}}}
    pointers = [p.pointer for p in validate_evidence(ev('{"s": [%s]}' % sources), schema)]
    assert pointers == ["/s/2/co2e", "/s/10/co2e"]


def test_required_property_pointers():
    problems = validate_evidence(ev('{"emissions": {"sources": [{"co2e": 1}]}}'), SCHEMA)
    assert [(p.pointer, p.message_en, p.message_zh) for p in problems] == [
        ("/emissions/sources/0/name", "required property is missing", "缺少必填属性"),
        ("/factory", "required property is missing", "缺少必填属性"),
        ("/period", "required property is missing", "缺少必填属性"),
    ]


def test_pointer_escaping_of_property_names():
    problems = validate_evidence({"a/b": {"c~d": "x"}}, {"properties": {"a/b": {"additionalProperties": False}}})
    assert [p.pointer for p in problems] == ["/a~1b/c~0d"]
    assert problems[0].message_en == "expected only the properties none here, found 'c~d'"


@pytest.mark.parametrize("source_json, pointer, message", [
    ('{"name": "x", "co2e": 1000.0000000001}', "/co2e",
     "expected a number less than or equal to 1000, found 1000.0000000001"),
    ('{"name": "x", "co2e": "12"}', "/co2e", "expected a number, found the string '12'"),
    ('{"name": "x", "co2e": true}', "/co2e", "expected a number, found true"),
    ('{"name": "x", "co2e": [1]}', "/co2e", "expected a number, found an array"),
    ('{"name": "x", "co2e": 1, "share": 0}', "/share", "expected a number greater than 0, found 0"),
    ('{"name": "x", "co2e": 1, "share": 1E+0}', "/share", "expected a number less than 1, found 1"),
    ('{"name": "x", "co2e": 1, "count": 2.5}', "/count", "expected an integer, found the number 2.5"),
    ('{"name": "x", "co2e": 1, "qty": 1' + "0" * 69 + '.25}', "/qty",
     "expected a multiple of 0.5, found 1" + "0" * 59 + "…"),
    ('{"name": "x", "co2e": 1, "qty": 1' + "0" * 69 + '.5}', None, None),
    ('{"name": "x", "co2e": 1, "unit": "lb"}', "/unit", "expected one of 't', 'kg', found 'lb'"),
    ('{"name": "abcdefghijk", "co2e": 1}', "/name",
     "expected a string of at most 10 characters, found 11 characters: 'abcdefghijk'"),
])
def test_keyword_messages(source_json, pointer, message):
    schema = SCHEMA["properties"]["emissions"]["properties"]["sources"]["items"]
    problems = validate_evidence(_loose(source_json), schema)
    assert [(p.pointer, p.message_en) for p in problems] == ([(pointer, message)] if pointer else [])


def _loose(text: str) -> dict:
    # Bypass the load-time number bounds so validation of extreme values can be exercised.
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def test_array_keywords():
    schema = SCHEMA["properties"]["emissions"]
    assert [p.message_en for p in validate_evidence(ev('{"sources": []}'), schema)] == [
        "expected an array of at least 1 items, found 0 items"]
    six = ",".join('{"name": "s%d", "co2e": 1}' % i for i in range(6))
    assert [p.message_en for p in validate_evidence(ev('{"sources": [%s]}' % six), schema)] == [
        "expected an array of at most 5 items, found 6 items"]
    twice = '{"sources": [{"name": "a", "co2e": 1.0}, {"name": "a", "co2e": 1}]}'
    assert [(p.pointer, p.message_en) for p in validate_evidence(ev(twice), schema)] == [
        ("/sources", "expected array items to be unique, found repeated items")]


def test_decimal_minimum_is_exact():
    schema = {"properties": {"v": {"minimum": 0.1}, "w": {"maximum": 0.3}}}
    assert validate_evidence(ev('{"v": 0.1, "w": 0.3}'), schema) == []
    problems = validate_evidence(ev('{"v": 0.09999999999999999999, "w": 0.30000000000000000001}'), schema)
    assert [(p.pointer, p.message_en) for p in problems] == [
        ("/v", "expected a number greater than or equal to 0.1, found 0.09999999999999999999"),
        ("/w", "expected a number less than or equal to 0.3, found 0.30000000000000000001"),
    ]
    assert problems[0].message_zh == "应为大于或等于 0.1 的数字，实际为 0.09999999999999999999"


def test_decimal_integer_semantics():
    schema = {"properties": {"n": {"type": "integer"}}}
    assert validate_evidence(ev('{"n": 1.0}'), schema) == []      # zero fractional part counts as integer
    assert validate_evidence(ev('{"n": 10E+2}'), schema) == []
    assert [p.message_en for p in validate_evidence(ev('{"n": 1.5}'), schema)] == [
        "expected an integer, found the number 1.5"]
    assert [p.message_en for p in validate_evidence(ev('{"n": true}'), schema)] == ["expected an integer, found true"]


def test_multiple_of_is_exact():
    schema = {"properties": {"v": {"multipleOf": 0.01}}}
    assert validate_evidence(ev('{"v": 19.99}'), schema) == []
    assert [p.message_en for p in validate_evidence(ev('{"v": 19.999}'), schema)] == [
        "expected a multiple of 0.01, found 19.999"]


@pytest.mark.parametrize("value, ok", [
    ("2024-02-29", True), ("2024-13-45", False), ("2023-02-29", False), ("2024-1-5", False), ("24-01-05", False),
])
def test_date_format_really_checked(value, ok):
    problems = validate_evidence({"d": value}, {"properties": {"d": {"format": "date"}}})
    assert (problems == []) is ok
    if not ok:
        assert problems[0].message_en == f"expected a string in the format 'date', found '{value}'"


def test_type_union_and_fallback_messages():
    problems = validate_evidence({"a": 1.5, "b": [1, 2]}, {"properties": {
        "a": {"type": ["string", "null"]}, "b": {"contains": {"type": "string"}}}})
    assert [(p.pointer, p.message_en) for p in problems] == [
        ("/a", "expected a string or null, found the number 1.5"),
        ("/b", "[1, 2] does not contain items matching the given schema"),
    ]
    assert problems[0].message_zh == "应为字符串或null，实际为数字 1.5"
    assert problems[1].message_zh.startswith("不满足模式约束 contains：")


def test_one_of_reports_best_sub_error():
    schema = {"properties": {"u": {"oneOf": [{"type": "string", "enum": ["t", "kg"]}, {"type": "integer"}]}}}
    problems = validate_evidence({"u": "lb"}, schema)
    assert [(p.pointer, p.message_en) for p in problems] == [("/u", "expected one of 't', 'kg', found 'lb'")]


def test_any_of_without_a_clear_best_branch_is_summarised():
    schema = {"properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}
    problems = validate_evidence({"v": [1]}, schema)
    assert [(p.pointer, p.message_en) for p in problems] == [
        ("/v", "expected a value matching one of the allowed alternatives (anyOf), found an array")]
    assert problems[0].message_zh == "应符合允许的备选模式之一（anyOf），实际为数组"


def test_loading_errors_hide_decoder_tracebacks():
    with pytest.raises(EvidenceError) as info:
        parse_evidence(b"{")
    assert info.value.__suppress_context__


def test_check_evidence_raises_with_every_problem():
    with pytest.raises(EvidenceError) as info:
        check_evidence(ev('{"factory": "Acme", "extra": 1}'), SCHEMA, "application.json")
    err = info.value
    assert err.source == "application.json"
    assert err.render().splitlines() == [
        "application.json: /emissions: required property is missing",
        "application.json: /extra: expected only the properties 'factory', 'period', 'status', 'version', "
        "'emissions' here, found 'extra'",
        "application.json: /period: required property is missing",
    ]
    assert err.render("zh").splitlines()[0] == "application.json: /emissions: 缺少必填属性"


def test_schema_is_not_modified():
    schema = copy.deepcopy(SCHEMA)
    validate_evidence(ev('{"emissions": {"sources": [{"name": "x", "co2e": -1, "share": 2}]}}'), schema)
    assert schema == SCHEMA
