"""The results of one loaded ruleset share what no application changes: the tool, the ruleset's description,
its labels and cites, the record naming a grade. Nothing a caller reaches through a result's attributes (a web
page, a plugin, a report template) may change a later result: a shared record refuses the change (TypeError);
what is a result's own it may change freely."""
from __future__ import annotations

import copy
import pickle

import pytest

from checker import load_evidence, load_ruleset
from checker.evaluation.evaluate import outlook
from checker.evaluation.items import GradeResult, ItemResult
from checker.evaluation.result import Result
from checker.interfaces.cli.common import params_file
from checker.resources import resource_dir

# One example of each shipped ruleset, with its parameters file if it has one.
EXAMPLES = [sorted(folder.glob("*.json"))[0] for folder in sorted(resource_dir("examples").iterdir())
            if folder.is_dir() and any(folder.glob("*.json"))]


def _evaluated(example):
    evidence, _ = load_evidence(example)
    ruleset = load_ruleset(evidence["ruleset"])
    given = example.parent / "params.yaml"
    params = ruleset.parameters(params_file(given)[0]) if given.exists() else {}
    return lambda: ruleset.evaluate(evidence, params=params, date="2026-11-25", gap=True)


def _reached(result: Result) -> list[tuple[str, dict | list]]:
    """Every dict and list a caller reaches through the result's attributes, its items' (and what they are,
    `about`) and its grades', once each, with the way it was reached."""
    found: dict[int, tuple[str, dict | list]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, (dict, list)):
            if id(value) in found:
                return
            found[id(value)] = (path, value)
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}[{key!r}]")
        elif isinstance(value, (list, tuple)):
            for at, inner in enumerate(value):
                walk(inner, f"{path}[{at}]")
        elif isinstance(value, ItemResult):
            for name in ("label", "cite", "detail"):
                walk(getattr(value, name), f"{path}.{name}")
            for name in ("label", "cite", "detail", "inputs", "witnesses"):
                walk(getattr(value.about, name), f"{path}.about.{name}")
        elif isinstance(value, GradeResult):
            for name in ("label", "cite", "conditions"):
                walk(getattr(value, name), f"{path}.{name}")

    for name in Result.__match_args__:
        walk(getattr(result, name), f"result.{name}")
    return list(found.values())


def _items(result: Result) -> list[ItemResult]:
    return [*result.requirements, *result.criteria, *result.values,
            *[condition for grade in result.grades for condition in grade.conditions]]


def _change(container: dict | list) -> bool:
    """Changes every entry of `container` and adds one; False if it refuses (TypeError)."""
    try:
        if isinstance(container, dict):
            for key in list(container):
                container[key] = "changed"
            container["added"] = "changed"
        else:
            container[:] = ["changed"] * len(container)
            container.append("changed")
    except TypeError:
        return False
    return True


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_changing_what_a_result_hands_out_changes_no_later_result(example):
    evaluated = _evaluated(example)
    first = evaluated()
    written = first.to_json_bytes()
    data = copy.deepcopy(first.to_dict())  # it holds what is the first result's own: changed below
    reached, items = _reached(first), _items(first)
    assert len(reached) > 10
    refused = [path for path, container in reached if not _change(container)]
    assert refused  # the shared records at least
    for item in items:  # and the fields of what each item is and of the values it reads
        for record in (item.about, *item.about.inputs):
            for field in record.__match_args__:
                try:
                    setattr(record, field, "changed")
                except AttributeError:
                    pass
    second = evaluated()
    assert second.to_dict() == data
    assert second.to_json_bytes() == written


def _factory():
    return _evaluated(next(p for p in EXAMPLES if p.parent.name == "zero-carbon-factory"))


def test_the_ruleset_s_labels_cannot_be_changed_through_a_result():
    """Each label, cite and grade record a result holds of its ruleset refuses a change, by every way a caller
    reaches it."""
    result = _factory()()
    assert result.gap is not None and result.grade is not None
    item = result.requirements[0]
    criterion = result.criteria[0]
    shared = {
        "grade": result.grade,
        "grade label": result.grade["label"],
        "section label": result.sections[0]["label"],
        "requirement label": item.label,
        "requirement cite": item.cite,
        "what the requirement is: its label": item.about.label,
        "requirement detail": item.about.detail,
        "criterion label": criterion.label,
        "criterion cite": criterion.cite,
        "criterion detail": criterion.about.detail,
        "value label": result.values[0].label,
        "value detail": result.values[0].about.detail,
        "grade's label": result.grades[0].label,
        "gap target label": result.gap["target"]["label"],
    }
    for name, record in shared.items():
        with pytest.raises(TypeError, match="cannot be changed") as refused:
            record["zh"] = "changed"
        assert "\n规则集的所有结果共用此记录，不能修改" in str(refused.value)
        with pytest.raises(TypeError, match="cannot be changed"):
            record.update(en="changed")
        assert "changed" not in record.values(), name
    for listed in (item.about.inputs, item.about.witnesses, criterion.about.inputs):
        with pytest.raises(AttributeError):
            listed.append(None)
    # What an item is (`about`) and the values it reads are the ruleset's too: their fields cannot be set.
    result.to_json_bytes()  # what writing it works out (`written`) is set once, then kept
    for record in (item.about, criterion.about, result.values[0].about, item.about.inputs[0]):
        for field in record.__match_args__:
            with pytest.raises(AttributeError, match="cannot be changed"):
                setattr(record, field, "changed")
            with pytest.raises(AttributeError, match="cannot be changed"):
                delattr(record, field)


def test_an_outlook_s_grade_cannot_be_changed():
    """The gap's advice reads outlooks of changed evidence: their grade is the ruleset's record too."""
    evidence, _ = load_evidence(next(p for p in EXAMPLES if p.parent.name == "zero-carbon-factory"))
    ruleset = load_ruleset(evidence["ruleset"])
    seen = outlook(ruleset.program, evidence, params={}, known=None, grade=0)
    grade = seen.grade or seen.provisional_grade
    assert grade is not None
    with pytest.raises(TypeError, match="cannot be changed"):
        grade["label"]["zh"] = "changed"
    with pytest.raises(TypeError, match="cannot be changed"):
        grade["id"] = "changed"
    again = outlook(ruleset.program, evidence, params={}, known=None, grade=0)
    assert (again.grade or again.provisional_grade) == grade


def test_copies_and_pickles_keep_the_records_read_only_and_write_the_same():
    """A copy of a result writes what the original does, and its records are read-only too; the records
    pickle (a batch's workers send what they read of them back to the parent)."""
    result = _factory()()
    written = result.to_json_bytes()
    copied = copy.deepcopy(result)
    assert copied.to_json_bytes() == written and copied.to_dict() == result.to_dict()
    records = (result.grade, result.sections, result.gap, result.requirements[0].about.detail)
    assert pickle.loads(pickle.dumps(records)) == records
    for record in (copied.grade["label"], copied.sections[0]["label"], copied.requirements[0].label,
                   pickle.loads(pickle.dumps(result.grade))["label"], pickle.loads(pickle.dumps(result.sections))[0]["cite"]):
        with pytest.raises(TypeError, match="cannot be changed"):
            record["zh"] = "changed"
