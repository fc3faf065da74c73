"""Writing output files whole or not at all, so an interrupted run never leaves half a file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


def write_atomically(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then a rename.

    `durable` syncs the file to disk before the rename. A writer of many files passes False and syncs once
    for all of them (`sync_to_disk`): one sync per file would make the disk, not the work, set the pace.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sync_to_disk() -> None:
    """Flush every file written so far to disk (after writes with durable=False)."""
    os.sync()


def remove_leftovers(folder: Path) -> int:
    """Delete the temporary files a killed writer left in `folder`; returns how many."""
    removed = 0
    for leftover in Path(folder).glob(f".*{TEMPORARY_SUFFIX}"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed
