"""The syntax tree's classes (`language.ast.node`) behave as dataclasses do, without generated code."""
from __future__ import annotations

import copy
import pickle
from decimal import Decimal

import pytest

from checker.language import ast
from checker.language.diagnostics import Span

AT, ELSEWHERE = Span("f.rules", 1, 1, 1, 5), Span("g.rules", 9, 9, 9, 9)


def test_arguments_by_position_and_by_name_with_the_defaults():
    number = ast.Number(AT, "1 t", None, None, Decimal(1), unit="t")
    assert (number.span, number.text, number.value, number.unit, number.unit_span) == (AT, "1 t", Decimal(1), "t", None)
    assert ast.Name(span=AT, name="x").text == "" and ast.Name(span=AT, name="x").type is None
    assert [f.name for f in ast.fields(ast.Number)] == ["span", "text", "type", "ref", "value", "unit", "unit_span"]
    assert list(vars(number)) == [f.name for f in ast.fields(number)]   # children() walks them in this order


def test_each_node_gets_its_own_list():
    first, second = ast.Call(span=AT), ast.Call(span=AT)
    first.args.append(ast.Name(span=AT, name="x"))
    assert second.args == [] and "args" not in vars(ast.Call)


@pytest.mark.parametrize("call", [lambda: ast.Meta(AT, "k"), lambda: ast.Name(AT, name="x", nome="y"),
                                  lambda: ast.Name(AT, "", None, None, "x", "extra"),
                                  lambda: ast.Name(AT, span=AT)])
def test_a_missing_unknown_or_repeated_argument_is_refused(call):
    with pytest.raises(TypeError):
        call()


def test_equality_leaves_out_places_and_texts_and_nodes_are_not_hashable():
    one, other = ast.Name(AT, "x", name="x"), ast.Name(ELSEWHERE, "(x)", name="x")
    assert one == other and one != ast.Name(AT, "x", name="y") and one != ast.String(AT, "x", value="x")
    assert ast.Let(AT, "a", None, None, one, None) == ast.Let(ELSEWHERE, "a", None, None, other, None)
    with pytest.raises(TypeError):
        hash(one)


def test_repr_shows_the_fields_that_take_part():
    assert repr(ast.Name(AT, "x", name="x")) == "Name(name='x')"
    assert repr(ast.Import(AT, "lib.rules", "lib")) == "Import(path='lib.rules', alias='lib')"


def test_nodes_copy_and_pickle_whole():
    let = ast.Let(AT, "a", ast.Label("甲", "a"), "t", ast.Number(AT, "1", value=Decimal(1)), None)
    for again in (copy.deepcopy(let), pickle.loads(pickle.dumps(let))):
        assert again == let and again.span == AT and again.expr.text == "1"


def test_references_without_fields_of_their_own_are_still_told_apart():
    assert ast.LetRef("x") != ast.ParamRef("x") and ast.LetRef("x") == ast.LetRef("x")
    assert {ast.LetRef("x"), ast.ParamRef("x"), ast.LetRef("x")} == {ast.LetRef("x"), ast.ParamRef("x")}
    assert repr(ast.TableRef("t")) == "TableRef(name='t')" and ast.ScoreRef().name == "score"
    with pytest.raises(AttributeError):
        ast.FunctionRef("f").name = "g"
