"""Fuzz and property suite: hostile rulesets and evidence may end only in a diagnostic or a result.

Each fuzzer is a function `fuzz_NAME(rng, budget)` that runs cases until `budget` (a Budget) is spent and
returns how many it ran; a failure raises AssertionError with the input, to be kept in `corpus/`. pytest runs
each for a few seconds (tests/fuzz/test_fuzz.py); `python -m tests.fuzz --minutes 30` runs them for longer.
"""
