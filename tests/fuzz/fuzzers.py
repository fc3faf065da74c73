"""The fuzzers (see the package's description). Every case runs under a time limit (CASE_SECONDS)."""
from __future__ import annotations

import contextlib
import copy
import json
import random
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from checker import EvidenceError, RulesetError, load_evidence, load_ruleset, render
from checker.evaluation.ruleset import shipped_rulesets
from checker.evidence.load import parse_evidence, validate_evidence
from checker.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE_SECONDS = 20   # a case that takes longer is a hang
FORMATS = ("text", "md", "html", "json")


class Budget:
    """Cases run until `seconds` have passed (or `cases` have run)."""

    def __init__(self, seconds: float, cases: int | None = None):
        self.end, self.cases, self.ran = time.monotonic() + seconds, cases, 0

    def more(self) -> bool:
        if time.monotonic() >= self.end or (self.cases is not None and self.ran >= self.cases):
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
            except RulesetError:
                rules = None
            try:  # FormatError (the formatter would change the meaning) is a fault: it fails the run
                format_source(mutant, str(target))
            except RulesetError:
                pass
            cli("lint", target)
            if rules is not None and examples.get(path.stem):
                cli("check", rng.choice(examples[path.stem]), "--ruleset", target, "--format", "json")
        ran += 1
    return ran


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


def check_everything(rules, evidence: dict, what: str, formats=FORMATS) -> None:
    """validate, evaluate (deterministically), gap and every report format of one evidence."""
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
        first = rules.evaluate(evidence, date="2025-06-30")
        again = rules.evaluate(evidence, date="2025-06-30")
        assert first.to_json() == again.to_json(), f"{what}: not deterministic"
        for fmt in formats:
            render(first, fmt, "en")
        render(first, "text", "zh")


def fuzz_evidence_mutations(rng: random.Random, budget: Budget) -> int:
    """Every example of every shipped ruleset, mutated outside its schema, through validate, check, gap, reports."""
    cases = []
    for path in shipped_rulesets():
        rules = load_ruleset(path)
        for example in sorted((ROOT / "examples" / path.stem).glob("*.json")):
            cases.append((rules, load_evidence(example)[0], example.name))
    ran = 0
    while budget.more():
        rules, evidence, name = rng.choice(cases)
        mutant = mutate_evidence(rng, evidence)
        check_everything(rules, mutant, f"{rules.id} {name} mutant {json.dumps(mutant, default=str)[:2000]}")
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
