"""What carbon-check works out from a file and keeps between runs, in the user's own cache folder.

A fresh process would otherwise parse the same ruleset and read the same message catalogue every time.
Every entry is plain JSON data, never code: whoever reads one rebuilds its own objects from it through
what it allows (a syntax tree through the classes of `language.ast`, each field's type checked), so
nothing in the folder is ever executed, even by someone who could write there.

  * The folder: $XDG_CACHE_HOME/carbon-check (else ~/.cache/carbon-check) on Linux, the platform's own
    elsewhere; made private to the user (0700). `CARBON_CHECK_NO_CACHE=1` turns the cache off.
  * An entry is named by its key, a SHA-256 of everything it was worked out from: the file's bytes, the
    tool's version and the code that wrote it (`code_digest`), so a changed file or a changed carbon-check
    never reads an old entry. The key is stored inside the entry again, with the SHA-256 of the data.
  * Written whole (a temporary file renamed into place) or not at all; an entry that cannot be read, whose
    key or digest does not match, or that is not the data expected, is a miss, never an error.
"""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from .digests import sha256
from .version import __version__

DISABLE = "CARBON_CHECK_NO_CACHE"
SUFFIX = ".json"
MAX_BYTES = 16 * 1024 * 1024   # an entry larger than this is not read
MAX_ENTRIES = 200   # of each kind: the least recently used beyond it are removed when one is written


def folder(make: bool = True) -> Path | None:
    """The cache folder (made, private to the user, unless `make` is false), or None when there is none."""
    if os.environ.get(DISABLE):
        return None
    if sys.platform.startswith("linux"):   # what platformdirs says on Linux, without importing it
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        path = Path(base if os.path.isabs(base) else os.path.expanduser("~/.cache")) / "carbon-check"
    else:
        import platformdirs
        path = Path(platformdirs.user_cache_dir("carbon-check", appauthor=False))
    if not path.is_absolute():
        return None
    if make:
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
    return path


def code_digest(*files: str | Path) -> str:
    """A SHA-256 of the tool's version and of the given source files: an entry worked out by code that has
    since changed (a development checkout keeps its version number) is never read."""
    digest = sha256(__version__.encode("ascii"))
    for file in files:
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()


def key(*parts: str | bytes) -> str:
    """The key of an entry: a SHA-256 of every part, each one length-prefixed so that no two lists of parts
    give the same bytes."""
    digest = sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def read(kind: str, entry_key: str, object_hook=None):
    """The data stored under `kind` and `entry_key`, or None (no cache, no entry, or one that does not match).

    `object_hook` rebuilds each JSON object (as `json.loads` calls it); a ValueError or TypeError it raises
    makes the entry a miss."""
    where = folder(make=False)
    if where is None:
        return None
    path = where / f"{kind}-{entry_key}{SUFFIX}"
    try:
        raw = _read_entry(path)
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        if header != {"key": entry_key, "sha256": sha256(body).hexdigest()}:
            return None
        data = json.loads(body, object_hook=object_hook)
    except (OSError, ValueError, TypeError, RecursionError):   # missing, unreadable or damaged: worked out again
        return None
    try:
        os.utime(path)   # just used: among the last to be pruned
    except OSError:
        pass
    return data


def _read_entry(path: Path) -> bytes:
    """An entry's bytes; OSError unless it is a regular file of at most MAX_BYTES (a FIFO put in its place
    must not block the command, nor a huge file fill its memory)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_BYTES:
            raise OSError(f"{path} is not a cache entry")
        return handle.read(MAX_BYTES + 1)


def write(kind: str, entry_key: str, data) -> None:
    """Store `data` (JSON-serialisable) under `kind` and `entry_key`; silently nothing if it cannot be."""
    where = folder()
    if where is None:
        return
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = json.dumps({"key": entry_key, "sha256": sha256(body).hexdigest()}).encode("ascii")
    target = where / f"{kind}-{entry_key}{SUFFIX}"
    # Written beside the entry and renamed over it: a reader sees the whole entry or none. Not synced to
    # disk: an entry lost in a crash is only worked out again. (outputs.files is for the user's files.)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(header + b"\n" + body)
        os.replace(temporary, target)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return
    _prune(where, kind)


def _prune(where: Path, kind: str) -> None:
    """Remove the least recently used entries of `kind` beyond MAX_ENTRIES (each edit of a ruleset makes one)."""
    try:
        entries = sorted(where.glob(f"{kind}-*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[MAX_ENTRIES:]:
            stale.unlink()
    except OSError:   # another process pruned it first
        pass
