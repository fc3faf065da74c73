"""Reading an evidence workbook: carbon-check's reader (openpyxl, read-only) beside python-calamine.

    python benchmarks/xlsx.py [--repeat 20]

Writes the four-stars factory example as a workbook, then times: carbon-check's whole read (zip checks,
one read-only openpyxl pass, typing into evidence), a bare read-only openpyxl pass over every cell, and, if
python-calamine is installed (it is not a dependency), a bare calamine pass.
"""
from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"


def timed(function, repeat: int) -> float:
    function()
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = min(parser.parse_args().repeat, 200)
    from openpyxl import load_workbook

    from checker.evaluation.ruleset import load_ruleset
    from checker.evidence.load import load_evidence
    from checker.evidence.workbook import read_workbook
    from checker.outputs.workbook import write_workbook
    rules = load_ruleset("zero-carbon-factory")
    content = write_workbook(rules.schema, rules.description, load_evidence(EXAMPLE)[0])

    def ours():
        read_workbook(content, "app.xlsx", max_bytes=10 << 20).evidence(rules.schema)

    def openpyxl_pass():
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                pass
        book.close()

    print(f"workbook of {EXAMPLE.name}: {len(content)} bytes")
    print(f"carbon-check read (checks + openpyxl + typing): {timed(ours, repeat):7.2f} ms")
    print(f"openpyxl read-only pass:                        {timed(openpyxl_pass, repeat):7.2f} ms")
    try:
        import python_calamine
    except ImportError:
        print("python-calamine: not installed (pip install python-calamine to compare)")
        return

    def calamine_pass():
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()

    print(f"python-calamine pass:                           {timed(calamine_pass, repeat):7.2f} ms")


if __name__ == "__main__":
    main()
