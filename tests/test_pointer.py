"""JSON pointers (checker.pointer): one way to write, read, follow and apply them."""
from __future__ import annotations

import pytest

from checker.pointer import DELETE, PointerError, format_pointer, get, parse_pointer, patched


@pytest.mark.parametrize("parts, text", [
    ((), ""),
    (("a", "b"), "/a/b"),
    (("a/b", "c~d", 0), "/a~1b/c~0d/0"),
    (("",), "/"),
    (("~1",), "/~01"),
])
def test_format_and_parse_are_inverse(parts, text):
    assert format_pointer(parts) == text
    assert parse_pointer(text) == tuple(map(str, parts))


def test_a_lone_surrogate_in_a_key_is_shown_escaped():
    assert format_pointer(("a\ud800",)) == "/a\\ud800"


@pytest.mark.parametrize("text, message", [
    ("a/b", "starts with '/'"),
    ("/a~2b", "'~' is written '~0'"),
    ("/a~", "'~' is written '~0'"),
])
def test_parse_refuses(text, message):
    with pytest.raises(PointerError, match=message):
        parse_pointer(text)


def test_get_follows_objects_and_lists_and_finds_nothing_quietly():
    document = {"a": [{"b": 1}], "c": None}
    assert get(document, ("a", "0", "b")) == 1 and get(document, ("a", 0, "b")) == 1
    assert get(document, ("a", "1")) is None and get(document, ("a", "²")) is None
    assert get(document, ("c", "d")) is None and get(document, ()) is document


def test_patched_copies_only_the_path_and_leaves_the_original():
    original = {"a": [{"b": 1}], "other": {"x": 1}}
    changed = patched(original, ("a", "0", "b"), 2)
    assert changed == {"a": [{"b": 2}], "other": {"x": 1}} and original["a"][0]["b"] == 1
    assert changed["other"] is original["other"]
    assert patched(original, ("new", "deep"), 3)["new"] == {"deep": 3}
    assert patched(original, ("a", "-"), 4)["a"][-1] == 4
    assert patched(original, ("a", "0"), DELETE)["a"] == []


@pytest.mark.parametrize("parts, value, message", [
    (("a", "²"), 1, "'²' is not an index of the list at /a"),
    (("a", "01"), 1, "'01' is not an index of the list at /a"),
    (("a", "5"), 1, "the list at /a has 1 item, no index 5"),
    (("a", "-"), DELETE, "'-' is not an index of the list at /a"),
    (("a", "0", "b", "c"), 1, "/a/0/b is not an object or a list"),
    (("nothing", "here"), DELETE, "nothing at /nothing to delete from"),
    (("a", "0", "bb"), DELETE, "nothing to delete: no member 'bb' at /a/0 \\(did you mean 'b'\\?\\)"),
])
def test_patched_refuses_with_the_place(parts, value, message):
    with pytest.raises(PointerError, match=message):
        patched({"a": [{"b": 1}]}, parts, value)
