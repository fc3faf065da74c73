"""How soon the language server's diagnostics follow an edit, for the largest shipped ruleset.

    python benchmarks/lsp.py [--changes 30] [--ruleset NAME]

Starts `carbon-check lsp` over stdio as an editor does (pygls's client), opens the ruleset, then sends
`--changes` edits one at a time (alternately a typo in a formula and its correction) and measures, for each,
the time from sending the change to receiving its `publishDiagnostics`. Prints the median, 90th percentile
and worst, and where the server spends its time (checking, linting, re-indexing) measured in process.
Target: diagnostics within 100 ms of a change.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
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


async def round_trips(path: Path, changes: int) -> list[float]:
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
        for version in range(2, changes + 2):
            sent = time.perf_counter()
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(
                    text=broken if version % 2 else text)]))
            times.append((await published.get() - sent) * 1000)
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return times


def in_process(path: Path, repeat: int = 20) -> dict[str, float]:
    """Milliseconds per step of an update, median of `repeat`."""
    text = path.read_text(encoding="utf-8")
    document = Document(path, text)
    steps = {"check (load_ruleset)": lambda: load_ruleset(path, text=text),
             "lint (grade table)": lambda: lint_grades(load_ruleset(path, text=text)),
             "whole update": lambda: document.update(text)}
    out = {}
    for name, step in steps.items():
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            step()
            samples.append((time.perf_counter() - start) * 1000)
        out[name] = statistics.median(samples)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--ruleset", help="a shipped ruleset's name (default: the largest)")
    options = parser.parse_args()
    path = largest() if not options.ruleset else next(p for p in shipped_rulesets() if p.stem == options.ruleset)
    print(f"ruleset: {path.name} ({len(path.read_text(encoding='utf-8').splitlines())} lines)")
    times = sorted(asyncio.run(round_trips(path, options.changes)))
    p90 = times[int(len(times) * 0.9) - 1]
    print(f"change → diagnostics over stdio, {len(times)} changes: median {statistics.median(times):.1f} ms, "
          f"p90 {p90:.1f} ms, worst {times[-1]:.1f} ms (target {TARGET_MS} ms)")
    for name, ms in in_process(path).items():
        print(f"  {name}: {ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
