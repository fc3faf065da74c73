"""Unified social credit codes (GB 32100): the check character, the character set, and the
messages evidence validation gives for a wrong code."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.evidence import uscc
from checker.evidence.load import load_evidence, validate_evidence
from checker.evaluation.ruleset import load_ruleset

EXAMPLES = Path(__file__).parent.parent / "examples"

# Codes of registered companies, as published on their own licences.
PUBLISHED = ["91350100M000100Y43", "9144030071526726XG", "91310000775785552L", "91110000802100433B"]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.explain(code, repr(code)) is None and uscc.is_valid(code)


def test_weights_are_powers_of_three_mod_31():
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_charset_leaves_out_i_o_s_v_z():
    assert len(uscc.CHARSET) == 31 and not set("IOSVZ") & set(uscc.CHARSET)


def test_check_value_zero_is_the_digit_zero():
    # A weighted sum that is already a multiple of 31 gives the check character '0', not 31.
    assert uscc.check_character("0" * 17) == "0"


@pytest.mark.parametrize("code, en, zh", [
    ("9144030071526726X", "of 18 characters (GB 32100), found 17 characters: 'c'", "应为18位（GB 32100），实际为 17 位：'c'"),
    ("9144030071526726XGG", "found 19 characters", "实际为 19 位"),
    ("9144O30071526726XG", "other than I, O, S, V and Z (GB 32100), found 'O' at position 5", "第 5 位为 'O'"),
    ("91440300715267261S", "found 'S' at position 18", "第 18 位为 'S'"),
    ("9144030071526726xg", "found 'x' at position 17", "第 17 位为 'x'"),
    ("9144030071526726XH", "expected the check character 'G' at position 18 of the unified social credit code "
                           "(GB 32100), found 'H': 'c'", "第18位应为 'G'，实际为 'H'：'c'"),
])
def test_wrong_codes_are_explained(code, en, zh):
    message_en, message_zh = uscc.explain(code, "'c'")
    assert en in message_en and zh in message_zh
    assert not uscc.is_valid(code)


@pytest.mark.parametrize("i, c", [(i, c) for i in range(17) for c in "0A"])
def test_changing_any_character_breaks_the_check(i, c):
    code = PUBLISHED[1]
    changed = code[:i] + (c if code[i] != c else "1") + code[i + 1:]
    assert uscc.explain(changed, "") is not None


def test_validation_reports_a_wrong_check_character_with_its_pointer():
    ruleset = load_ruleset("zero-carbon-factory")
    evidence, _ = load_evidence(EXAMPLES / "zero-carbon-factory" / "four-stars.json")
    evidence["applicant"]["credit_code"] = "91330502MA2B3C4D5E"
    [problem] = validate_evidence(evidence, ruleset.schema)
    assert problem.pointer == "/applicant/credit_code"
    assert problem.message("en") == ("expected the check character '8' at position 18 of the unified social "
                                     "credit code (GB 32100), found 'E': '91330502MA2B3C4D5E'")
    assert problem.message("zh") == "统一社会信用代码校验码错误（GB 32100）：第18位应为 '8'，实际为 'E'：'91330502MA2B3C4D5E'"


def test_shipped_examples_have_valid_distinct_codes_and_one_site_per_company():
    by_code: dict[str, set] = {}
    for path in sorted(EXAMPLES.glob("*/*.json")):
        applicant = json.loads(path.read_text("utf-8")).get("applicant", {})
        if "credit_code" in applicant:
            assert uscc.is_valid(applicant["credit_code"]), path
            by_code.setdefault(applicant["credit_code"], set()).add((applicant["name"], applicant.get("site")))
    assert all(len(holders) == 1 for holders in by_code.values()), {c: h for c, h in by_code.items() if len(h) > 1}
    factories = [json.loads(p.read_text("utf-8"))["applicant"] for p in (EXAMPLES / "zero-carbon-factory").glob("*.json")]
    assert len({a["site"] for a in factories}) == len({a["name"] for a in factories}) == len(factories)


def test_the_validity_check_agrees_with_the_explanation():
    # is_valid is the quick answer the schema check uses; explain() says why not: they must never disagree.
    import random
    rng = random.Random(7)
    codes = []
    for _ in range(5000):
        code = "".join(rng.choice(uscc.CHARSET + "IOSVZa ") for _ in range(rng.choice([17, 18, 18, 19])))
        if len(code) == 18 and rng.random() < 0.7:   # a valid code, or one character away from one
            first = "".join(c if c in uscc.CHARSET else "0" for c in code[:17])
            code = first + uscc.check_character(first)
            if rng.random() < 0.5:
                code = code[:-1] + rng.choice(uscc.CHARSET)
        codes.append(code)
    assert all(uscc.is_valid(c) is (uscc.explain(c, c) is None) for c in codes)
    assert 500 < sum(map(uscc.is_valid, codes)) < 4500
