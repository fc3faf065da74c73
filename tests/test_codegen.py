"""The generated evaluation (checker/language/codegen.py) against the closures it stands for, and what its
source may contain."""
from __future__ import annotations

import io
import keyword
import re
import tokenize
from decimal import Decimal

import pytest

from checker import load_evidence, load_ruleset
from checker.interfaces.cli.common import params_file
from checker.evaluation.evaluate import RECORDS
from checker.language.codegen import HELPERS, functions_of, source_of
from checker.language.compile import Compiler, compile_model
from checker.records import replace
from checker.resources import resource_dir
from conftest import leaves, load_rules, replaced

EXAMPLES = sorted(resource_dir("examples").glob("*/*.json"))
GENERATED = "<generated evaluation>"


def _pair(ruleset):
    """The ruleset with its generated code (every item decided by `Program.run`), and the same with the closures
    alone."""
    return (replace(ruleset, program=compile_model(ruleset.model, generated=True, records=RECORDS)),
            replace(ruleset, program=compile_model(ruleset.model, generated=False)))


def _essence(result) -> str:
    """Everything evaluation decides, exactly (Decimals by their repr: 1.5 and 1.50 differ)."""
    items = [*result.values, *result.requirements, *result.criteria,
             *(c for g in result.grades for c in g.conditions)]
    return repr((result.outcome, result.grade, result.provisional_grade, result.score, result.inconclusive,
                 result.sections, [(g.id, g.status) for g in result.grades], result.missing, result.errors,
                 [(i.id, i.status, i.points, i.detail) for i in items]))


def _variants(evidence: dict):
    """The evidence with one leaf changed, for each leaf in turn: a number halved, set to 0 and negated, a
    value removed (missing), a truth value flipped, a text changed."""
    for path, value in leaves(evidence):
        if isinstance(value, bool):
            changes = [not value, KeyError]
        elif isinstance(value, Decimal):
            changes = [value / 2, Decimal(0), -value, KeyError]
        else:
            changes = ["other", KeyError]
        for change in changes:
            yield replaced(evidence, path, change)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_generated_code_and_closures_agree(example):
    """On every shipped example (byte for byte, with the gap) and on each of its variants with one leaf
    changed (everything evaluation decides), whatever the variant breaks."""
    evidence, raw = load_evidence(example)
    generated, closures = _pair(load_ruleset(evidence["ruleset"]))
    params_path = example.parent / "params.yaml"
    params = params_file(params_path)[0] if params_path.exists() else {}
    assert generated.evaluate(evidence, params=params, evidence_bytes=raw, date="2026-11-25", gap=True).to_json() \
        == closures.evaluate(evidence, params=params, evidence_bytes=raw, date="2026-11-25", gap=True).to_json()
    compared = 0
    for variant in _variants(evidence):
        results = [r.evaluate(variant, params=params, date="2026-11-25", validated=True) for r in (generated, closures)]
        assert _essence(results[0]) == _essence(results[1])
        compared += 1
    assert compared > 10


def test_the_common_constructs_are_generated():
    """Every let, condition and scoring rule of the factory ruleset is generated code, except the let that
    calls `latest` (left to its closure inside generated code) — so the comparison above compares something."""
    program = compile_model(load_ruleset("zero-carbon-factory").model, generated=True)
    functions = [let.evaluate for let in program.lets] + [r.condition for r in program.requirements] + \
        [c.condition for g in program.grades for c in g.clauses] + \
        [c.value for s in program.sections for c in s.criteria if c.value is not None] + \
        [t.condition for s in program.sections for c in s.criteria for t in c.tiers if t.condition is not None]
    assert functions and all(f.__code__.co_filename == GENERATED for f in functions)
    closures = compile_model(load_ruleset("zero-carbon-factory").model, generated=False)
    assert all(let.evaluate.__code__.co_filename != GENERATED for let in closures.lets)


def test_a_loaded_ruleset_generates_its_code_once_in_steady_use():
    """A one-application command keeps the closures (generating costs more than it would save); the
    GENERATE_AFTER-th evaluation swaps in the generated code, with the same results before and after."""
    from checker.language.compile import GENERATE_AFTER
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(resource_dir("examples") / "zero-carbon-factory" / "four-stars.json")
    results = []
    for count in range(1, GENERATE_AFTER + 1):
        results.append(_essence(ruleset.evaluate(evidence, date="2025-06-30")))
        generated = all(let.evaluate.__code__.co_filename == GENERATED for let in ruleset.program.lets[:3])
        assert generated == (count >= GENERATE_AFTER) == (ruleset.program.run is not None), count
    assert len(set(results)) == 1


HOSTILE = ['"); __import__(\'os\').system(\'echo pwned\') #', "a'''b\"\"\"c\\\\", "line\\nbreak {0}%s",
           "__builtins__ lambda: exec"]
SCHEMA = {"type": "object", "properties": {
    "name": {"type": "string"}, "amount": {"type": "number"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "kind": {"type": "string"}, "mass": {"type": "number"}}}}}}


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _hostile_rules():
    texts = ", ".join(_quoted(t) for t in HOSTILE)
    return load_rules(
        f'let chosen = evidence.name in {{{texts}}}\n'
        f'let total = sum(s.mass * 123456789.987654321 for s in evidence.items where s.kind == {_quoted(HOSTILE[0])})\n'
        f'let named = if evidence.name == {_quoted(HOSTILE[1])} then evidence.amount / 7 else -99999.5\n'
        f'require R_{"x" * 3} "__import__(\'os\')" en "exec(1)": chosen and total >= 0 and named != 31415926\n',
        SCHEMA)


def test_no_ruleset_or_evidence_text_reaches_the_generated_source():
    """Texts and numbers of a ruleset (with quotes, newlines, code) are constants of the generated code's
    namespace, never part of its source: its only names are generated ones and the fixed helpers, its only
    literals the generator's own, and it evaluates them as data."""
    rules = _hostile_rules()
    source = source_of(rules.program, Compiler(rules.model), RECORDS)
    assert "def f0(ctx):" in source and "def f1(ctx):" in source  # `run`, then each let and condition
    _assert_generated_only(source)
    # The hostile texts are compared as data.
    evidence = {"name": HOSTILE[1].replace("\\\\", "\\"), "amount": Decimal(14),
                "items": [{"kind": HOSTILE[0].replace("\\'", "'"), "mass": Decimal(1)}]}
    values = {v.id: v.detail["value"] for v in rules.evaluate(evidence).values}
    assert values["named"] == Decimal(2)
    assert values["chosen"] is True
    generated, closures = _pair(rules)
    assert _essence(generated.evaluate(evidence)) == _essence(closures.evaluate(evidence))


def test_no_ruleset_text_reaches_the_gaps_partial_sources(monkeypatch):
    """The gap's partial functions (checker/language/partial.py) are written by the same writers, under the
    same rule: a ruleset's texts and numbers are constants, never source."""
    from checker.language import partial
    sources = []

    def capture(source, filename, namespace):
        sources.append(source)
        return functions_of(source, filename, namespace)
    monkeypatch.setattr(partial, "functions_of", capture)
    rules = _hostile_rules()
    program = rules.program
    writer = partial.Partial(program, Compiler(rules.model), RECORDS)
    assert writer.outlook(frozenset(let.node.name for let in program.lets),
                          frozenset(r.node.id for r in program.requirements), set()) is not None
    assert writer.subject(list(program.lets), program.requirements[0].node.condition) is not None
    assert len(sources) == 2 and sources[0].startswith("def f(ctx, R, C, H):") and sources[1].startswith("def f(ctx):")
    for source in sources:
        _assert_generated_only(source, allowed={"f", "R", "C", "H"})


def _assert_generated_only(source: str, allowed: set = frozenset()) -> None:
    """No text, number or name of the hostile ruleset: only generated names, the helpers and `allowed`."""
    for needle in ("__import__", "pwned", "123456789", "31415926", "99999", "exec", "lambda", "chosen", "total",
                   "named", "mass", "kind", "items", "R_xxx"):
        assert needle not in source, needle
    allowed = set(HELPERS) | set(allowed) | {"ctx", "values", "params", "evidence", "score", "variant", "get",
                                             "append", "strip", "quantize", "rounding"}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME:
            assert keyword.iskeyword(token.string) or token.string in allowed or \
                re.fullmatch(r"[vcfie]\d*", token.string), token.string
        elif token.type == tokenize.STRING:
            assert token.string == "'/'", token.string
        elif token.type == tokenize.NUMBER:  # records' status and points are read by position
            assert token.string in ("0", "1"), f"a number in the generated source: {token.string}"


def test_a_result_is_decided_at_once_and_put_together_when_read():
    """The outcome, grade and score come with the result; its items, sections, missing list and parameters are
    made from the evaluation's records when first read, the evidence's SHA-256 from its bytes, and they are the
    same as those an evaluation by the closures makes (in which nothing is generated)."""
    import copy
    import hashlib
    evidence, raw = load_evidence(resource_dir("examples") / "zero-carbon-factory" / "four-stars.json")
    generated, closures = _pair(load_ruleset(evidence["ruleset"]))
    result = generated.evaluate(evidence, evidence_bytes=raw, date="2026-11-25")
    assert (result.outcome, result.grade["id"], result.score) == ("graded", "four_stars", Decimal("82.18"))
    assert result.evidence == {"sha256": hashlib.sha256(raw).hexdigest()}
    assert [i.status for i in result.requirements][:3] == ["pass", "pass", "pass"]
    assert sum(s["points"] for s in result.sections) == result.score
    same = closures.evaluate(evidence, evidence_bytes=raw, date="2026-11-25")
    assert _essence(result) == _essence(same) and result.parameters == same.parameters
    assert copy.deepcopy(result).to_json() == result.to_json() == same.to_json()
    changed = generated.evaluate(evidence, evidence_bytes=raw, date="2026-11-25")
    changed.missing = [{"pointer": "/x"}]  # a field set before it is first read keeps what was set
    assert changed.missing == [{"pointer": "/x"}] and changed.values


def test_lets_read_only_where_an_item_applies_or_by_no_item_are_worked_out_there():
    """`run` works out a let that only an item with a `when` reads (the factory's offset ratio of categories 1
    and 2, read by J1 under the Jiangsu scheme) where that item applies, and a let no item reads when the
    result's values are read: the same values, statuses and outcome as the closures, whichever applies."""
    evidence, _ = load_evidence(resource_dir("examples") / "zero-carbon-factory" / "four-stars.json")
    generated, closures = _pair(load_ruleset(evidence["ruleset"]))
    source = source_of(generated.program, Compiler(generated.model), RECORDS).split("def f1(")[0]
    assert source.count("    ctx.values[") == len(generated.program.lets) - 1  # one let no item reads
    compared = 0
    for scheme in ("jiangsu_suzhou", "ceca"):
        changed = {**evidence, "scheme": scheme}
        for variant in [changed, *_variants(changed)]:
            results = [r.evaluate(variant, date="2026-11-25", validated=True) for r in (generated, closures)]
            assert _essence(results[0]) == _essence(results[1])
            compared += 1
    assert compared > 20
