"""`python -m tests.fuzz --minutes 30`: every fuzzer, longer and with fresh seeds; prints the cases run."""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from . import fuzzers


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=5, help="total time, shared by the fuzzers")
    parser.add_argument("--seed", type=int, default=None, help="a seed to repeat a run (default: the time)")
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else int(time.time())
    share = arguments.minutes * 60 / 5
    print(f"seed {seed}, {share:.0f} s per fuzzer; PDF {'on' if fuzzers.pdf_available() else 'off (no WeasyPrint)'}")
    with tempfile.TemporaryDirectory() as folder:
        runs = {
            "ruleset mutants (load, lint, fmt keeps meaning, check)":
                lambda rng: fuzzers.fuzz_rulesets(rng, fuzzers.Budget(share), Path(folder)),
            "evidence mutants (validate, check, gap --target, every format)":
                lambda rng: fuzzers.fuzz_evidence_mutations(rng, fuzzers.Budget(share), Path(folder)),
            "differential (baseline)": lambda rng: fuzzers.fuzz_differential(rng, fuzzers.Budget(share)),
            "metamorphic": lambda rng: fuzzers.fuzz_metamorphic(rng, fuzzers.Budget(share)),
            "JSON -> XLSX -> JSON": lambda rng: fuzzers.fuzz_workbooks(rng, fuzzers.Budget(share)),
        }
        for name, run in runs.items():
            print(f"{name}: {run(random.Random(seed))} cases, no failure", flush=True)


if __name__ == "__main__":
    main()
