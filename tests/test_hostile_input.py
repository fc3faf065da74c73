"""Hostile input: every file a user names is read by one bounded reader, YAML aliases cannot explode, numbers
with enormous exponents and over-long paths are clear errors (exit 2), never an internal error or a hang."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.evidence.load import EvidenceError, parse_evidence
from checker.inputs import InputError, read_file
from checker.interfaces.cli import main
from checker.tools.cases import CasesError, read_yaml

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"
MARKET = ROOT / "examples" / "carbon-market" / "key-emitter-power.json"
LONG = "x" * 5000   # longer than any file name or path a system allows (ENAMETOOLONG)


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output[:2000]
    return result


@pytest.fixture(autouse=True)
def no_debug(monkeypatch):
    monkeypatch.delenv("CARBON_CHECK_DEBUG", raising=False)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


# ------------------------------------------------------------------ the bounded reader

def test_the_reader_refuses_a_fifo_without_waiting_for_a_writer(fifo):
    with pytest.raises(InputError) as error:
        read_file(fifo)
    assert error.value.en == "expected a regular file, found a special file"


def test_the_reader_refuses_a_device_that_never_ends():
    with pytest.raises(InputError, match="special file"):
        read_file("/dev/zero")


def test_the_reader_refuses_a_file_over_the_limit(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputError) as error:
        read_file(path, max_bytes=100)
    assert error.value.en == "expected a file of at most 100 bytes, found 101 bytes"
    assert read_file(path, max_bytes=101) == b"x" * 101   # the limit itself is allowed


@pytest.mark.parametrize("path, message", [
    (LONG, "expected a readable file, found an error: the path is too long"),
    ("a\0b", "expected a path without NUL characters"),
    ("/nowhere/at/all", "expected a file, found nothing at this path"),
])
def test_the_reader_turns_every_os_error_into_words(path, message):
    with pytest.raises(InputError) as error:
        read_file(path)
    assert error.value.en == message and error.value.zh


@pytest.mark.parametrize("args", [
    ("check", "{}"),                                 # the evidence
    ("validate", "{}"),
    ("gap", "{}"),
    ("check", EXAMPLE, "--param", "@{}"),            # a parameter file
    ("check", EXAMPLE, "--ruleset", "{}.rules"),     # a ruleset file
    ("test", "{}.cases.yaml"),                       # a cases file
    ("lint", "{}.rules"),
])
@pytest.mark.parametrize("what", ["fifo", "device", "long"])
def test_no_command_blocks_or_faults_on_a_special_or_unnamable_file(args, what, fifo, tmp_path):
    target = {"fifo": str(fifo), "device": "/dev/zero", "long": LONG}[what]
    if args[-1].endswith((".rules", ".yaml")) and what != "long":   # a special file under the name asked for
        link = tmp_path / args[-1].format("special")
        link.symlink_to(target)
        target = str(link)
        args = (*args[:-1], "{}")
    result = run(*(str(a).format(target) for a in args))
    assert result.exit_code == 2, result.output[:2000]


def test_a_parameter_file_is_called_a_parameter_file(tmp_path):
    result = run("check", MARKET, "--param", f"@{tmp_path / 'missing.yaml'}")
    assert result.exit_code == 2
    assert "expected a parameter file, found nothing at this path" in result.output
    assert "cases file" not in result.output


# ------------------------------------------------------------------ YAML aliases

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi")) + "average_price: *i\n"


def test_an_alias_bomb_in_a_parameter_file_is_refused_before_it_expands(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text(BOMB)   # 10**9 values if expanded; about 600 bytes
    result = run("check", MARKET, "--param", f"@{path}")
    assert result.exit_code == 2
    assert "the aliases here expand to more than 1000000 values" in result.output
    assert len(result.output) < 1000   # the error message does not expand it either


def test_aliases_that_stay_small_still_work(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("price: &p 90\naverage_price: *p\n")
    data = read_yaml(path, str(path), "parameters")
    assert data == {"price": 90, "average_price": 90}


def test_a_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("a: &a [*a]\n")
    with pytest.raises(CasesError, match="an alias here refers to itself"):
        read_yaml(path, str(path), "parameters")


# ------------------------------------------------------------------ numbers and options

HUGE = "1e9999999999999999999"   # beyond what decimal.Decimal can hold at all


def test_evidence_with_an_enormous_exponent_is_invalid_evidence_with_its_pointer():
    with pytest.raises(EvidenceError) as error:
        parse_evidence(b'{"a": [' + HUGE.encode() + b"]}")
    (problem,) = error.value.problems
    assert problem.pointer == "/a/0"
    assert problem.message_en == f"expected a number with a decimal exponent between -100 and 100, found '{HUGE}'"


@pytest.mark.parametrize("args, message", [
    (("check", EXAMPLE, f"--set=/offsets/credits/0/quantity={HUGE}"), "exponent between -100 and 100"),
    (("check", MARKET, f"--param=average_price={HUGE}"), "must be a finite number within 1e±100"),
    (("check", EXAMPLE, "--max-bytes", str(2 ** 80)), "is not in the range"),
    (("check", EXAMPLE, "--set=/offsets/credits/²=1"), "'²' is not an index of the list"),
    (("check", EXAMPLE, '--set=/offsets/credits/0/quantity=1, "y": 2'), "is not JSON as evidence allows"),
])
def test_numbers_and_options_beyond_any_sense_are_clear_errors(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output[:2000]
    assert message in result.output


# ------------------------------------------------------------------ the one output writer

from checker.outputs.files import OutputError, write_atomically  # noqa: E402


def test_a_new_file_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.txt", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "kept.txt"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new" and path.stat().st_mode & 0o777 == 0o640


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_bytes(b"old")
    link.symlink_to(target)
    write_atomically(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_a_fifo_is_written_into_not_replaced(fifo):
    import threading
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, b"through the pipe")
    reader.join(timeout=60)
    assert received == [b"through the pipe"]
    assert fifo.is_fifo()


def test_a_device_is_written_into_not_replaced():
    write_atomically("/dev/null", b"nothing")
    assert Path("/dev/null").is_char_device()


def test_a_full_disk_is_a_clear_error_and_exit_2(tmp_path):
    with pytest.raises(OutputError) as error:
        write_atomically("/dev/full", b"x")
    assert error.value.en == "the disk is full" and error.value.zh == "磁盘已满"
    result = run("check", EXAMPLE, "-o", "/dev/full", "--lang", "en")
    assert result.exit_code == 2 and "cannot write /dev/full: the disk is full" in result.output


def test_an_unwritable_folder_is_a_clear_error_and_exit_2(tmp_path, monkeypatch):
    import errno

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr("checker.outputs.files._temporary", refuse)   # as a read-only mount would (tests run as root)
    result = run("check", EXAMPLE, "--format", "json", "-o", tmp_path / "report.json", "--lang", "en")
    assert result.exit_code == 2
    assert f"cannot write {tmp_path / 'report.json'}: the file system is read-only" in result.output
    assert not (tmp_path / "report.json").exists()


def test_a_folder_in_the_way_is_a_clear_error(tmp_path):
    with pytest.raises(OutputError, match="it is a folder"):
        write_atomically(tmp_path, b"x")


def test_a_batch_into_a_full_disk_stops_with_exit_2(tmp_path, monkeypatch):
    import errno

    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("checker.outputs.files._temporary", refuse)
    result = run("batch", EXAMPLE, "--ruleset", "zero-carbon-factory", "--out", tmp_path / "out", "--jobs", "1",
                 "--lang", "en")   # the message is in --lang, zh by default
    assert result.exit_code == 2 and "the disk is full" in result.output


def test_dev_stdout_writes_into_what_the_shell_opened(tmp_path):
    import subprocess
    import sys
    log = tmp_path / "log.txt"
    log.write_text("kept\n")
    with open(log, "ab") as appending:
        done = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", "check", str(EXAMPLE), "-o",
                               "/dev/stdout", "--lang", "en"], stdout=appending, timeout=120)
    assert done.returncode == 0
    text = log.read_text()
    assert text.startswith("kept\n") and "Evaluation report" in text


# ------------------------------------------------------------------ parsing cannot overflow the stack

from checker import load_ruleset  # noqa: E402
from checker.language.diagnostics import RulesetError  # noqa: E402
from checker.language.parse import MAX_NESTING  # noqa: E402

HEADER = 'ruleset deep {\n  title "t"\n  version "1"\n  evidence "zero-carbon-factory.schema.json"\n}\n'
ENERGY = "evidence.electricity.consumption"


@pytest.mark.parametrize("name, body", [
    ("unary", 'let x "x" = ' + "-" * 400 + "1\n"),
    ("chain", 'let x "x" = ' + " + ".join(["1"] * 490) + "\n"),
    ("not", 'require R1 "r": ' + "not " * 400 + "true\n"),
    ("and", 'require R1 "r": ' + " and ".join(["true"] * 490) + "\n"),
])
def test_deep_nesting_is_a_diagnostic_with_its_place(tmp_path, name, body):
    path = tmp_path / f"{name}.rules"
    path.write_text(HEADER + body)
    with pytest.raises(RulesetError) as error:
        load_ruleset(path)
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == "too-deep" and diagnostic.span.line == 6 and diagnostic.span.column > 1
    assert f"too deeply nested (more than {MAX_NESTING} levels)" in diagnostic.message
    result = run("lint", path)
    assert result.exit_code == 2 and f"{name}.rules:6:" in result.output


def test_parentheses_add_no_depth(tmp_path):
    path = tmp_path / "parentheses.rules"
    path.write_text(HEADER + 'let x "x" = ' + "(" * 400 + "1" + ")" * 400 + "\n")
    assert load_ruleset(path).id == "deep"


def test_nesting_just_within_the_limit_works_in_every_phase(tmp_path):
    path = tmp_path / "deep.rules"
    terms = MAX_NESTING - 10   # the declaration around the expression takes a few levels
    path.write_text(HEADER + 'let x "x" in MWh = ' + " + ".join([ENERGY] * terms)
                    + f'\nrequire R1 "r": x >= {ENERGY}\n')
    for args in (["lint", path], ["fmt", "--check", path], ["check", EXAMPLE, "--ruleset", path],
                 ["gap", EXAMPLE, "--ruleset", path], ["check", EXAMPLE, "--ruleset", path, "--format", "html"]):
        result = run(*args)
        assert result.exit_code in (0, 1), (args, result.output[:2000])


# ------------------------------------------------------------------ limits on error output

import json  # noqa: E402

from checker.evidence import load as evidence_load  # noqa: E402
from checker.evidence.load import MAX_SHOWN, Problem  # noqa: E402


def many_bad_items(tmp_path, count: int) -> Path:
    evidence = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    evidence["emissions"]["direct"] = [{"source": 1}] * count   # each item: a wrong type and two missing fields
    path = tmp_path / "many.json"
    path.write_text(json.dumps(evidence))
    return path


def test_an_error_lists_the_first_problems_and_counts_the_rest():
    error = EvidenceError("e.json", [Problem(f"/a/{i}", "bad", "错") for i in range(MAX_SHOWN + 50)])
    lines = error.render("en").splitlines()
    assert len(lines) == MAX_SHOWN + 1 and lines[-1] == "… and 50 more problems not shown"
    assert error.render("zh").splitlines()[-1] == "…… 另有 50 个问题未列出"
    assert error.summary("en") == f"{MAX_SHOWN + 50} problems found"
    assert len(error.render("en", limit=1).splitlines()) == 2


def test_validate_stops_counting_and_says_at_least(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence_load, "MAX_COUNTED", 60)
    result = run("validate", many_bad_items(tmp_path, 1000), "--lang", "en")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    counted = len(lines) - 2
    assert counted >= 60 and lines[-1] == f"at least {counted} problems found"
    assert lines[-2] == f"… and more problems not shown: counting stopped at {counted}"


def test_validate_of_many_problems_prints_a_bounded_listing(tmp_path):
    result = run("validate", many_bad_items(tmp_path, 200), "--lang", "en")   # 600 problems
    lines = result.output.splitlines()
    assert result.exit_code == 2 and len(lines) == MAX_SHOWN + 2
    assert lines[-2] == f"… and {600 - MAX_SHOWN} more problems not shown" and lines[-1] == "600 problems found"


def test_one_invalid_application_cannot_swell_the_batch_summary(tmp_path):
    from checker.tools.batch import ROW_ERROR_CHARS
    many = many_bad_items(tmp_path, 300)
    result = run("batch", many, EXAMPLE, "--ruleset", "zero-carbon-factory", "--out", tmp_path / "out",
                 "--jobs", "1", "--format", "json", "--lang", "en")
    assert result.exit_code == 2
    summary = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8-sig")
    assert len(summary) < ROW_ERROR_CHARS + 1000 and "more problems not shown" in summary
    assert (tmp_path / "out" / "index.html").stat().st_size < 100_000


# ------------------------------------------------------------------ one batch per output folder

def test_a_second_batch_into_the_same_folder_stops_with_a_clear_message(tmp_path):
    import fcntl
    from checker.tools.batch import LOCK_FILE
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_FILE, "w") as held:   # a first batch, still running
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run("batch", EXAMPLE, "--ruleset", "zero-carbon-factory", "--out", out, "--jobs", "1", "--lang", "en")
        assert result.exit_code == 2
        assert result.stderr == f"carbon-check: another batch is writing into {out}: wait until it ends, or choose another --out\n"
        zh = run("batch", EXAMPLE, "--ruleset", "zero-carbon-factory", "--out", out, "--jobs", "1")
        assert zh.exit_code == 2 and zh.stderr == f"carbon-check: 另一个批量评价正在写入 {out}：请等它结束，或换一个 --out\n"
        assert not (out / "summary.csv").exists()
    result = run("batch", EXAMPLE, "--ruleset", "zero-carbon-factory", "--out", out, "--jobs", "1")
    assert result.exit_code == 0 and (out / "summary.csv").exists()   # once it ended, the folder is free


# ------------------------------------------------------------------ custom templates: confined and bounded

from checker import load_evidence, render  # noqa: E402
from checker.catalogue import messages  # noqa: E402
from checker.errors import ReportError  # noqa: E402


@pytest.fixture(scope="module")
def four_stars():
    evidence, raw = load_evidence(EXAMPLE)
    return load_ruleset("zero-carbon-factory").evaluate(evidence, evidence_bytes=raw, date="2025-06-30", gap=True)


def custom(tmp_path, text: str) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "report.txt.j2").write_text(text, encoding="utf-8")
    return folder


def test_a_template_folder_still_works(tmp_path, four_stars):
    folder = custom(tmp_path, "{{ result.outcome }}|"
                              "{% for i in range(3) %}{{ i }}{% endfor %}")
    assert render(four_stars, "text", "en", folder) == "graded|012"


@pytest.mark.parametrize("linked", ["report.txt.j2", "secret.j2"])
def test_a_symbolic_link_out_of_the_template_folder_is_refused(tmp_path, four_stars, linked):
    secret = tmp_path / "secret.txt"
    secret.write_text("the machine's secret")
    folder = custom(tmp_path, '{% include "secret.j2" %}')
    (folder / linked).unlink(missing_ok=True)
    (folder / linked).symlink_to(secret)
    with pytest.raises(ReportError, match="symbolic link to outside") as error:
        render(four_stars, "text", "en", folder)
    assert "the machine's secret" not in str(error.value)


def test_a_symbolic_link_inside_the_folder_is_fine(tmp_path, four_stars):
    folder = custom(tmp_path, "inside")
    (folder / "other.j2").write_text("inside")
    (folder / "report.txt.j2").unlink()
    (folder / "report.txt.j2").symlink_to(folder / "other.j2")
    assert render(four_stars, "text", "en", folder) == "inside"


def test_a_catalogue_linked_from_outside_is_refused(tmp_path, four_stars):
    outside = tmp_path / "outside.yaml"
    outside.write_text("report: {}\n")
    folder = custom(tmp_path, "x")
    (folder / "messages.yaml").symlink_to(outside)
    with pytest.raises(ReportError, match="symbolic link to outside"):
        render(four_stars, "text", "en", folder)


def test_an_alias_bomb_in_a_custom_catalogue_is_refused(tmp_path, four_stars):
    folder = custom(tmp_path, "x")
    (folder / "messages.yaml").write_text(BOMB)
    with pytest.raises(ReportError, match="expand to more than"):
        render(four_stars, "text", "en", folder)


@pytest.mark.parametrize("text", [
    "{{ t.clear() }}",
    "{% set _ = t.update({'x': 1}) %}",
    "{% for group in t.values() %}{% set _ = group.clear() %}{% endfor %}",
    "{% set _ = view.clear() %}",
])
def test_a_template_cannot_change_the_shared_catalogue(tmp_path, four_stars, text):
    before = {group: dict(items) for group, items in messages("en").items()}
    with pytest.raises(ReportError, match="template report.txt.j2 .* failed"):
        render(four_stars, "text", "en", custom(tmp_path, text))
    assert messages("en") == before


@pytest.mark.parametrize("text, refusal", [
    ('{% for a in "x" * 90000 %}{% for b in "x" * 90000 %}{% endfor %}{% endfor %}', "more than 2000000 steps"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "steps"),
    ("{{ range(10 ** 9) | list | length }}", "above 100000"),
    ('{{ "x" * 1000000000 }}', "more than 100000 items or characters"),
    ("{{ [0] * 1000000000 }}", "more than 100000 items or characters"),
    ('{{ "a".ljust(1000000000) }}', "above 100000"),
    ('{{ "x" | center(1000000000) }}', "above 100000"),
    ('{{ "%0999999999d" % 1 }}', "width or precision"),
    ('{{ "%0999999999d" | format(1) }}', "width or precision"),
    ('{{ "{:>999999999}".format(1) }}', "width or precision"),
    ("{{ 2 ** 1000000000 }}", "power too large"),
    ('{% for i in range(99999) %}{{ "x" * 99999 }}{% endfor %}', "longer than"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "too deeply"),
])
def test_a_template_cannot_run_or_grow_without_bound(tmp_path, four_stars, text, refusal):
    with pytest.raises(ReportError, match=refusal):
        render(four_stars, "text", "en", custom(tmp_path, text))


def test_a_runaway_template_is_a_clear_error_on_the_command_line(tmp_path):
    folder = custom(tmp_path, '{{ "x" * 1000000000 }}')
    result = run("check", EXAMPLE, "--template-dir", folder, "--lang", "en")
    assert result.exit_code == 2 and "more than 100000 items or characters" in result.output


# ------------------------------------------------------------------ dates in order

from checker.evaluation.ruleset import shipped_rulesets  # noqa: E402
from checker.evidence.load import validate_evidence  # noqa: E402


@pytest.mark.parametrize("end, problems", [
    ("2023-12-31", ["/reporting_period/end: expected a date on or after the start 2024-01-01, found '2023-12-31'"]),
    ("2024-01-01", []),     # a one-day period is in order
    ("2024-12-31", []),
])
def test_a_period_that_ends_before_it_starts_is_invalid_evidence(end, problems):
    evidence, _ = load_evidence(EXAMPLE)
    evidence["reporting_period"]["end"] = end
    found = validate_evidence(evidence, load_ruleset("zero-carbon-factory").schema)
    assert [f"{p.pointer}: {p.message_en}" for p in found] == problems


def test_a_reversed_period_is_listed_with_the_other_problems(tmp_path):
    evidence = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    evidence["reporting_period"]["end"] = "2023-01-01"
    evidence["electricity"]["consumption"] = -1
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(evidence))
    result = run("validate", path, "--lang", "en")
    assert result.exit_code == 2 and "2 problems found" in result.output
    assert "/reporting_period/end: expected a date on or after the start 2024-01-01" in result.output
    assert run("check", path).exit_code == 2   # never graded


def test_every_shipped_schema_with_a_period_is_checked():
    from checker.evidence.load import _periods
    with_periods = [p.stem for p in shipped_rulesets() if _periods(load_ruleset(p).schema)]
    assert "zero-carbon-factory" in with_periods and "carbon-market" in with_periods


# ------------------------------------------------------------------ the Python API validates what it evaluates

def test_evaluating_evidence_never_validated_names_the_pointer():
    evidence, _ = load_evidence(EXAMPLE)
    evidence["electricity"]["consumption"] = "a lot"
    with pytest.raises(EvidenceError) as error:
        load_ruleset("zero-carbon-factory").evaluate(evidence)
    assert [p.pointer for p in error.value.problems] == ["/electricity/consumption"]


def test_the_readme_example_validates():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("From Python:", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    assert "validate" in example or "check_evidence" in example


# ------------------------------------------------------------------ memory

def test_loading_a_ruleset_again_and_again_does_not_keep_its_validators(tmp_path):
    import gc
    import tracemalloc
    evidence, _ = load_evidence(EXAMPLE)
    evidence["electricity"]["consumption"] = -1   # invalid: the full jsonschema validator is built too
    small = tmp_path / "small.rules"   # a small ruleset reading the factory schema: the schema is the cost
    small.write_text(HEADER + 'require R1 "r": evidence.electricity.consumption >= 0 MWh\n')

    def load_and_validate():
        assert validate_evidence(evidence, load_ruleset(small).schema)

    # Traced from the start: the bounded caches' entries made before it would be counted as growth when
    # replaced, and their own size (that of 16 validators) is not what this test is about.
    tracemalloc.start()
    try:
        for _ in range(20):   # the bounded caches fill up first
            load_and_validate()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            load_and_validate()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 5 * 1024 * 1024, f"{grown} bytes kept after 200 loads"   # one validator is about 0.4 MB


def test_a_replaced_file_is_kept_whole_then_freed(tmp_path):
    from checker.outputs.files import Recycler, Syncs, free_retired, make_folder, write_atomically
    retired = tmp_path / "retired"
    make_folder(retired)
    recycler = Recycler(retired, Syncs())
    write_atomically(tmp_path / "r.json", b"old", durable=False, retire=recycler)   # nothing to replace yet
    assert not os.listdir(retired)
    write_atomically(tmp_path / "r.json", b"new", durable=False, retire=recycler)
    assert (tmp_path / "r.json").read_bytes() == b"new"
    assert [e.read_bytes() for e in retired.iterdir()] == [b"old"]   # the old file, whole, until freed
    assert free_retired(retired, remove=True) == 1 and not retired.exists()