"""Speed of carbon-check on a deterministic corpus of zero-carbon-factory applications.

    python benchmarks/run.py [--n 10000] [--skip-batch | --only batch] [--profile evaluate|pipeline]

Prints: the ruleset's load time (in this process, and cold in a fresh interpreter); documents per
second for evaluation alone, beside the hand-written Decimal function of benchmarks/baseline.py (and
checks that both agree on every application); for reading + validation + evaluation + JSON result;
and for the whole `carbon-check batch` command with --jobs 1 and --jobs 2. The corpus is written to
benchmarks/corpus/ (git-ignored) and reused when its bytes are unchanged.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # corpus.py and baseline.py live beside this file

import baseline  # noqa: E402
import corpus  # noqa: E402

from checker import load_ruleset, parse_evidence  # noqa: E402
from checker.evaluation.evaluate import evaluate  # noqa: E402

RULESET = "zero-carbon-factory"
DATE = "2026-11-25"
TARGETS = {"load_ms": 100, "ratio": 2, "pipeline": 10, "cold": 10, "batch_s": 5}


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--n", type=int, default=10_000, help="applications in the corpus (default 10000)")
    options.add_argument("--skip-batch", action="store_true", help="leave out the two batch runs")
    options.add_argument("--only", choices=("batch",), help="run only the batch runs")
    options.add_argument("--profile", choices=("evaluate", "pipeline"), help="print a cProfile of one stage")
    args = options.parse_args()

    folder = HERE / "corpus" / "applications"
    started = time.perf_counter()
    paths = corpus.generate(folder, args.n)
    raws = [p.read_bytes() for p in paths]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"corpus: {len(paths):,} applications in {folder.relative_to(HERE.parent)} "
          f"({time.perf_counter() - started:.1f} s to generate or check)")

    if args.only == "batch":
        _batches(folder, len(paths))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    loaded = _timed(lambda: load_ruleset(RULESET))
    ruleset = load_ruleset(RULESET)
    print(f"ruleset load, in this process: {loaded * 1000:.0f} ms (target < {TARGETS['load_ms']} ms)")
    cold = _cold_load()
    print(f"ruleset load, fresh interpreter: import checker {cold['import'] * 1000:.0f} ms"
          f" + load {cold['load'] * 1000:.0f} ms = {(cold['import'] + cold['load']) * 1000:.0f} ms")

    documents = [parse_evidence(raw, str(path)) for raw, path in zip(raws, paths)]
    if args.profile:
        _profile(args.profile, ruleset, documents, raws)
        return 0

    results, expected = [], []
    items = list(zip(documents, raws))
    stages = {
        # Only the figures are kept: ten thousand live results would slow every garbage collection.
        "engine": lambda part: results.extend(_figures(ruleset.evaluate(d, date=DATE, evidence_bytes=r))
                                              for d, r in part),
        # Results are dropped at once: a chunk of live results would make this stage pay for the collector.
        "scoring": lambda part: _each(ruleset.evaluate(d, date=DATE, evidence_bytes=r, validated=True) for d, r in part),
        "validation": lambda part: _each(ruleset.validate(d) for d, _ in part),
        "baseline": lambda part: expected.extend(baseline.grade(d) for d, _ in part),
    }

    def pipeline():
        for raw, path in zip(raws, paths):
            data = parse_evidence(raw, str(path))
            assert not ruleset.validate(data)
            ruleset.evaluate(data, date=DATE, evidence_bytes=raw, gap=True, validated=True).to_json()

    for frozen in (False, True):
        if frozen:
            # What a batch worker and the web server do once their rulesets are loaded (see tools/batch.py).
            gc.freeze()
            print("-- the same with the loaded ruleset frozen out of the garbage collector's sight "
                  "(batch workers, serve):")
        seconds = _interleaved(stages, items)
        rates = {name: len(items) / sum(s) for name, s in seconds.items()}
        ratios = {name: statistics.median(e / h for e, h in zip(seconds[name], seconds["baseline"]))
                  for name in ("engine", "scoring", "validation")}
        hand_us = 1e6 / rates["baseline"]
        print(f"evaluation: Ruleset.evaluate {1e6 / rates['engine']:,.0f} µs/doc as called by default (validating "
              f"the evidence, then scoring it; no gap); scoring alone (validated=True) "
              f"{1e6 / rates['scoring']:,.0f} µs/doc; validation alone (Ruleset.validate) "
              f"{1e6 / rates['validation']:,.0f} µs/doc; hand-written baseline {hand_us:,.0f} µs/doc (grade and "
              f"score only)")
        print(f"            engine / baseline: {ratios['engine']:.1f}× by default, {ratios['scoring']:.1f}× scoring alone, "
              f"{ratios['validation']:.1f}× validation alone (median over chunks taking turns; target ≤ "
              f"{TARGETS['ratio']}× by default)")
        if not frozen:
            _agree(results, expected, paths)
            outcomes = Counter((outcome, grade) for outcome, grade, _ in results)
            print("outcomes: " + ", ".join(f"{o}{':' + g if g else ''} {n}"
                                           for (o, g), n in sorted(outcomes.items(), key=str)))
        full = _rate(pipeline, len(raws))
        print(f"pipeline (strict load + Ruleset.validate + evaluate + JSON result with explanations and gap): "
              f"{full:,.0f} docs/s ({1e6 / full:,.0f} µs/doc, one core) = {1e6 / full / hand_us:.1f}× the "
              f"baseline's evaluation (target ≤ {TARGETS['pipeline']}×)")
    _cold_check()

    if not args.skip_batch:
        _batches(folder, len(paths))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def _batches(folder: Path, count: int) -> None:
    out = HERE / "corpus" / "out"
    for jobs in (1, 2):
        seconds = _batch(folder, out, jobs, force=True)
        print(f"batch --jobs {jobs}: {seconds:.1f} s for {count:,} applications "
              f"({count / seconds:,.0f} docs/s; target < {TARGETS['batch_s']} s on 2 cores)")
    seconds = _batch(folder, out, 2, force=False)
    print(f"batch --jobs 2 again, every result kept: {seconds:.1f} s")
    shutil.rmtree(out, ignore_errors=True)


def _each(work) -> None:
    for _ in work:
        pass


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _rate(work, count: int) -> float:
    return count / _timed(work)


def _interleaved(stages: dict, items: list, chunk: int = 250) -> dict[str, list[float]]:
    """Seconds per chunk of each stage, the stages taking turns on every chunk.

    A machine busy with other work then slows all stages alike, and ratios stay meaningful.
    """
    seconds: dict[str, list[float]] = {name: [] for name in stages}
    for start in range(0, len(items), chunk):
        part = items[start:start + chunk]
        for name, work in stages.items():
            seconds[name].append(_timed(lambda: work(part)))
    return seconds


def _figures(result) -> tuple:
    """What the baseline computes too: outcome, grade (or provisional grade) and score."""
    return result.outcome, (result.grade or result.provisional_grade or {}).get("id"), result.score


def _cold_check(runs: int = 7) -> None:
    """`carbon-check check … --format json` in a fresh process, beside `python -c pass` (medians).

    As installed: pip compiles a package's bytecode when it installs it, but an editable checkout in an
    environment with PYTHONDONTWRITEBYTECODE set would compile every module again in each fresh process
    (a quarter of the instructions of this command). The package's bytecode is written first
    (`compileall`, into the git-ignored __pycache__ folders).
    """
    import checker
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(checker.__file__).parent)],
                   capture_output=True, check=True)
    example = HERE.parent / "examples" / "zero-carbon-factory" / "four-stars.json"
    check = [sys.executable, "-m", "checker.interfaces.cli", "check", str(example), "--format", "json",
             "--date", DATE]
    empty = [sys.executable, "-c", "pass"]

    def median(command):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=False)
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    check_s, empty_s = median(check), median(empty)
    print(f"check --format json, fresh process: {check_s * 1000:.0f} ms; python -c pass {empty_s * 1000:.0f} ms; "
          f"{check_s / empty_s:.1f}× (target ≤ {TARGETS['cold']}×)")


def _cold_load() -> dict:
    code = ("import time, json; t = time.perf_counter(); import checker; i = time.perf_counter() - t; "
            f"t = time.perf_counter(); checker.load_ruleset({RULESET!r}); "
            "print(json.dumps({'import': i, 'load': time.perf_counter() - t}))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def _agree(results, expected, paths) -> None:
    """The benchmark is only meaningful if both compute the same thing: stop otherwise."""
    differ = []
    for engine, hand, path in zip(results, expected, paths):
        if engine != hand:
            differ.append(f"  {path.name}: engine {engine}, baseline {hand}")
    if differ:
        raise SystemExit(f"engine and baseline disagree on {len(differ)} applications:\n" + "\n".join(differ[:10]))
    print(f"agreement: engine and baseline give the same outcome, grade and score for all {len(results):,}")


def _batch(folder: Path, out: Path, jobs: int, force: bool) -> float:
    command = [sys.executable, "-m", "checker.interfaces.cli", "batch", str(folder), "--ruleset", RULESET, "--out", str(out),
               "--jobs", str(jobs), "--date", DATE] + (["--force"] if force else [])
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}): {done.stdout[-500:]}{done.stderr[-2000:]}")
    return seconds


def _profile(stage: str, ruleset, documents, raws) -> None:
    profiler = cProfile.Profile()
    if stage == "evaluate":
        profiler.runcall(lambda: [ruleset.evaluate(d, date=DATE, evidence_bytes=r)
                                   for d, r in zip(documents, raws)])
    else:
        def pipeline():
            for raw in raws:
                data = parse_evidence(raw)
                assert not ruleset.validate(data)
                ruleset.evaluate(data, date=DATE, evidence_bytes=raw, gap=True, validated=True).to_json()
        profiler.runcall(pipeline)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
