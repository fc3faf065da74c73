"""How soon the language server's diagnostics follow an edit, for the largest shipped ruleset.

    python benchmarks/lsp.py [--changes 30] [--ruleset NAME]

Starts `carbon-check lsp` over stdio as an editor does (pygls's client), opens the ruleset, then sends
`--changes` edits one at a time (alternately a typo in a formula and its correction) and measures, for each,
the time from sending the change to receiving its `publishDiagnostics`. Prints the median, 90th percentile
and worst, and where the server spends its time (checking, linting, re-indexing) measured in process.
Target: diagnostics within 100 ms of a change.

On a shared, busy machine wall-clock times mostly measure the wait for a core, so two figures that do not
depend on the load are printed too: the CPU time the server process itself used per change (from
/proc, Linux), which is the latency once the server has a core, and, with `--instructions`, the
instructions one update executes (valgrind's callgrind; deterministic, to compare two versions).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from checker.evaluation.ruleset import load_ruleset, shipped_rulesets
from checker.interfaces.lsp.analysis import Document
from checker.tools.lint import lint_grades

TARGET_MS = 100


def largest() -> Path:
    return max(shipped_rulesets(), key=lambda p: len(p.read_text(encoding="utf-8")))


async def round_trips(path: Path, changes: int) -> tuple[list[float], float | None]:
    text = path.read_text(encoding="utf-8")
    # A change that keeps the ruleset valid except for one name, as typing does.
    word = "evidence."
    broken = text.replace(word, "evidenc.", 1)
    uri = from_fs_path(str(path))
    published: asyncio.Queue = asyncio.Queue()
    client = LanguageClient("benchmark", "1")
    client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(lambda params: published.put_nowait(time.perf_counter()))
    await client.start_io(sys.executable, "-m", "checker.interfaces.cli", "lsp", "--stdio")
    times = []
    try:
        await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
        client.initialized(lsp.InitializedParams())
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="carbon-check", version=1, text=text)))
        await published.get()
        server = _child_pid()
        cpu_before = _cpu_ms(server)
        for version in range(2, changes + 2):
            sent = time.perf_counter()
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(
                    text=broken if version % 2 else text)]))
            times.append((await published.get() - sent) * 1000)
        cpu = (_cpu_ms(server) - cpu_before) / changes if server else None
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return times, cpu


def _child_pid() -> int | None:
    """The server: the one process this one started (Linux's /proc; None elsewhere)."""
    try:
        children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    except OSError:
        return None
    return int(children[-1]) if children else None


def _cpu_ms(pid: int | None) -> float:
    """User + system CPU time a process has used so far, in milliseconds."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def in_process(path: Path, repeat: int = 20) -> dict[str, tuple[float, float]]:
    """Milliseconds per step of an update, wall clock and CPU time, median of `repeat`."""
    text = path.read_text(encoding="utf-8")
    document = Document(path, text)
    steps = {"check (load_ruleset)": lambda: load_ruleset(path, text=text),
             "lint (grade table)": lambda: lint_grades(load_ruleset(path, text=text)),
             "whole update": lambda: document.update(text)}
    out = {}
    for name, step in steps.items():
        wall, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        out[name] = statistics.median(wall), statistics.median(cpu)
    return out


def instructions(path: Path) -> int:
    """Instructions one `Document.update` executes: callgrind runs 1 and 3 updates, the difference halved."""
    counts = []
    for updates in (1, 3):
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                               __file__, "--ruleset", path.stem, "--updates", str(updates)],
                              capture_output=True, text=True, check=True)
        counts.append(int(re.search(r"Collected : (\d+)", done.stderr).group(1)))
    return (counts[1] - counts[0]) // 2


def updates(path: Path, count: int) -> None:
    """What callgrind runs: open the ruleset, then `count` updates with the whole text (as a change sends)."""
    text = path.read_text(encoding="utf-8")
    document = Document(path, text)
    for _ in range(count):
        document.update(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--ruleset", help="a shipped ruleset's name (default: the largest)")
    parser.add_argument("--instructions", action="store_true", help="also count one update's instructions "
                        "with valgrind (about a minute)")
    parser.add_argument("--updates", type=int, help=argparse.SUPPRESS)  # what --instructions runs
    options = parser.parse_args()
    path = largest() if not options.ruleset else next(p for p in shipped_rulesets() if p.stem == options.ruleset)
    if options.updates is not None:
        updates(path, options.updates)
        return 0
    print(f"ruleset: {path.name} ({len(path.read_text(encoding='utf-8').splitlines())} lines), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    times, cpu = asyncio.run(round_trips(path, options.changes))
    times.sort()
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"change → diagnostics over stdio, {len(times)} changes: median {statistics.median(times):.1f} ms, "
          f"p90 {p90:.1f} ms, worst {times[-1]:.1f} ms (target {TARGET_MS} ms)")
    if cpu is not None:
        print(f"  server CPU time per change: {cpu:.1f} ms (the latency once it has a core)")
    for name, (wall, cpu_ms) in in_process(path).items():
        print(f"  {name}: {wall:.1f} ms wall, {cpu_ms:.1f} ms CPU")
    if options.instructions:
        print(f"  one update: {instructions(path):,} instructions (callgrind)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
