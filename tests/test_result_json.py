"""The JSON result is written two ways that must agree byte for byte: `to_json()` from pieces each ruleset item
keeps (fast, for every application of a batch), and `dumps(to_dict())` from the data reports read."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from checker import load_evidence, load_ruleset
from checker.evaluation.numbers import decimal_json, display_number, dumps, number_texts
from checker.interfaces.cli.common import params_file
from checker.resources import resource_dir
from conftest import leaves, replaced

EXAMPLES = sorted(resource_dir("examples").glob("*/*.json"))
# Texts JSON must escape, or that are not ASCII: each replaces a text of the evidence in turn.
AWKWARD = ['say "no" \\ twice', "two\nlines\tand\r\x00\x1f\x7f", "零碳工厂 \u2028\u2029 ☃ 🏭", ""]


def _agree(result) -> None:
    written = result.to_json_bytes()
    assert written == dumps(result.to_dict()).encode("utf-8")
    assert result.to_json() == written.decode("utf-8")


def _variants(evidence: dict):
    """The evidence with one leaf changed: a number halved and negated, a truth value flipped, a text made
    awkward, each removed."""
    for at, (path, value) in enumerate(leaves(evidence)):
        if isinstance(value, bool):
            changes = [not value]
        elif isinstance(value, Decimal):
            changes = [value / 3, -value]
        else:
            changes = [AWKWARD[at % len(AWKWARD)]]
        for change in changes + [KeyError]:
            yield replaced(evidence, path, change)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_json_result_is_the_dumped_data(example):
    """On every shipped example with its gap, and on each variant with one leaf changed (missing values,
    errors, numbers of many digits, texts to escape), whatever the variant breaks."""
    evidence, raw = load_evidence(example)
    ruleset = load_ruleset(evidence["ruleset"])
    params_path = example.parent / "params.yaml"
    params = ruleset.parameters(params_file(params_path)[0]) if params_path.exists() else {}
    _agree(ruleset.evaluate(evidence, params=params, evidence_bytes=raw, date="2026-11-25", gap=True))
    compared = 0
    for variant in _variants(evidence):
        _agree(ruleset.evaluate(variant, params=params, date="2026-11-25", validated=True))
        compared += 1
    assert compared > 10


NUMBERS = ["0", "-0", "0.000", "-0.00", "1", "1.0", "1.50", "100", "1E+2", "1.5E+3", "-2.50E-3", "1E-7", "0.00001",
           "0.0001", "0.00005", "-0.00004", "12.34565", "12.34555", "-12.34565", "0.999995", "99999.99999",
           "123456789012345678901234567890.123456789", "1E+40", "-1E-40", "3.14159265358979323846"]


@pytest.mark.parametrize("text", NUMBERS)
def test_a_number_is_written_and_shown_from_one_conversion(text):
    value = Decimal(text)
    assert number_texts(value) == (decimal_json(value), display_number(value))


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity"])
def test_a_result_never_writes_nan_or_infinity(text):
    with pytest.raises(ValueError):
        number_texts(Decimal(text))


def _factory():
    """A zero-carbon factory example's evidence and its ruleset."""
    example = next(p for p in EXAMPLES if p.parent.name == "zero-carbon-factory")
    evidence, _ = load_evidence(example)
    return evidence, load_ruleset(evidence["ruleset"])


def test_common_items_are_written_from_their_templates(monkeypatch):
    """Once a ruleset's first result is written, an item that holds or not, a value worked out or points given
    (reading only known values) is its template filled, not put together from pieces: the comparisons above
    then check the templates."""
    from checker.evaluation import result as written_module
    evidence, ruleset = _factory()
    ruleset.evaluate(evidence, date="2026-11-25").to_json_bytes()
    result = ruleset.evaluate(evidence, date="2026-11-25")
    from_pieces = []
    pieces = written_module._item_text
    monkeypatch.setattr(written_module, "_item_text",
                        lambda item, memo, parts: from_pieces.append(item) or pieces(item, memo, parts))
    text = result.to_json_bytes()
    items = result.requirements + result.criteria + result.values + [c for g in result.grades for c in g.conditions]
    assert len(items) > 20 and len(from_pieces) < len(items) / 4
    assert text == dumps(result.to_dict()).encode()


def test_a_template_that_would_not_write_the_same_text_is_not_used():
    evidence, ruleset = _factory()
    result = ruleset.evaluate(evidence, date="2026-11-25")
    from checker.evaluation.result import _Templates, _form, _shape
    texts = _Templates.texts(result)[0]
    value = next(v for v in result.values if v.status == "ok")
    form = _form(value.about)
    assert _Templates.make(value, form, _shape(value), texts, frozenset(), frozenset()) is not None
    wrong = [b"9" if text is not None else None for text in texts]  # every slot read as 9
    assert _Templates.make(value, form, _shape(value), wrong, frozenset(), frozenset()) is None


def test_an_item_keeps_a_bounded_number_of_templates(monkeypatch):
    """Evidence missing in ever new ways would make ever new templates: past the bound, items are put together
    from pieces, and written the same."""
    from checker.evaluation import result as written_module
    evidence, ruleset = _factory()
    monkeypatch.setattr(written_module, "_MOST_SHAPES", 0)
    forms = [written_module._form(i.about) for i in ruleset.evaluate(evidence).values]
    before = {id(form): set(form.made) for form in forms}
    compared = 0
    for variant in list(_variants(evidence))[::5]:
        result = ruleset.evaluate(variant, date="2026-11-25", validated=True)
        assert result.to_json_bytes() == dumps(result.to_dict()).encode()
        compared += 1
    # a shape that leaves values out is (status, unseen, outside): none was added past the bound
    assert compared > 5 and all(len(key) != 3 for form in forms for key in set(form.made) - before[id(form)]
                                if isinstance(key, tuple))


def test_a_list_of_items_seen_before_is_written_from_one_template(monkeypatch):
    """A second result whose items come out as the first's did: each list is its one template filled, no item
    template is looked up."""
    from checker.evaluation import result as written_module
    evidence, ruleset = _factory()
    ruleset.evaluate(evidence, date="2026-11-25").to_json_bytes()
    result = ruleset.evaluate(evidence, date="2026-11-25")
    looked_up = []
    per_item = written_module._made
    monkeypatch.setattr(written_module, "_made", lambda item, slots: looked_up.append(item) or per_item(item, slots))
    assert result.to_json_bytes() == dumps(result.to_dict()).encode()
    assert looked_up == []


def test_value_items_and_grade_conditions_are_made_when_first_read():
    """A values' or a grade's conditions' list seen before is written from its template and the items' statuses:
    the items are made only when read, and then as a result read first makes them (with or without evidence
    missing); a copy has them made."""
    evidence, ruleset = _factory()
    ruleset.evaluate(evidence, date="2026-11-25").to_json_bytes()

    def items(result):  # an unknown value equals only itself: compared as shown
        every = result.values + [c for g in result.grades for c in g.conditions]
        return [(i.id, i.status, repr(i.detail)) for i in every]
    for given in [evidence, *list(_variants(evidence))[::9]]:
        written = ruleset.evaluate(given, date="2026-11-25", validated=True)
        written.to_json_bytes()
        text = written.to_json_bytes()
        read = ruleset.evaluate(given, date="2026-11-25", validated=True)
        assert items(read) == items(written)
        assert text == dumps(read.to_dict()).encode()
    second = ruleset.evaluate(evidence, date="2026-11-25")
    second.to_json_bytes()
    assert second._unmade_values is not None and all(g.unmade is not None for g in second.grades)
    copied = copy.deepcopy(second)
    assert all(g.unmade is None for g in copied.grades) and items(copied) == items(second)


def test_a_ruleset_keeps_a_bounded_number_of_list_templates(monkeypatch):
    """Past the bound, a list seen in a new way is written item by item, and written the same."""
    from checker.evaluation import result as written_module
    evidence, ruleset = _factory()
    first = ruleset.evaluate(evidence, date="2026-11-25")
    first.to_json_bytes()
    monkeypatch.setattr(written_module, "_MOST_LISTS", 0)
    lists = written_module._form(first.values[0].about).table.lists
    before = set(lists)
    for variant in list(_variants(evidence))[::7]:
        result = ruleset.evaluate(variant, date="2026-11-25", validated=True)
        assert result.to_json_bytes() == dumps(result.to_dict()).encode()
    assert set(lists) == before


def test_parameters_left_at_their_defaults_are_recorded_once():
    """With no parameter given, every result of a ruleset records the same parameters: one record, written from
    the text made with it, as `dumps` writes it. A parameter given is recorded for its result alone."""
    evidence, ruleset = _factory()
    first, second = (ruleset.evaluate(evidence, date="2026-11-25") for _ in range(2))
    assert first.parameters and first.parameters is second.parameters
    _agree(first)
    _agree(second)
    name = next(n for n, p in first.parameters.items() if p["source"] == "default" and p["value"] == "AR5")
    given = ruleset.evaluate(evidence, params=ruleset.parameters({name: "AR6"}), date="2026-11-25")
    assert given.parameters is not first.parameters and given.parameters[name]["value"] == "AR6"
    _agree(given)
    assert first.parameters[name] == {"value": "AR5", "unit": None, "source": "default", "file_sha256": None}


def test_changing_one_result_changes_no_other():
    """Results share records (the tool, the ruleset's description, parameters left at their defaults) and the
    ruleset's labels: `to_dict()` gives data its caller alone holds, and a shared record cannot be changed in
    place, so a later result is written as if nothing had been changed."""
    evidence, ruleset = _factory()
    first = ruleset.evaluate(evidence, date="2026-11-25", gap=True)
    written, data = first.to_json_bytes(), first.to_dict()
    name = next(iter(data["parameters"]))
    changed = copy.deepcopy(data)
    data["tool"]["version"] = "0"
    data["ruleset"]["title"]["zh"] = "changed"
    data["ruleset"]["final"] = not data["ruleset"]["final"]
    data["parameters"][name]["value"] = "changed"
    data["requirements"][0]["label"]["zh"] = "changed"
    data["sections"][0]["criteria"][0]["cite"] = "changed"
    data["grades"][0]["label"]["en"] = "changed"
    data["gap"]["target"]["label"]["en"] = "changed"  # the target grade's label, as the ruleset has it
    for shared in (first.tool, first.ruleset, first.parameters, first.parameters[name], first.ruleset["title"]):
        with pytest.raises(TypeError, match="cannot be changed"):
            shared["version"] = "0"
    second = ruleset.evaluate(evidence, date="2026-11-25", gap=True)
    assert second.to_dict() == changed and first.to_dict() == changed
    assert second.to_json_bytes() == first.to_json_bytes() == written
    copied = copy.deepcopy(first)  # its records are copies, written by orjson, and as read-only
    assert copied.to_json_bytes() == dumps(copied.to_dict()).encode() == written
    with pytest.raises(TypeError):
        copied.tool["name"] = "other"
