"""Batch scoring: many applications, each result written atomically into one folder.

An application is a JSON file, an XLSX workbook, or one line of a JSON Lines file. Each is scored against
the ruleset given, or, without one, against the shipped ruleset its own `"ruleset"` field names (a mixed
folder: an application naming none, or one that is not shipped, becomes a row saying so). Each is read,
validated, scored and written by a worker that loads each ruleset once; a file that cannot be read, parsed or validated
becomes a row with its error and never stops the batch. A result already in the folder for the same
ruleset SHA-256 and evidence SHA-256 (and the same parameters) is kept, not recomputed, so an
interrupted batch resumes where it stopped. `summary.csv` and `index.html` list every application in
input order and are byte-identical for identical inputs.
"""
from __future__ import annotations

import collections
import contextlib
import gc
import glob
import hashlib
import json
import multiprocessing
import os
import re
import signal
import stat
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable


from ..inputs import InputError, is_dir, is_file, os_reason, read_file
from ..evidence.load import DEFAULT_MAX_BYTES, EvidenceError, Problem
from .intake import NoRuleset, check as validate_application, parse_application, ruleset_named
from ..outputs.files import (OutputError, Recycler, Syncs, append, left_behind, make_folder, remove_leftovers,
                             sync_to_disk, write_atomically)
from ..evaluation.result import format_number
from ..evaluation.ruleset import Ruleset, load_ruleset
from ..pointer import get, parse_pointer
from ..errors import CarbonCheckError, ExtraMissing, Worded
from ..records import Frozen
from .batch_errors import BatchError, WorkerEnded
from ..language.diagnostics import RulesetError

EXTENSIONS = {"json": "json", "html": "html", "md": "md", "text": "txt", "pdf": "pdf"}
JSON_LINES = (".jsonl", ".ndjson")
SUFFIXES = frozenset((".json", ".xlsx", *JSON_LINES))   # of the files a folder's applications are read from
SETTINGS_FILE = "batch.json"
LOCK_FILE = ".batch.lock"  # held by the batch writing into the folder
ROW_PROBLEMS = 10         # problems of an invalid application listed in its row; the row counts the rest
ROW_ERROR_CHARS = 2000    # and at most this much text
MAX_JSON_LINES_BYTES = 1 << 30  # one JSON Lines file holds many applications, each within --max-bytes
INVALID, FAILED = "invalid", "error"  # rows of applications that were not scored


class Application(Frozen):
    id: str  # unique in the batch, safe as a file name
    source: str  # the file, or `file.jsonl:LINE`
    path: str | None  # read by the worker
    data: bytes | None  # a JSON Lines line
    __match_args__ = ("id", "source", "path", "data")

    def __init__(self, id, source, path=None, data=None):   # 10,000 of them before the workers start
        self.__dict__.update(id=id, source=source, path=path, data=data)


@dataclass
class Row:
    id: str
    source: str
    outcome: str
    grade: str | None = None
    score: str | None = None
    file: str | None = None
    error: str | None = None
    skipped: bool = False  # the result was already there
    applicant: str | None = None  # the applicant's name, for the index
    ruleset: str | None = None  # the id of the ruleset it was scored against, once known
    line: bytes | None = None  # the journal's line for its result (hashes, formats…), once the result is written


@dataclass(frozen=True)
class Settings:
    ruleset: str | None  # path of the ruleset file, loaded once by each worker; None: each application's own
    out: str
    formats: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    date: str | None
    lang: str
    force: bool
    max_bytes: int = DEFAULT_MAX_BYTES
    origins: tuple[tuple[str, str, str | None], ...] = ()  # name, source, file_sha256 of each parameter


# ---------------------------------------------------------------------------------------- inputs

def collect(inputs: Iterable[str], out: Path | None = None, id_field: str | None = None) -> list[Application]:
    """The applications named by INPUTs: folders (their *.json and JSON Lines files), globs, files.

    Files inside the output folder, if any, are left out, so a glob cannot feed results back in as evidence.
    """
    out = Path(out).resolve() if out is not None else None
    files: dict[str, tuple[str, str]] = {}   # each file (as Path writes it) once: its stem and suffix
    folders: dict[str, bool] = {}  # whether each folder is in `out`, resolved once: it may list 10,000 files
    for given in inputs:
        path = Path(given)
        if is_dir(path):
            # Names as Path would join them, without a Path each: a folder may hold 10,000 applications.
            folder = str(path)
            prefix = "" if folder == "." else os.path.join(folder, "")
            found = {}   # name: (whether it is a link, its stem and suffix)
            for entry in sorted(os.scandir(path), key=_name):
                parts = os.path.splitext(entry.name)
                if parts[1] in SUFFIXES and _regular(entry):
                    found[prefix + entry.name] = entry.is_symlink(), parts
        else:
            if glob.has_magic(given):
                names = sorted(Path(p) for p in glob.glob(given, recursive=True) if is_file(p))
            elif is_file(path):
                names = [path]
            else:
                raise BatchError("no_input", given=given)
            found = {str(name): (None, os.path.splitext(name.name)) for name in names}
        if not found:
            raise BatchError("no_applications", given=given)
        for name, (link, parts) in found.items():
            if name not in files and (out is None or not _inside(name, link, out, folders)):
                files[name] = parts
    applications: list[Application] = []
    taken: set[str] = set()
    for name, (stem, suffix) in files.items():   # a file named twice is scored once
        if suffix in JSON_LINES:
            applications += _lines(Path(name), id_field, taken)
        else:
            applications.append(Application(_unique(stem, taken), name, path=name))
    return applications


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()   # through a link; otherwise from the listing itself, without a call per file
    except OSError:
        return False


def _inside(name: str, link: bool | None, out: Path, folders: dict[str, bool]) -> bool:
    """Whether the file `name` lies in the folder `out` (resolved), through any links; `link`: whether the file
    is a symbolic link, when the folder's listing told; `folders`: the answer for each folder seen so far."""
    if link or link is None and os.path.islink(name):
        return out in Path(name).resolve().parents
    parent = name[:name.rfind("/") + 1] if os.sep == "/" else os.path.dirname(name)   # all the folder's files alike
    inside = folders.get(parent)
    if inside is None:
        folder = Path(parent or ".").resolve()
        inside = folders[parent] = folder == out or out in folder.parents
    return inside


def _lines(path: Path, id_field: str | None, taken: set[str]) -> list[Application]:
    found = []
    try:
        content = read_file(path, max_bytes=MAX_JSON_LINES_BYTES, what="json_lines")
    except InputError as error:
        raise BatchError("cannot_read", path=path, reason=error.reason) from None
    for number, line in enumerate(content.split(b"\n"), 1):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        name = _field(line, id_field) if id_field else None
        found.append(Application(_unique(name or f"{path.stem}-{number}", taken), f"{path}:{number}", data=line))
    return found


def _field(line: bytes, pointer: str) -> str | None:
    """The text at `pointer` in one JSON line, or None (the line number names it then)."""
    try:
        node = json.loads(line)
    except (ValueError, RecursionError):
        return None
    node = get(node, parse_pointer(pointer))
    return node if isinstance(node, str) and node.strip() else None


_UNSAFE = re.compile(r"[^\w.-]")


def _unique(name: str, taken: set[str]) -> str:
    """A file-name-safe id, made unique with -2, -3 … in input order."""
    safe = _UNSAFE.sub("_", name)[:100].lstrip(".") or "_"
    candidate, n = safe, 1
    while candidate.lower() in taken:  # case-insensitive file systems would merge A.json and a.json
        n += 1
        candidate = f"{safe}-{n}"
    taken.add(candidate.lower())
    return candidate


# ---------------------------------------------------------------------------------------- running

# Results renamed into place between two syncs to disk (more while a sync has not ended). Few: a replaced file is
# written again only after a sync (Recycler), so until the first one ends every result is a new file.
SYNC_EVERY = 250
JOURNAL = ".batch.journal"  # one JSON line per result synced to disk: what a rerun may keep
RETIRED = ".batch.retired"  # results being replaced, kept here to be written again as later ones (Recycler)


def run(applications: list[Application], settings: Settings, jobs: int,
        progress: Callable[[Row], None] | None = None, ruleset: Ruleset | None = None,
        meanwhile: Callable[[list[Row]], None] | None = None) -> list[Row]:
    """Score every application; rows come back in input order. `progress` sees each row as it ends.

    Results are renamed into place as they are made; a background thread syncs them to disk every
    SYNC_EVERY applications (or once the last sync has ended, if later), then records them in the folder's
    journal, and once more at the end (see
    docs/batch-and-gap.md, "Durability"). A rerun keeps only results its journal records. `ruleset`, the
    one `settings` names already loaded, is shared with the workers rather than loaded again by each.
    `meanwhile` is given every row while the last sync and the journal written anew run: the summaries are made
    then, written after. The results replaced are left in OUT/RETIRED for the next run to write again.
    """
    out = Path(settings.out)
    make_folder(out)
    remove_leftovers(out)
    # What the last run replaced, written again by this one (at most one file for each it writes; Recycler)
    left = left_behind(out / RETIRED, len(applications) * len(settings.formats))
    make_folder(out / RETIRED)
    journal = {} if settings.force else read_journal(out)
    syncs = Syncs()   # counted by the recorder, read by each worker's Recycler
    recorder = _Recorder(out, journal, syncs)
    if left:
        recorder.flush()   # a first sync at once: the files left may be written again once it has ended
    rows: list[Row | None] = [None] * len(applications)
    if ruleset is not None and settings.ruleset is not None and str(ruleset.path.resolve()) == settings.ruleset:
        _WORKER["ruleset"] = ruleset   # forked workers start with it
    workers = None
    threading.Thread(target=prefetch, args=(applications, settings.max_bytes), daemon=True).start()
    try:
        spans = _spans(len(applications), jobs)
        if jobs <= 1 or len(spans) <= 1:
            _start(settings, journal, syncs, applications, left, interactive=True)
            for index, application in enumerate(applications):
                row = rows[index] = score(application, _WORKER["ruleset"], settings, _WORKER["params"])
                recorder.add(row)
                if progress:
                    progress(row)
        else:
            gc.freeze()   # the parent's ruleset, shared by forked workers: never walked, never copied
            jobs = min(jobs, len(spans))
            workers = _Workers((settings, journal, syncs, applications), [left[share::jobs] for share in range(jobs)])
            for start, sent in workers.scored(spans):
                for index, values in enumerate(sent, start):
                    application = applications[index]
                    row = rows[index] = Row(application.id, application.source, *values)
                    recorder.add(row)
                    if progress:
                        progress(row)
    except BaseException as error:
        if isinstance(error, WorkerEnded):   # what the message says is kept: every row back, recorded below
            error.done, error.total, error.out = len(rows) - rows.count(None), len(applications), settings.out
        if workers is not None:
            workers.stop()  # workers die mid-file; their temporary files are removed on the next run
        recorder.end(None)   # what was renamed into place before the interruption is synced and recorded
        recorder.close()
        raise
    gc.freeze()   # the rows live until the command ends: the summaries' many new objects need not walk them
    recorder.end(rows)
    try:
        if meanwhile:
            meanwhile(rows)
    finally:
        if workers is not None:
            workers.join()
        recorder.close()
    with contextlib.suppress(OSError):
        os.rmdir(out / RETIRED)   # only if empty: nothing was replaced
    return rows


def prefetch(applications: list[Application], max_bytes: int) -> None:
    """Ask the system to read every application's file into memory now, without waiting for it.

    A file the page cache has dropped (minutes after a batch read it, here 4% of 10,000) would stop its worker
    for a disk read of several milliseconds; asked for all at once, ahead of the workers, the reads overlap and
    are done by the time they come to them. Only regular files within `max_bytes` are asked for (a device's
    whole content is never read); everything else, and every error, is left to the worker that reads it."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:   # not on this system
        return
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)   # a FIFO opens without waiting
    for application in applications:
        if application.path is None:
            continue
        try:
            fd = os.open(application.path, flags)
        except (OSError, ValueError):
            continue
        try:
            found = os.fstat(fd)
            if stat.S_ISREG(found.st_mode) and 0 < found.st_size <= max_bytes:
                advise(fd, 0, found.st_size, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


class _Recorder:
    """Syncs finished results to disk and records them in the journal, in a thread beside the scoring.

    Only a synced result enters the journal, so whatever the journal holds survived any crash; a result
    renamed into place but not yet recorded is scored again by the next run.
    """

    def __init__(self, out: Path, kept: dict, syncs: Syncs):
        from concurrent.futures import ThreadPoolExecutor
        self.out, self.pending, self.done, self.syncs = out, [], [], syncs
        self.thread = ThreadPoolExecutor(1)   # one: the journal grows in the order results were synced
        # What may still be kept, until the end; each chunk's results are then added at its end.
        write_atomically(out / JOURNAL, b"".join(_line(record) for record in kept.values()), durable=False)

    def add(self, row: Row) -> None:
        self.pending.append(row)
        if len(self.pending) >= SYNC_EVERY and (not self.done or self.done[-1].done()):
            self.flush()   # not while the last sync runs: what is pending then goes with the next one

    def _record(self, rows: list[Row]) -> None:
        number = self.syncs.begin()
        sync_to_disk()
        self.syncs.end(number)   # files replaced before it began may be written again (Recycler)
        lines = b"".join([row.line for row in rows if row.line and not row.skipped])
        if lines:
            append(self.out / JOURNAL, lines)   # synced with the next ones

    def flush(self) -> None:
        """Sync and record what is pending, without waiting."""
        self.done.append(self.thread.submit(self._record, self.pending))
        self.pending = []

    def end(self, rows: list[Row] | None) -> None:
        """Record what is pending, then, given every row (the run ended), write the journal anew in input order,
        holding exactly the results there now, and synced: without waiting (`close`)."""
        if self.pending or not self.done:
            self.flush()
        self.done.append(self.thread.submit(self._end, rows, list(self.done)))

    def _end(self, rows: list[Row] | None, before: list) -> None:
        for done in before:
            done.result()   # a sync or record that failed stops the rest: the journal keeps what it had
        if rows is not None:
            write_atomically(self.out / JOURNAL, b"".join([row.line for row in rows if row.line]))

    def close(self) -> None:
        """Wait for what was begun; the first error, if any, is raised."""
        try:
            for done in self.done:
                done.result()
        finally:
            self.thread.shutdown()


def _line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def read_journal(out: Path) -> dict[str, dict]:
    """The results a previous run synced and recorded, by application id (a torn last line is skipped)."""
    try:
        content = read_file(Path(out) / JOURNAL, max_bytes=MAX_JSON_LINES_BYTES, what="json_lines")
    except InputError:
        return {}
    lines = content.splitlines()
    try:   # all at once, twice as fast as line by line (10,000 lines when a batch is run again)
        found = json.loads(b"[" + b",".join(lines) + b"]")
    except ValueError:
        found = None
    if found is None or len(found) != len(lines):   # a line cut short by a crash, or not one JSON value
        found = [_parsed(line) for line in lines]
    records = {}
    for record in found:
        try:
            records[record["id"]] = record
        except (KeyError, TypeError):
            continue
    return records


def _parsed(line: bytes):
    try:
        return json.loads(line)
    except ValueError:
        return None


_WORKER: dict = {}  # the ruleset and settings, loaded once per process


def _start(settings: Settings, journal: dict, syncs: Syncs, applications: list[Application],
           share: list[str] = (), interactive: bool = False) -> None:
    """A process's set-up to score; it writes again the files of `share` (some of what the last run left)."""
    if not interactive:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    ruleset = _WORKER.get("ruleset")
    if settings.ruleset is None:
        ruleset = None   # each application names its own, loaded on first use (intake.shipped_ruleset)
    elif ruleset is None or str(ruleset.path.resolve()) != settings.ruleset:
        ruleset = load_ruleset(settings.ruleset)
    params = ruleset.parameters(dict(settings.params)) if ruleset else {}
    _WORKER.update(ruleset=ruleset, settings=settings, params=params, journal=journal, frozen=set(),
                   applications=applications,   # a forked worker starts with them: only spans of numbers are sent
                   recycler=Recycler(Path(settings.out) / RETIRED, syncs, share))
    # The loaded ruleset lives as long as the worker: kept out of the collector's sight, it is not walked
    # again at every full collection (that walk took half of each application's time).
    if ruleset is not None:
        _freeze(ruleset)


class _Workers:
    """Worker processes, one for each of `shares`, each sent spans of applications to score through its own pipe.

    The parent itself waits on the pipes and sends each worker its next span as it sends one back, keeping
    two with each, so that it never waits for the parent. (multiprocessing.Pool's thread that watches its
    workers also woke at every message and looped until its result thread had read it, 1.6 loops an
    application: a tenth to a third of the parent's CPU.) A worker that dies stops the batch with WorkerEnded,
    naming the applications it held; under the Pool its span never came back and the batch waited for ever."""
    AHEAD = 2   # spans sent to a worker and not yet sent back

    def __init__(self, setup: tuple, shares: list[list[str]]):
        context = multiprocessing.get_context()
        self.processes, self.pipes, self.held, self.applications = [], [], {}, setup[3]
        for share in shares:
            mine, theirs = context.Pipe()
            process = context.Process(target=_work, args=(theirs, *setup, share), daemon=True)
            process.start()
            theirs.close()   # before the next fork: the parent sees the pipe end when its worker does
            self.processes.append(process)
            self.pipes.append(mine)
            self.held[mine] = collections.deque()   # the spans sent to it and not yet back, in the order sent

    def scored(self, spans: list[tuple[int, int]]):
        """Each span as a worker sends it back scored: its start and its rows (`_score_span`), in no set order."""
        from multiprocessing.connection import wait
        spans, given = iter(spans), {}
        for pipe in self.pipes:
            given[pipe] = 0
            while pipe in given and given[pipe] < self.AHEAD:
                self._give(pipe, spans, given)
        while given:
            for pipe in wait(list(given)):
                try:
                    sent = pipe.recv()
                except (EOFError, OSError):   # killed (out of memory…): its spans would never come back
                    self._ended(pipe)
                if isinstance(sent, BaseException):
                    raise sent
                self.held[pipe].popleft()   # a worker scores its spans in the order sent
                given[pipe] -= 1
                self._give(pipe, spans, given)
                yield sent

    def _give(self, pipe, spans, given: dict) -> None:
        """Send the worker on `pipe` the next span; with none left and none to come back, tell it to end."""
        span = next(spans, None)
        try:
            if span is not None:
                pipe.send(span)
                self.held[pipe].append(span)
                given[pipe] += 1
            elif not given[pipe]:
                pipe.send(None)
                del given[pipe]
        except OSError:   # it has ended
            self._ended(pipe)

    def _ended(self, pipe) -> None:
        """Raise the error the worker on `pipe` sent before it ended (a send to it can fail first), else
        WorkerEnded."""
        sent = None
        try:
            while not isinstance(sent, BaseException) and pipe.poll():
                sent = pipe.recv()
        except (EOFError, OSError):
            pass
        if isinstance(sent, BaseException):
            raise sent
        process = self.processes[self.pipes.index(pipe)]
        process.join(5)
        held = self.held[pipe]   # the first span is the one it was scoring; the others it had not begun
        raise WorkerEnded(process.exitcode, [self.applications[i].source for i in range(*held[0])] if held else []) \
            from None

    def join(self) -> None:
        for process in self.processes:
            process.join()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        self.join()


def _work(pipe, settings: Settings, journal: dict, syncs: Syncs, applications: list[Application],
          share: list[str]) -> None:
    """A worker process: scores each span the parent sends until it sends None, and sends back its rows, or the
    error that stopped it (the parent raises it)."""
    try:
        _start(settings, journal, syncs, applications, share)
        for span in iter(pipe.recv, None):
            pipe.send(_score_span(span))
    except EOFError:   # the parent has gone
        return
    except Exception as error:
        try:
            pipe.send(error)
        except Exception:   # it cannot be pickled: its text then
            pipe.send(RuntimeError(f"{type(error).__name__}: {error}"))


def _spans(count: int, jobs: int) -> list[tuple[int, int]]:
    """The applications numbered [start, stop) handed to a worker at once: up to 64 (fewer messages), fewer as
    the end nears, down to one, so that no worker is left scoring a long span alone at the end."""
    spans, start = [], 0
    while start < count:
        stop = start + max(1, min(64, (count - start) // (jobs * 4)))
        spans.append((start, stop))
        start = stop
    return spans


def _score_span(span: tuple[int, int]) -> tuple[int, list[tuple]]:
    """Score the applications of a span; each row goes back as a tuple of its fields after id and source (the
    parent knows those): pickled about ten times faster than the Row."""
    start, stop = span
    applications, ruleset, settings, params = (_WORKER[k] for k in ("applications", "ruleset", "settings", "params"))
    return start, [_sent(score(applications[i], ruleset, settings, params)) for i in range(start, stop)]


def _sent(row: Row) -> tuple:
    return (row.outcome, row.grade, row.score, row.file, row.error, row.skipped, row.applicant, row.ruleset,
            row.line)


def score(application: Application, ruleset: Ruleset | None, settings: Settings, params: dict) -> Row:
    """Read, validate, score and write one application; every failure becomes the row's error.

    Without a `ruleset`, the application is scored against the shipped ruleset its `"ruleset"` field names.
    """
    row = Row(application.id, application.source, FAILED, ruleset=ruleset.id if ruleset else None)
    try:
        raw = application.data if application.data is not None else read_application(application, settings.max_bytes)
        digest = hashlib.sha256(raw).hexdigest()
        out = Path(settings.out)
        if not settings.force:
            kept = _kept(out, application, ruleset, digest, settings.formats)
            if kept is not None:
                return kept
        read = parse_application(raw, application.source, ruleset=ruleset, max_bytes=settings.max_bytes,
                                 validate=False)
        ruleset, evidence, row.ruleset = read.ruleset, read.evidence, read.ruleset.id
        _freeze(ruleset)
        validate_application(read, evidence)
        result = ruleset.evaluate(evidence, params=params, date=settings.date, evidence_bytes=raw,
                                  origins={n: {"source": s, "file_sha256": h} for n, s, h in settings.origins},
                                  gap=True, validated=True)
        result.evidence = {"sha256": digest}   # already worked out above: not hashed again when written
        for fmt in settings.formats:   # each whole or not at all; synced later, with others (see run)
            write_atomically(out / f"{application.id}.{EXTENSIONS[fmt]}", _render(result, fmt, settings.lang),
                             durable=False, retire=_WORKER.get("recycler"))
        grade = result.grade["id"] if result.grade else None
        shown = None if result.score is None else format_number(Decimal(str(result.score)))
        applicant = (result.applicant or {}).get("name")
        record = {"id": application.id, "evidence": digest, "ruleset": [ruleset.id, ruleset.sha256],
                  "formats": sorted(settings.formats), "outcome": result.outcome, "grade": grade, "score": shown,
                  "applicant": applicant}
        return _row(application, record)
    except EvidenceError as error:
        listed = error.render(settings.lang, ROW_PROBLEMS).splitlines()
        row.outcome, row.error = INVALID, _capped(" | ".join(listed))
    except NoRuleset:
        row.outcome, row.error = INVALID, _word("no_ruleset", settings.lang)
    except RulesetError as error:   # the evidence names a ruleset that is not shipped
        if not any(d.code == "not-found" for d in error.diagnostics):
            raise
        row.outcome, row.error = INVALID, _capped(_word("unknown_ruleset", settings.lang,
                                                        name=_named(raw), shipped=", ".join(_shipped_names())))
    except (OutputError, ExtraMissing):   # the disk is full, no PDF extra…: the next one would fail the same way
        raise
    except Worded as error:  # this application's own trouble, as `check` would say it (a character no font covers…)
        row.outcome, row.error = INVALID, _capped(error.message(settings.lang))
    except Exception as error:  # one application's fault must not stop the others
        row.error = _capped(f"{type(error).__name__}: {error}")
    return row


def _freeze(ruleset: Ruleset) -> None:
    """Once per ruleset a worker loads: what it keeps for the worker's life leaves the collector's sight."""
    if ruleset.sha256 not in _WORKER["frozen"]:
        _WORKER["frozen"].add(ruleset.sha256)
        gc.freeze()


def _word(key: str, lang: str, **values) -> str:
    from ..catalogue import fill, messages
    return fill(messages(lang)["batch"][key], **values)


def _named(raw: bytes) -> str:
    """The ruleset name an application gives, shown (shortened) in its row."""
    try:
        name = str(json.loads(raw).get("ruleset"))
    except (ValueError, RecursionError, AttributeError):
        return "?"
    return repr(name if len(name) <= 60 else name[:60] + "…")   # repr: control characters shown escaped


def _shipped_names() -> list[str]:
    from ..evaluation.ruleset import shipped_rulesets
    return sorted(path.stem for path in shipped_rulesets())


@contextlib.contextmanager
def locked(out: Path):
    """Hold the folder `out` for this batch alone, for as long as the block runs.

    Two batches writing into one folder would remove each other's temporary files and mark results that
    exist as errors, so the second one stops at once with a BatchError. The lock is the operating system's
    (flock on LOCK_FILE): it goes when the process ends, however it ends, and leaves nothing stale.
    """
    make_folder(out)
    try:
        import fcntl
    except ImportError:   # Windows: no flock; keeping one batch per folder is then the user's part
        yield
        return
    try:
        fd = os.open(Path(out) / LOCK_FILE, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as error:
        raise OutputError(Path(out) / LOCK_FILE, *os_reason(error)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError("locked", out=out) from None
        yield
    finally:
        os.close(fd)


def _capped(text: str) -> str:
    """A row's error as summary.csv and index.html show it: one application cannot swell them."""
    return text if len(text) <= ROW_ERROR_CHARS else text[:ROW_ERROR_CHARS] + "…"


def json_file(application: Application) -> str:
    return f"{application.id}.json"


def read_application(application: Application, max_bytes: int) -> bytes:
    try:
        return read_file(application.path, max_bytes=max_bytes, what="evidence")
    except InputError as error:
        raise EvidenceError(application.source, [Problem("", error.en, error.zh)]) from None


def _render(result, fmt: str, lang: str) -> bytes:
    if fmt == "json":
        return result.to_json_bytes()
    from ..outputs.report import render
    report = render(result, fmt, lang)
    return report if isinstance(report, bytes) else report.encode("utf-8")  # a PDF is bytes already


def _kept(out: Path, application: Application, ruleset: Ruleset | None, evidence_sha: str,
          formats: tuple[str, ...]) -> Row | None:
    """The row of a result the journal records for this evidence and ruleset, if every format is there.

    Without a ruleset given, the one recorded must still be the shipped ruleset of that id."""
    record = _WORKER.get("journal", {}).get(application.id)
    try:
        if record is None or record["evidence"] != evidence_sha or not set(formats) <= set(record["formats"]):
            return None
        ruleset_id, ruleset_sha = record["ruleset"]
        if (ruleset or ruleset_named(ruleset_id)).sha256 != ruleset_sha:
            return None
    except (KeyError, TypeError, ValueError, CarbonCheckError):
        return None
    if not all(_non_empty(out / f"{application.id}.{EXTENSIONS[f]}") for f in formats):
        return None
    return _row(application, record, skipped=True)


def _row(application: Application, record: dict, skipped: bool = False) -> Row:
    """The row of a scored application, from what the journal keeps of its result."""
    return Row(application.id, application.source, record["outcome"], record["grade"], record["score"],
               json_file(application), skipped=skipped, applicant=record["applicant"], ruleset=record["ruleset"][0],
               line=_line(record))


def _non_empty(path: Path) -> bool:
    # A file written without its own sync can be empty after a power loss: score the application again.
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


# ---------------------------------------------------------------------------------------- settings

def previous_settings_differ(out: Path, settings: Settings) -> bool:
    """Whether the folder's results were made with other parameters or another report language.

    The folder keeps the settings it was made with in `batch.json` (results record their parameters too,
    but the report language only shows in the reports); when they differ nothing already there can be kept.
    """
    try:
        previous = json.loads(read_file(Path(out) / SETTINGS_FILE))
    except (InputError, ValueError):
        return False
    if not isinstance(previous, dict):
        return False
    return previous.get("params") != dict(settings.params) or previous.get("lang") != settings.lang


def settings_file(ruleset: Ruleset | None, settings: Settings) -> bytes:
    """What SETTINGS_FILE holds: the settings the folder's results were made with."""
    data = {"ruleset": {"id": ruleset.id, "sha256": ruleset.sha256} if ruleset else None,  # None: each file's own
            "params": dict(settings.params),
            "lang": settings.lang, "formats": list(settings.formats)}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
