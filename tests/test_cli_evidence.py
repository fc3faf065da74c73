"""Evidence in, safely, through the command line: strict loading, `validate`, `schema`, `init`,
and the exit-code contract (0 graded or valid; 1 not graded, ineligible or incomplete; 2 invalid
input; 3 internal fault), never with a traceback.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.interfaces.cli import main
from checker.evidence.load import DEFAULT_MAX_BYTES, parse_evidence, validate_evidence
from checker.evaluation.ruleset import shipped_rulesets
from checker.evidence.starter import StarterError, starting_evidence

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "zero-carbon-factory"
SHIPPED = [p.stem for p in shipped_rulesets()]
CJK = re.compile("[\u4e00-\u9fff]")


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("CARBON_CHECK_DEBUG", raising=False)


# ------------------------------------------------------------ strict loading, every case

# (id, file bytes, what follows the file name in the rendered English problem)
LOADING = [
    ("empty", b"", ": (document): expected a JSON object, found an empty file"),
    ("not-utf8", b'{"a":\n  "M\xfcller"}',
     ":2:5: (document): expected UTF-8 text, found the invalid byte 0xfc at byte offset 10"),
    ("malformed", b'{"a": 1,\n "b": 2,\n}',
     ":3:1: (document): expected valid JSON, found a syntax error: Expecting property name enclosed in double quotes"),
    ("nan", b'{"a": NaN}', ":1:7: /a: expected a finite number, found NaN"),
    ("infinity", b'{"a": [1,\n Infinity]}', ":2:2: /a/1: expected a finite number, found Infinity"),
    ("minus-infinity", b'{"a": -Infinity}', ":1:7: /a: expected a finite number, found -Infinity"),
    ("duplicate-key", b'{"ruleset": "zero-carbon-factory", "ruleset": "x"}',
     ": (document): expected unique keys in the object, found key 'ruleset' 2 times"),
    ("huge-number", b'{"a": 1e400}',
     ": /a: expected a number with a decimal exponent between -100 and 100, found exponent 400"),
    ("lone-surrogate", b'{"name": "ab\\ud800"}',
     ": /name: expected a string of valid Unicode text, found 'ab\\ud800' containing an unpaired surrogate"),
    ("too-deep", b'{"a":' + b"[" * 64 + b"]" * 64 + b"}",
     ":1:69: (document): expected arrays/objects nested at most 64 levels deep, found deeper nesting"),
    ("top-level-array", b"[1, 2]", ": (document): the evidence must be a JSON object, found an array"),
    ("top-level-number", b"42", ": (document): the evidence must be a JSON object, found the number 42"),
    ("top-level-string", b'"zero-carbon-factory"',
     ": (document): the evidence must be a JSON object, found the string 'zero-carbon-factory'"),
]


def write(tmp_path: Path, data: bytes, name: str = "application.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_refused(result, command: str, expected: str, lang: str):
    """Exit 2, the exact problem line, and nothing like a traceback anywhere."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if command == "validate":   # validate's problems are its output
        assert result.stderr == ""
        assert result.stdout == expected + "\n" + ("1 problem found" if lang == "en" else "发现 1 个问题") + "\n"
    else:
        assert result.stdout == ""
        assert result.stderr == expected + "\n"


@pytest.mark.parametrize("command", ["check", "validate"])
@pytest.mark.parametrize("case, data, rendered", LOADING, ids=[c[0] for c in LOADING])
def test_strict_loading_through_the_cli(tmp_path, command, case, data, rendered):
    path = write(tmp_path, data)
    assert_refused(run(command, path, "--lang", "en"), command, f"{path}{rendered}", "en")
    chinese = run(command, path, "--lang", "zh")
    location = f"{path}{rendered.split(': expected')[0].split(': the evidence')[0]}: "
    line = (chinese.stdout if command == "validate" else chinese.stderr).splitlines()[0]
    assert chinese.exit_code == 2 and line.startswith(location)
    assert CJK.search(line[len(location):]) and line != f"{path}{rendered}"


@pytest.mark.parametrize("command", ["check", "validate"])
def test_missing_file(tmp_path, command):
    path = tmp_path / "nothing.json"
    assert_refused(run(command, path, "--lang", "en"), command,
                   f"{path}: (document): expected an evidence file, found nothing at this path", "en")


@pytest.mark.parametrize("command", ["check", "validate"])
def test_directory(tmp_path, command):
    assert_refused(run(command, tmp_path, "--lang", "en"), command,
                   f"{tmp_path}: (document): expected an evidence file, found a directory", "en")


@pytest.mark.parametrize("command", ["check", "validate"])
def test_size_limit_is_configurable(tmp_path, command):
    path = write(tmp_path, (EXAMPLES / "four-stars.json").read_bytes())
    size = path.stat().st_size
    assert_refused(run(command, path, "--lang", "en", "--max-bytes", 100), command,
                   f"{path}: (document): expected a file of at most 100 bytes, found {size} bytes", "en")
    assert run(command, path, "--max-bytes", size).exit_code == 0


@pytest.mark.parametrize("command", ["check", "validate"])
def test_default_size_limit_is_checked_before_reading(tmp_path, command):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:   # sparse: nothing is written, the size is what counts
        handle.truncate(DEFAULT_MAX_BYTES + 1)
    assert_refused(run(command, path, "--lang", "en"), command,
                   f"{path}: (document): expected a file of at most {DEFAULT_MAX_BYTES} bytes, "
                   f"found {DEFAULT_MAX_BYTES + 1} bytes", "en")


@pytest.mark.parametrize("data", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
                         ids=["arrays", "objects"])
def test_pathological_nesting_in_a_real_process(tmp_path, data):
    # A separate interpreter, as a user runs it: no RecursionError, no traceback.
    path = write(tmp_path, data)
    done = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", "validate", str(path), "--lang", "en"],
                          capture_output=True, text=True, env={**os.environ, "CARBON_CHECK_DEBUG": ""})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "expected arrays/objects nested at most 64 levels deep" in done.stdout


# ------------------------------------------------------------ validate lists every problem

MANY_PROBLEMS = b"""{
  "ruleset": "zero-carbon-factory",
  "applicant": {"name": 5, "credit_code": "abc"},
  "reporting_period": {"year": 1999, "start": "2024-02-30"},
  "boundary": {"type": "III"},
  "electricity": {"consumption": -1},
  "emissions": {"direct": [
    {"source": "boiler", "gas": "CO2", "mass": 1},
    {"source": "kiln", "gas": "XX", "mass": "12"}
  ]},
  "extra": true
}
"""
GASES = ("'CO2', 'CH4', 'CH4-fossil', 'CH4-non-fossil', 'N2O', 'HFC-23', 'HFC-32', 'HFC-125', 'HFC-134a', "
         "'HFC-143a', 'HFC-152a', 'HFC-227ea', 'CF4', 'C2F6', 'C3F8', 'SF6', 'NF3'")
FIELDS = ("'ruleset', 'applicant', 'reporting_period', 'scheme', 'boundary', 'accounting', 'emissions', 'electricity', "
          "'offsets', 'compliance', 'product_footprint', 'assessments'")
EXPECTED = {
    "en": [
        "/applicant/credit_code: expected a unified social credit code of 18 characters (GB 32100), found 3 characters: 'abc'",
        "/applicant/name: expected a string, found the number 5",
        "/boundary/type: expected a string of at most 2 characters, found 3 characters: 'III'",
        "/boundary/type: expected one of 'I', 'II', found 'III'",
        "/electricity/consumption: expected a number greater than or equal to 0, found -1",
        f"/emissions/direct/1/gas: expected one of {GASES}, found 'XX'",
        "/emissions/direct/1/mass: expected a number, found the string '12'",
        f"/extra: expected only the properties {FIELDS} here, found 'extra'",
        "/reporting_period/start: expected a string in the format 'date', found '2024-02-30'",
        "/reporting_period/year: expected a number greater than or equal to 2000, found 1999",
        "10 problems found",
    ],
    "zh": [
        "/applicant/credit_code: 统一社会信用代码应为18位（GB 32100），实际为 3 位：'abc'",
        "/applicant/name: 应为字符串，实际为数字 5",
        "/boundary/type: 应为至多 2 个字符的字符串，实际为 3 个字符：'III'",
        "/boundary/type: 应为 'I', 'II' 之一，实际为 'III'",
        "/electricity/consumption: 应为大于或等于 0 的数字，实际为 -1",
        f"/emissions/direct/1/gas: 应为 {GASES} 之一，实际为 'XX'",
        "/emissions/direct/1/mass: 应为数字，实际为字符串 '12'",
        f"/extra: 此处只允许属性 {FIELDS}，实际出现了 'extra'",
        "/reporting_period/start: 应为符合 'date' 格式的字符串，实际为 '2024-02-30'",
        "/reporting_period/year: 应为大于或等于 2000 的数字，实际为 1999",
        "发现 10 个问题",
    ],
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validate_lists_every_problem_with_its_pointer(tmp_path, lang):
    path = write(tmp_path, MANY_PROBLEMS)
    result = run("validate", path, "--lang", lang)
    assert result.exit_code == 2 and result.stderr == ""
    lines = EXPECTED[lang]
    assert result.stdout == "".join(f"{path}: {line}\n" for line in lines[:-1]) + lines[-1] + "\n"


def test_check_reports_the_same_problems_and_never_evaluates(tmp_path, monkeypatch):
    def no_evaluation(*args, **kwargs):
        raise AssertionError("invalid evidence must not be evaluated")
    monkeypatch.setattr("checker.evaluation.ruleset.Ruleset.evaluate", no_evaluation)
    path = write(tmp_path, MANY_PROBLEMS)
    result = run("check", path, "--lang", "en")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "".join(f"{path}: {line}\n" for line in EXPECTED["en"][:-1])


@pytest.mark.parametrize("lang, said", [("en", "valid (zero_carbon_factory 1.0.0)"),
                                        ("zh", "有效（zero_carbon_factory 1.0.0）")])
def test_validate_valid_evidence(lang, said):
    path = EXAMPLES / "four-stars.json"
    result = run("validate", path, "--lang", lang)
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"{path}: {said}\n", "")


def test_validate_with_a_ruleset_file(tmp_path):
    path = write(tmp_path, b'{"name": "Plant"}')
    unnamed = run("validate", path)
    assert unnamed.exit_code == 2 and "the evidence names no ruleset" in unnamed.stderr
    ruleset = ROOT / "tests" / "data" / "result" / "passfail.rules"
    result = run("validate", path, "--ruleset", ruleset, "--lang", "en")
    assert (result.exit_code, result.stdout) == (0, f"{path}: valid (passfail 1)\n")


# ------------------------------------------------------------ rulesets that do not exist

@pytest.mark.parametrize("command", ["check", "validate"])
def test_unknown_ruleset_option_lists_the_shipped_ones(command):
    result = run(command, EXAMPLES / "four-stars.json", "--ruleset", "zero-carbon-factroy")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("error[not-found]: no ruleset named 'zero-carbon-factroy'\n")
    assert f"  expected: one of: {', '.join(SHIPPED)}\n" in result.stderr
    assert "  hint: did you mean 'zero-carbon-factory'?\n" in result.stderr


@pytest.mark.parametrize("command", ["schema", "init"])
def test_unknown_ruleset_argument_lists_the_shipped_ones(command):
    result = run(command, "no-such-ruleset")
    assert result.exit_code == 2
    assert f"  expected: one of: {', '.join(SHIPPED)}\n" in result.stderr


@pytest.mark.parametrize("command", ["check", "validate"])
@pytest.mark.parametrize("named", [
    "zero-carbon-factroy",
    str(ROOT / "tests" / "data" / "result" / "passfail.rules"),   # a real ruleset file: still refused
    "/etc/passwd",
    "bad\x1b[31m\nforged line",
])
def test_evidence_may_only_name_a_shipped_ruleset(tmp_path, command, named):
    # Evidence is untrusted: the ruleset it names must never make us read (and quote) a file.
    path = write(tmp_path, json.dumps({"ruleset": named}).encode())
    result = run(command, path)
    assert result.exit_code == 2 and result.stdout == ""
    first, *rest = result.stderr.splitlines()
    assert first == f"error[not-found]: the evidence names the ruleset {named!r}, which is not shipped"
    assert f"  expected: one of: {', '.join(SHIPPED)}" in rest
    assert "\x1b" not in result.stderr


def test_evidence_naming_a_shipped_ruleset_with_underscores(tmp_path):
    evidence = json.loads((EXAMPLES / "four-stars.json").read_text(encoding="utf-8"))
    path = write(tmp_path, json.dumps({**evidence, "ruleset": "zero_carbon_factory"}).encode())
    result = run("validate", path, "--lang", "en")   # found, then the schema's const asks for the dashed name
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{path}: /ruleset: expected 'zero-carbon-factory', found 'zero_carbon_factory'")


# ------------------------------------------------------------ schema

@pytest.mark.parametrize("name", SHIPPED)
def test_schema_prints_the_shipped_schema(name):
    result = run("schema", name)
    assert result.exit_code == 0 and result.stderr == ""
    rules = load_ruleset(name)
    shipped = ROOT / "schemas" / rules.text("evidence")
    assert json.loads(result.stdout) == json.loads(shipped.read_text(encoding="utf-8"))
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_of_a_library_is_refused():
    result = run("schema", ROOT / "rulesets" / "lib" / "reference.rules")
    assert result.exit_code == 2
    assert "names no evidence schema: it reads no evidence" in result.stderr


# ------------------------------------------------------------ init

@pytest.mark.parametrize("name", SHIPPED)
def test_init_writes_a_starting_file_that_does_not_validate_until_filled_in(tmp_path, name):
    path = tmp_path / "application.json"
    result = run("init", name, "-o", path, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"wrote {path}: every value is null.")
    evidence = parse_evidence(path.read_bytes())
    schema = load_ruleset(name).schema
    assert set(evidence) == set(schema["properties"])   # every field is there to be filled in
    problems = validate_evidence(evidence, schema)
    # Examples are hints, not data: every value but the fixed ruleset name is still to be given.
    assert problems and all(p.message_en.endswith("found null") for p in problems)
    assert run("validate", path, "--ruleset", name).exit_code == 2


def test_init_prints_the_same_file_without_output(tmp_path):
    path = tmp_path / "application.json"
    run("init", "zero-carbon-factory", "-o", path)
    printed = run("init", "zero-carbon-factory")
    assert printed.exit_code == 0 and printed.stdout.encode("utf-8") == path.read_bytes()
    assert printed.stderr == ""


def test_init_fills_lists_with_one_entry_of_nulls(tmp_path):
    evidence = json.loads(run("init", "zero-carbon-factory").stdout, parse_float=Decimal)
    assert evidence["ruleset"] == "zero-carbon-factory"
    assert evidence["emissions"]["direct"] == [{"source": None, "gas": None, "mass": None}]
    assert evidence["reporting_period"] == {"start": None, "end": None, "year": None}


def test_init_never_overwrites_without_force(tmp_path):
    path = tmp_path / "application.json"
    path.write_text("my filled-in application", encoding="utf-8")
    refused = run("init", "zero-carbon-factory", "-o", path)
    assert refused.exit_code == 2 and "exists; pass --force to replace it" in refused.stderr
    assert path.read_text(encoding="utf-8") == "my filled-in application"
    assert run("init", "zero-carbon-factory", "-o", path, "--force").exit_code == 0
    assert json.loads(path.read_text(encoding="utf-8"))["ruleset"] == "zero-carbon-factory"


@pytest.mark.parametrize("schema, expected", [
    ({"type": "object", "properties": {"x": {"type": "number", "examples": [0.1]}}}, {"x": None}),
    ({"type": "object", "properties": {"x": {"type": "string", "enum": ["b", "a"]}}}, {"x": None}),
    ({"type": "object", "properties": {"x": {"const": 2, "examples": [3]}}}, {"x": Decimal(2)}),
    ({"type": "object", "properties": {"x": {"type": "integer", "default": 7}}}, {"x": None}),
    ({"type": "object", "properties": {"x": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/s"}}},
      "$defs": {"s": {"type": "object", "properties": {"y": {"type": "string", "examples": ["e"]}}}}},
     {"x": [{"y": None}, {"y": None}]}),
    ({"type": "object", "properties": {"x": {"anyOf": [{"type": "object", "properties": {"y": {}}}]}}},
     {"x": {"y": None}}),
])
def test_starting_values(schema, expected):
    assert starting_evidence(schema) == expected


def test_starting_evidence_of_a_recursive_schema_is_refused():
    schema = {"type": "object", "properties": {"child": {"$ref": "#"}}}
    with pytest.raises(StarterError, match="nests deeper than 64 levels"):
        starting_evidence(schema)


# ------------------------------------------------------------ the exit-code contract

@pytest.mark.parametrize("args, code", [
    (["check", EXAMPLES / "four-stars.json"], 0),
    (["check", EXAMPLES / "not-graded.json"], 1),
    (["check", EXAMPLES / "ineligible.json"], 1),
    (["check", EXAMPLES / "incomplete.json"], 1),
    (["validate", EXAMPLES / "incomplete.json"], 0),
    (["check", EXAMPLES / "four-stars.json", "--date", "25/11/2026"], 2),
    (["check", EXAMPLES / "four-stars.json", "--param", "no_such_param=1"], 2),
    (["check", EXAMPLES / "four-stars.json", "--no-such-option"], 2),
    (["check", EXAMPLES / "four-stars.json", "--max-bytes", "0"], 2),
    (["lint", ROOT / "tests" / "data" / "paths" / "unit-mismatch.rules"], 2),
    (["schema", "zero-carbon-factory"], 0),
    (["rulesets"], 0),
])
def test_exit_codes(args, code):
    result = run(*args, "--date", "2026-01-01") if args[0] == "check" and "--date" not in args else run(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, target", [
    (["check", EXAMPLES / "four-stars.json"], "checker.outputs.report.render"),
    (["validate", EXAMPLES / "four-stars.json"], "checker.interfaces.cli.scoring.read_application"),
    (["init", "zero-carbon-factory"], "checker.interfaces.cli.scoring.starting_evidence"),
    (["schema", "zero-carbon-factory"], "checker.interfaces.cli.authoring.evidence_schema"),
])
def test_internal_fault_is_exit_3_with_a_short_message(monkeypatch, args, target):
    def fault(*_args, **_kwargs):
        raise RuntimeError("simulated fault")
    monkeypatch.setattr(target, fault)
    result = run(*args)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == "carbon-check: internal error: RuntimeError: simulated fault"
    assert "Please report it to" in result.stderr and "Traceback" not in result.output


def test_checked_date_is_normalised():
    result = run("check", EXAMPLES / "four-stars.json", "--format", "json", "--date", "20261125")
    assert result.exit_code == 0 and json.loads(result.stdout)["date"] == "2026-11-25"


@pytest.mark.parametrize("command, ok", [
    ([], "graded, or passed for rulesets without grades (validate: valid)"),
    (["check"], "graded, or passed for rulesets without grades"),
    (["validate"], "valid"),
    (["init"], "written"),
    (["schema"], "printed"),
    (["lint"], "no errors (warnings are listed)"),
    (["rulesets"], "listed"),
])
def test_help_states_the_exit_codes(command, ok):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert f"Exit codes:\n    0  {ok}\n" in result.stdout
    assert "    2  invalid input: evidence or ruleset\n" in result.stdout
    assert "    3  internal fault (a short message says where to report it)\n" in result.stdout
    assert ("    1  evaluated but not graded, ineligible or incomplete\n" in result.stdout) == (
        command in ([], ["check"]))


# ------------------------------------------------------------ standard input and JSON for machines

@pytest.mark.parametrize("command", ["check", "validate", "gap"])
def test_a_dash_reads_the_evidence_from_standard_input(command):
    data = (EXAMPLES / "four-stars.json").read_bytes()
    piped = CliRunner().invoke(main, [command, "-", "--lang", "en"], input=data)
    named = CliRunner().invoke(main, [command, str(EXAMPLES / "four-stars.json"), "--lang", "en"])
    assert piped.exit_code == named.exit_code == 0, piped.output
    assert piped.stdout.replace("<stdin>", "FILE") == named.stdout.replace(str(EXAMPLES / "four-stars.json"), "FILE")


def test_standard_input_is_bounded_and_its_problems_name_it():
    result = CliRunner().invoke(main, ["validate", "-", "--max-bytes", "10", "--lang", "en"], input=b"{" * 100)
    assert result.exit_code == 2
    assert "expected a file of at most 10 bytes, found 11 bytes" in result.output


def test_validate_json_lists_every_problem_for_machines():
    bad = {**json.loads((EXAMPLES / "four-stars.json").read_text("utf-8")), "unknown": 1}
    bad["electricity"]["consumption"] = "lots"
    result = CliRunner().invoke(main, ["validate", "-", "--format", "json", "--lang", "en"],
                                input=json.dumps(bad).encode())
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False and data["source"] == "<stdin>"
    assert {p["pointer"] for p in data["problems"]} == {"/unknown", "/electricity/consumption"}
    good = json.loads(run("validate", EXAMPLES / "four-stars.json", "--format", "json").stdout)
    assert good["valid"] is True and good["problems"] == [] and good["ruleset"]["id"] == "zero_carbon_factory"
