"""The fuzzers (see the package's description). Every case runs under a time limit (CASE_SECONDS)."""
from __future__ import annotations

import contextlib
import copy
import json
import random
import re
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from checker import EvidenceError, RulesetError, load_evidence, load_ruleset, render
from checker.evaluation.result import dumps
from checker.evaluation.ruleset import shipped_rulesets
from checker.evidence.load import parse_evidence, validate_evidence
from checker.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE_SECONDS = 20   # a case that takes longer is a hang
FORMATS = ("text", "md", "html", "json")
PDF_EVERY = 40   # a PDF takes about a second: one case in PDF_EVERY also renders one, when WeasyPrint is there


def pdf_available() -> bool:
    """WeasyPrint, its system libraries and the CJK fonts are installed (`bash .ci/install-pdf-deps`)."""
    try:
        from checker.outputs.pdf import html_to_pdf
        html_to_pdf("<html><body><p>零碳</p></body></html>")
    except Exception:   # noqa: BLE001 - any missing piece means: no PDF in this run
        return False
    return True


class Budget:
    """Cases run until `seconds` have passed since the first (or `cases` have run); at least one always runs,
    however slow the machine or the fuzzer's setup."""

    def __init__(self, seconds: float, cases: int | None = None):
        self.seconds, self.end, self.cases, self.ran = seconds, None, cases, 0

    def more(self) -> bool:
        if self.end is None:
            self.end = time.monotonic() + self.seconds
        elif time.monotonic() >= self.end or (self.cases is not None and self.ran >= self.cases):
            return False
        self.ran += 1
        return True


@contextlib.contextmanager
def time_limit(what: str):
    def hang(signum, frame):
        raise AssertionError(f"hang: {what} took more than {CASE_SECONDS} s")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(CASE_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def cli(*args) -> int:
    """Run a command; only exit codes 0, 1 and 2 are allowed (3 is an internal fault)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in (0, 1, 2), f"carbon-check {' '.join(map(str, args))[:300]}: {result.output[-2000:]}"
    assert "Traceback" not in result.output
    return result.exit_code


# ---------------------------------------------------------------- rulesets

_PIECES = ["(", ")", "{", "}", "-", "not ", " + ", " * ", " / ", " and ", " or ", "??", "\"", "#", "1e999",
           "0", "%", " in ", " tCO2e", "let ", "require ", "grades {", "\n", ":", ",", "evidence.", "sum(",
           "9" * 50, "\u00b2", "\x00", "-" * 300 + "1", " + 1" * 200, '" +\n  "', ' + "续"', '"\\']


def mutate_text(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        kind = rng.random()
        if kind < 0.35:
            text = text[:at] + rng.choice(_PIECES) + text[at:]
        elif kind < 0.65:
            text = text[:at] + text[at + rng.randint(1, 40):]
        elif kind < 0.85:
            other = rng.randrange(len(text) + 1)
            text = text[:at] + text[min(at, other):max(at, other)][:400] + text[at:]
        else:
            lines = text.split("\n")
            rng.shuffle(lines[rng.randrange(len(lines)):])
            text = "\n".join(lines)
    return text


def fuzz_rulesets(rng: random.Random, budget: Budget, folder: Path) -> int:
    """Shipped rulesets, mutated, through load, lint, fmt and check: a diagnostic or a result, nothing else."""
    from checker.language.format import format_source
    sources = [(p, p.read_text(encoding="utf-8")) for p in shipped_rulesets()]
    examples = {p.stem: sorted((ROOT / "examples" / p.stem).glob("*.json")) for p, _ in sources}
    ran = 0
    while budget.more():
        path, text = rng.choice(sources)
        mutant = mutate_text(rng, text)
        target = folder / path.name
        target.write_text(mutant, encoding="utf-8", errors="surrogateescape")
        what = f"ruleset mutant of {path.name} (seed case {ran})"
        with time_limit(what):
            try:
                rules = load_ruleset(target)
            except RulesetError as error:
                rules, refused = None, error
            try:  # FormatError (the formatter would change the meaning) is a fault: it fails the run
                formatted = format_source(mutant, str(target))
            except RulesetError:
                formatted = None
            cli("lint", target)
            example = rng.choice(examples[path.stem]) if examples.get(path.stem) else None
            if rules is not None and example:
                cli("check", example, "--ruleset", target, "--format", "json")
            if formatted is not None:
                same_meaning(target, mutant, formatted, rules, refused if rules is None else None, example, what)
        ran += 1
    return ran


def same_meaning(target: Path, mutant: str, formatted: str, rules, refused, example, what: str) -> None:
    """fmt keeps meaning: the same syntax tree, the same load errors or the same result on an example."""
    from checker.language.format import format_source, shape
    from checker.language.parse import parse
    assert shape(parse(formatted, str(target))) == shape(parse(mutant, str(target))), f"{what}: fmt changed the tree"
    assert format_source(formatted, str(target)) == formatted, f"{what}: fmt is not idempotent"
    again = target.with_name("formatted-" + target.name)   # beside it: imports resolve the same way
    again.write_text(formatted, encoding="utf-8", errors="surrogateescape")
    try:
        rules_again = load_ruleset(again)
    except RulesetError as error:
        assert refused is not None, f"{what}: loads, but not once formatted: {error}"
        codes = sorted(d.code for d in error.diagnostics)
        assert codes == sorted(d.code for d in refused.diagnostics), f"{what}: fmt changed the load errors"
        return
    assert rules is not None, f"{what}: refused, but loads once formatted"
    if example is not None:
        evidence = load_evidence(example)[0]
        try:
            results = [r.evaluate(evidence, date="2025-06-30", gap=False).to_dict() for r in (rules, rules_again)]
        except EvidenceError:
            return   # the mutant's schema refuses the example, formatted or not
        for result in results:
            result["ruleset"].pop("sha256", None)
        # Results quote the rule code (conditions, formulas), which fmt re-spaces: `( a)` becomes `(a)`.
        # Compared without spaces; every text value was compared exactly with the syntax trees above.
        unspaced = [re.sub(r"\s+", "", json.dumps(r, default=str, ensure_ascii=False, sort_keys=True))
                    for r in results]
        assert unspaced[0] == unspaced[1], f"{what}: fmt changed the result"


# ---------------------------------------------------------------- evidence

_HOSTILE = [None, True, "", "x" * 5000, "\u202e\u0000<script>", Decimal("-1"), Decimal("1e100"), Decimal("1e-100"),
            Decimal("0"), [], {}, [None], {"": None}, "2024-02-30", "NaN", Decimal("123456789012345678901234567890")]


def mutate_evidence(rng: random.Random, evidence):
    """A copy with one value replaced, removed or added somewhere in the tree: usually outside the schema."""
    evidence = copy.deepcopy(evidence)
    nodes = [evidence]
    node = evidence
    while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
            choice = rng.random()
            if choice < 0.7:
                node[key] = copy.deepcopy(rng.choice(_HOSTILE))
            elif choice < 0.85 and isinstance(node, dict):
                del node[key]
            elif isinstance(node, list):
                node.append(copy.deepcopy(node[key]))
            return evidence
        node = node[key]
        nodes.append(node)
    return evidence


def check_everything(rules, evidence: dict, what: str, formats=FORMATS, target: str | None = None) -> None:
    """validate, evaluate (deterministically), gap (to the next grade, and to `target`) and every report format."""
    from checker.evaluation.gap import gap_to
    with time_limit(what):
        problems = validate_evidence(evidence, rules.schema)
        if problems:
            try:
                rules.evaluate(evidence)
            except EvidenceError as error:
                assert error.problems, what
            else:
                raise AssertionError(f"{what}: invalid evidence evaluated")
            return
        first = rules.evaluate(evidence, date="2025-06-30", gap=True)
        again = rules.evaluate(evidence, date="2025-06-30", gap=True)
        assert first.to_json() == again.to_json(), f"{what}: not deterministic"
        if target is not None and not rules.classifies:
            try:
                gap_to(rules, evidence, first, {}, target)
            except ValueError as error:   # a grade the ruleset does not have: the CLI's exit 2
                assert target not in {g.id for g in rules.model.grades.grades}, f"{what}: gap --target {target}: {error}"
        for fmt in formats:
            render(first, fmt, "en")
        render(first, "text", "zh")


GAP_CLI_EVERY = 10


def fuzz_evidence_mutations(rng: random.Random, budget: Budget, folder: Path | None = None) -> int:
    """Every example of every shipped ruleset, mutated outside its schema, through validate, check, gap (and
    `gap --target` of a random grade, or one it does not have), every report format (PDF now and then)."""
    cases = []
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        for example in sorted((ROOT / "examples" / path.stem).glob("*.json")):
            cases.append((rules, load_evidence(example)[0], example.name))
    ran, pdf = 0, pdf_available()
    while budget.more():
        rules, evidence, name = rng.choice(cases)
        mutant = mutate_evidence(rng, evidence)
        formats = FORMATS + ("pdf",) if pdf and ran % PDF_EVERY == 0 else FORMATS
        grades = [g.id for g in rules.model.grades.grades] if rules.model.grades else []
        target = rng.choice(grades + ["no_such_grade"]) if grades else None
        check_everything(rules, mutant, f"{rules.id} {name} mutant {json.dumps(mutant, default=str)[:2000]}",
                         formats, target)
        if folder is not None and ran % GAP_CLI_EVERY == 0 and target:   # the command itself, now and then
            application = folder / "mutant.json"
            application.write_text(json.dumps(mutant, default=str), encoding="utf-8", errors="surrogatepass")
            with time_limit(f"gap --target {target} of {name} mutant"):
                cli("gap", application, "--ruleset", rules.path, "--target", target, "--lang", rng.choice(["zh", "en"]))
        # the same bytes through the strict loader
        raw = json.dumps(mutant, default=str, ensure_ascii=bool(rng.getrandbits(1))).encode("utf-8", "surrogatepass")
        with time_limit("parse_evidence"):
            try:
                parse_evidence(raw)
            except EvidenceError:
                pass
        ran += 1
    return ran


def schema_strategies():
    """hypothesis strategies of evidence for every shipped schema that hypothesis-jsonschema can read."""
    from hypothesis_jsonschema import from_schema
    found = []
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        try:
            found.append((rules, from_schema(rules.schema)))
        except Exception:   # a keyword it does not support (a custom format): mutations still cover it
            continue
    return found


def to_decimals(value):
    """hypothesis-jsonschema draws floats; evidence holds Decimals."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, list):
        return [to_decimals(v) for v in value]
    return {k: to_decimals(v) for k, v in value.items()}


# ---------------------------------------------------------------- differential and metamorphic

def baseline():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import baseline as module   # noqa: E402
    import corpus   # noqa: E402
    return module, corpus


def fuzz_differential(rng: random.Random, budget: Budget) -> int:
    """The engine agrees with benchmarks/baseline.py on generated factory evidence, weighted to grade edges."""
    hand, corpus = baseline()
    rules = load_ruleset("zero-carbon-factory")
    ran = 0
    while budget.more():
        evidence = corpus.application(rng, ran)
        if rng.random() < 0.5:   # towards a grade edge: nudge one assessed score to a boundary
            assessments = evidence.get("assessments", {})
            if assessments:
                key = rng.choice(sorted(assessments))
                assessments[key] = Decimal(rng.choice(["0", "0.01", "3.5", "3.51", "4.5", "4.51", "4.99", "5"]))
        if validate_evidence(evidence, rules.schema):
            continue
        result = rules.evaluate(evidence, date="2025-06-30", gap=False)
        engine = result.outcome, (result.grade or result.provisional_grade or {}).get("id"), result.score
        expected = hand.grade(evidence)
        assert engine == tuple(expected), f"engine {engine}, baseline {expected}: {json.dumps(evidence, default=str)}"
        ran += 1
    return ran


def fuzz_metamorphic(rng: random.Random, budget: Budget) -> int:
    """A retired credit added never lowers the offset ratio's points (O1, a scale); more renewable power never
    lowers the renewable share's points (E1, a scale)."""
    _, corpus = baseline()
    rules = load_ruleset("zero-carbon-factory")
    ran = 0
    while budget.more():
        evidence = corpus.application(rng, ran)
        if validate_evidence(evidence, rules.schema):
            continue
        before = rules.evaluate(evidence, date="2025-06-30", gap=False)
        more = copy.deepcopy(evidence)
        more.setdefault("offsets", {}).setdefault("credits", []).append(
            {"standard": "CCER", "serial": f"CCER-2024-{ran:06d}", "quantity": Decimal(rng.randint(1, 5000)),
             "retired": True})
        if not validate_evidence(more, rules.schema):
            after = rules.evaluate(more, date="2025-06-30", gap=False)
            assert _points(after, "O1") >= _points(before, "O1"), f"a retired credit lowered O1: {evidence}"
        higher = copy.deepcopy(evidence)   # more renewable electricity: a higher input of the scale E1
        electricity = higher.get("electricity", {})
        if "green_power_trading" in electricity:
            electricity["green_power_trading"] += Decimal(rng.randint(1, 5000)) / 10
            if not validate_evidence(higher, rules.schema):
                after = rules.evaluate(higher, date="2025-06-30", gap=False)
                assert _points(after, "E1") >= _points(before, "E1"), f"more renewable power lowered E1: {evidence}"
        ran += 1
    return ran


def _points(result, item_id: str) -> Decimal:
    for item in result.criteria:
        if item.id == item_id:
            return item.points or Decimal(0)
    return Decimal(0)


# ---------------------------------------------------------------- spreadsheets

def workbook_round_trip(rules, evidence: dict, what: str) -> bool:
    """JSON -> XLSX -> JSON (as `convert` does it) gives the same evidence and the same result. False when
    `convert` refuses, which it may only for a value no cell can hold, named by its pointer: a blank text
    (a blank cell is a value not given) or one with control characters."""
    from checker.interfaces.cli.selfcheck import workbook_of
    from checker.evidence.workbook import read_workbook
    with time_limit(what):
        try:
            content = workbook_of(rules, evidence, "round-trip.xlsx", max_bytes=1 << 30)
        except EvidenceError as error:
            odd = [p.pointer for p in error.problems if not _unholdable(_at(evidence, p.pointer))]
            assert not odd, f"{what}: convert refused values a workbook can hold: {odd}"
            return False
        back, _, unread = read_workbook(content, "round-trip.xlsx", max_bytes=len(content)).evidence(rules.schema)
        assert not unread and _same_types(back, evidence), f"{what}: JSON -> XLSX -> JSON changed the evidence"
        results = [rules.evaluate(e, date="2025-06-30", gap=False).to_dict() for e in (evidence, back)]
        for result in results:
            result["evidence"].pop("sha256", None)
        assert results[0] == results[1], f"{what}: the workbook scores differently"
    return True


def _unholdable(value) -> bool:
    """A blank text or one with control characters; an object of nothing else (its sheet rows stay blank, so
    it reads back as not given); a list with an entry of nothing else (a blank row is no entry)."""
    from checker.evidence.fields import blank
    if isinstance(value, dict):
        return all(_unholdable(v) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(v, (dict, list)) and _unholdable(v) or blank(v) for v in value)
    return isinstance(value, str) and (blank(value) or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", value) is not None)


def _at(document, pointer: str):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            document = document[int(token)] if isinstance(document, list) else document[token]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return document


def _same_types(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def fuzz_workbooks(rng: random.Random, budget: Budget) -> int:
    """The metamorphic round trip JSON -> XLSX -> JSON on generated factory evidence and every shipped example
    (valid ones, their numbers nudged): lossless, and the same result."""
    _, corpus = baseline()
    examples = []
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        examples += [(rules, load_evidence(e)[0], e.name) for e in sorted((ROOT / "examples" / path.stem).glob("*.json"))]
    factory = load_ruleset("zero-carbon-factory")
    ran = 0
    while budget.more():
        if rng.random() < 0.5:
            # as a JSON file of it loads: every number a Decimal (the generator writes categories as int)
            evidence = parse_evidence(dumps(corpus.application(rng, ran)).encode())
            rules, name = factory, f"factory application {ran}"
        else:
            rules, evidence, name = rng.choice(examples)
            evidence = _nudged(rng, copy.deepcopy(evidence))
        if validate_evidence(evidence, rules.schema):
            continue
        workbook_round_trip(rules, evidence, f"{rules.id} {name}: {json.dumps(evidence, default=str)[:1500]}")
        ran += 1
    return ran


def _nudged(rng: random.Random, node):
    """Numbers scaled by powers of ten and given more digits: what a workbook cell must keep exactly."""
    if isinstance(node, dict):
        return {k: _nudged(rng, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_nudged(rng, v) for v in node]
    if isinstance(node, Decimal) and rng.random() < 0.5:
        return node * Decimal(10) ** rng.randint(-3, 3) + Decimal(rng.randint(0, 999)) / 10 ** rng.randint(3, 12)
    return node
