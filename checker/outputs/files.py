"""Writing output files: whole or not at all, and never clobbering what is at the path.

One writer for every file carbon-check writes (`-o`, `batch --out`, `init`, `fmt`, `--junit`):
  * a regular file is written to a temporary file beside it, then renamed over it, so an interrupted
    run never leaves half a file; an existing file keeps its mode (and, where allowed, its owner); a new
    one gets the mode the umask gives (0644 under umask 022), as `>` in a shell would;
  * a symbolic link is written through: its target is replaced as above and the link stays a link;
  * anything else already at the path (a FIFO, a device, a terminal) is written into, never replaced, and
    so is a file the shell opened (`-o /dev/stdout >> log` appends to log, as the shell asked);
  * every operating-system error (disk full, read-only folder, permission denied…) becomes an OutputError
    saying so in zh and en, for the command to print and exit 2.
"""
from __future__ import annotations

import collections
import contextlib
import itertools
import os
import stat
from pathlib import Path

from ..catalogue import fill, messages, pair
from ..errors import CarbonCheckError
from ..inputs import os_reason

TEMPORARY_SUFFIX = ".tmp"


class OutputError(CarbonCheckError):
    """An output file that cannot be written; `.path` names it, `.en`/`.zh` say why."""

    def __init__(self, path, en: str, zh: str):
        self.path, self.en, self.zh = str(path), en, zh
        super().__init__(f"cannot write {path}: {en}")

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return OutputError, (self.path, self.en, self.zh)

    def message(self, lang: str = "en") -> str:
        return fill(messages(lang)["output"]["cannot_write"], path=self.path, reason=self.zh if lang == "zh" else self.en)


def write_atomically(path, data: bytes, *, durable: bool = True, private: bool = False,
                     retire: Recycler | None = None) -> None:
    """Write `data` to `path` whole or not at all (see the module's description); OutputError if it cannot.

    `durable` syncs the file to disk before the rename. A writer of many files passes False and syncs once
    for all of them (`sync_to_disk`): one sync per file would make the disk, not the work, set the pace.
    `private` makes the file 0600 whatever the umask or the mode of the file it replaces (a private key).
    `retire`: the file being replaced is kept by the Recycler, to be written again as a later file once that
    is safe, and the new file may be one it kept (see `Recycler`).
    """
    try:
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            found = None
        if found is not None and stat.S_ISLNK(found.st_mode):
            # Written through: the link stays, its target changes. A link to a descriptor is written into (below).
            try:
                existing = os.stat(path)
            except FileNotFoundError:
                existing = None
            target, descriptor = os.path.realpath(path), _names_a_descriptor(path)
        else:
            existing, target = found, os.fspath(path)
            descriptor = target.startswith(_DESCRIPTORS)
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise OutputError(path, *pair("output", "folder"))
        if existing is not None and (not stat.S_ISREG(existing.st_mode) or descriptor):
            # A device, a pipe, or what the shell opened (/dev/stdout): write into it, never replace or truncate
            # it (`>> log` must keep what the log held).
            with open(path, "ab") as handle:
                handle.write(data)
            return
        _replace(target, data, existing, durable, private, retire)
    except OSError as error:
        en, zh = os_reason(error)
        raise OutputError(path, en, zh) from None


def write_all(files: dict) -> None:
    """Write each of `files` (path: bytes) durably with `write_atomically`, all at once: each one's sync, and
    the freeing of the blocks of the file it replaces, wait on the disk, so their waits overlap. The first
    error is raised once every write has ended."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(len(files)) as pool:
        writes = [pool.submit(write_atomically, path, data) for path, data in files.items()]
    for write in writes:
        write.result()


_DESCRIPTORS = ("/proc/", "/dev/fd/")


def _names_a_descriptor(path) -> bool:
    """Whether `path` (/dev/stdout, /dev/fd/3, /proc/self/fd/1) reaches an open file descriptor: a shell's
    `> file` or `>> file` behind it must be written into, not replaced by a new file."""
    path = os.fspath(path)
    for _ in range(40):   # the kernel's own limit on links followed
        if path.startswith(_DESCRIPTORS):
            return True
        if not os.path.islink(path):
            return False
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return False


def make_folder(path) -> None:
    """A folder for output files, with its parents; OutputError if it cannot be made."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        en, zh = os_reason(error)
        raise OutputError(path, en, zh) from None


def _replace(target: str, data: bytes, existing: os.stat_result | None, durable: bool, private: bool,
             retire: Recycler | None) -> None:
    # The file is made with the mode it must have: 0600 if private, the replaced file's, or the one a new file
    # gets (0666 less the umask, which the system takes off). Few calls: a batch writes one file an application.
    mode = 0o600 if private else stat.S_IMODE(existing.st_mode) if existing is not None else 0o666
    fd, temporary, recycled = retire.take(existing.st_dev, len(data)) if retire is not None and existing is not None \
        and not private else (None, None, None)
    if recycled is None:
        fd, temporary = _temporary(target, mode)
    try:
        try:
            if existing is not None:
                if not private and (recycled is None or stat.S_IMODE(recycled.st_mode) != mode):
                    os.fchmod(fd, mode)   # exactly the replaced file's mode, which the umask may have cut
                try:
                    if recycled is None or (recycled.st_uid, recycled.st_gid) != (existing.st_uid, existing.st_gid):
                        os.fchown(fd, existing.st_uid, existing.st_gid)
                except OSError:   # only the owner's own files, or root, may be given away
                    pass
            _write(fd, data)
            if recycled is not None and recycled.st_size > len(data):
                os.ftruncate(fd, len(data))   # written over in place: what the old file held beyond goes
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        kept = retire.keep(target) if retire is not None and existing is not None else None
        os.replace(temporary, target)
        if kept is not None:
            retire.replaced(kept, existing.st_size)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _temporary(target: str, mode: int) -> tuple[int, str]:
    """A new file beside `target` (its folder made if missing), open for writing: (descriptor, path). Its name
    is hidden and ends in TEMPORARY_SUFFIX (`remove_leftovers` finds what a killed writer left); O_EXCL never
    opens what is already there, a link included."""
    folder, name = os.path.split(target)
    while True:
        temporary = os.path.join(folder, f".{name}.{os.getpid()}-{next(_TEMPORARY)}{TEMPORARY_SUFFIX}")
        try:
            return os.open(temporary, _CREATE, mode), temporary
        except FileExistsError:   # left by a killed writer that had this process id
            continue
        except FileNotFoundError:
            if not folder or os.path.isdir(folder):
                raise
            os.makedirs(folder, exist_ok=True)


_TEMPORARY = itertools.count()


def append(path, data: bytes) -> None:
    """Add `data` at the end of the file at `path` (a journal: a crash may cut its last line short, which its
    reader skips); OutputError if it cannot."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            _write(fd, data)
        finally:
            os.close(fd)
    except OSError as error:
        raise OutputError(path, *os_reason(error)) from None


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:   # a regular file takes it whole, unless the disk fills (an error then)
        view = view[os.write(fd, view):]


def sync_to_disk() -> None:
    """Flush every file written so far to disk (after writes with durable=False)."""
    os.sync()


_RETIRED = itertools.count()


class Syncs:
    """How many syncs to disk have begun and how many of those have ended, counted by the one process that
    syncs and read by the processes writing (shared memory, inherited by the batch's workers)."""

    def __init__(self):
        from multiprocessing.sharedctypes import RawArray
        self._counts = RawArray("q", 2)   # begun, ended: one writer, so no lock

    def begin(self) -> int:
        """Count a sync about to begin; returns its number."""
        self._counts[0] += 1
        return self._counts[0]

    def end(self, number: int) -> None:
        """The sync `number` has ended (and so have all before it)."""
        self._counts[1] = number

    @property
    def begun(self) -> int:
        return self._counts[0]

    @property
    def ended(self) -> int:
        return self._counts[1]


class Recycler:
    """Keeps the files a writer of many files replaces, and gives them back as later files' temporary files.

    On ext4, creating a file and freeing one were most of a batch's system time: a freed
    inode is passed over for a minute by every file created after it (without a journal), freeing blocks may
    wait on the disk (online discard), and a new file renamed over an old one has its data written out at
    once. A kept file written again in place avoids all three: no inode or block is allocated or freed.

    Safe after a crash: a kept file is written again only once no name outside `folder` can reach it on the
    disk, so what a crash leaves under any result's name is never changed by its reuse:
      * replacing a file, `write_atomically` first links it into `folder` (`keep`), then renames the new
        file over it: from then on the kept name is its only one; the process notes how many syncs had begun
        by then (`replaced`);
      * the one who syncs counts each sync as it begins and as it ends (`syncs`);
      * a process writes again only files it kept itself, once a sync that began after their replacement
        was renamed into place has ended, each whose one name that is (a hard link someone made elsewhere
        keeps its content), as the temporary file of its next replacement (`take`).
    Files a previous writer left in `folder` (`left_behind`) are taken the same way, once a sync that began
    after they were listed has ended: every rename that could have given them another name came before. A file
    that still has another name (its writer was killed between the link and the rename) is only deleted.

    Of the files safe to write again, the one taken is the largest that holds no more blocks than the new content
    needs: cutting a file shorter by whole blocks frees them, and on a file system mounted with `discard` (and no
    journal to batch them) the writer then waits for the disk to discard them, about 4 ms each time here, longer
    than scoring an application. Only when every file is larger is the smallest one cut.
    """

    def __init__(self, folder, syncs: Syncs, left: list[str] | tuple[str, ...] = ()):
        """`left`: files in `folder` listed before `syncs` counted any sync (`left_behind`), to be written again
        too."""
        self.folder, self.syncs = os.fspath(folder), syncs
        # (name, syncs begun when it was kept, its size if known), oldest first
        self._kept: collections.deque[tuple[str, int, int | None]] = collections.deque((name, 0, None) for name in left)
        # the files safe to write again, by how many blocks they hold, oldest first
        self._safe: dict[int, collections.deque[str]] = {}
        self._device = self._block = None   # the folder's file system and its block size

    def keep(self, target: str) -> str | None:
        """Link the file at `target`, about to be replaced, into the folder; its name there, or None."""
        name = os.path.join(self.folder, f"{os.getpid()}-{next(_RETIRED)}")
        try:
            os.link(target, name)
        except OSError:   # no hard links here: the rename frees the old file itself
            return None
        return name

    def replaced(self, name: str, size: int | None = None) -> None:
        """The file kept as `name` (`size` bytes long) has been replaced: it may be written again once a sync
        begun from now on has ended."""
        self._kept.append((name, self.syncs.begun, size))

    def take(self, device: int, size: int = 0) -> tuple[int | None, str | None, os.stat_result | None]:
        """A file this process kept, now safe to write over in place with `size` bytes, open for writing:
        (descriptor, path, its status), or (None, None, None) when there is none. It is renamed over its target, on
        the file system `device`, as a temporary file would be."""
        if self._device is None:
            try:
                found = os.stat(self.folder)
                self._device, self._block = found.st_dev, found.st_blksize or 4096
            except OSError:
                self._device = -1
        if device != self._device:   # a link to a file elsewhere: a rename cannot take the file there
            return None, None, None
        kept, ended, safe, block = self._kept, self.syncs.ended, self._safe, self._block
        while kept and kept[0][1] < ended:   # a sync numbered after what had begun at its replacement has ended
            path, _, known = kept.popleft()
            if known is None:   # left by an earlier run
                try:
                    known = os.lstat(path).st_size
                except OSError:
                    continue
            safe.setdefault(-(-known // block), collections.deque()).append(path)
        need = -(-size // block)
        while safe:
            fitting = [blocks for blocks in safe if blocks <= need]
            blocks = max(fitting) if fitting else min(safe)
            paths = safe[blocks]
            path, fd = paths.popleft(), None
            if not paths:
                del safe[blocks]
            try:
                fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
                found = os.fstat(fd)
                if stat.S_ISREG(found.st_mode) and found.st_nlink == 1:
                    return fd, path, found
            except OSError:
                pass
            if fd is not None:
                os.close(fd)
            _unlink(path)
        return None, None, None


def left_behind(folder, most: int) -> list[str]:
    """The files a Recycler (of a run that ended, or was killed) left in `folder`, for the next writer's Recycler:
    at most `most`, the others deleted, and any subfolder an older version kept files in deleted too.

    Kept, not deleted at the end of a run: on ext4 without a journal a file created in the minutes after many
    were deleted costs tens of times more (the inode allocator passes over recently freed inodes)."""
    names = kept_files(folder)
    for place in _entries(os.fspath(folder), folders=True):
        free_retired(Path(place), remove=True)
    delete(names[most:])
    return names[:most]


def free_retired(folder: Path, threads: int = 8, remove: bool = False) -> int:
    """Delete the files a Recycler kept in `folder` (and in its subfolders, where an earlier version kept
    them), and with `remove` the folders; returns how many."""
    folders = [os.fspath(folder)]
    for place in folders:   # grows as subfolders are found
        folders += _entries(place, folders=True)
    names = [name for place in folders for name in _entries(place, folders=False)]
    delete(names, threads)
    if remove:
        for place in reversed(folders):
            with contextlib.suppress(OSError):
                os.rmdir(place)
    return len(names)


def delete(names: list[str], threads: int = 8) -> None:
    """Delete the files `names`, each that is still there. Several threads at once: each unlink mostly waits on
    the disk (see `Recycler`), and waits overlap."""
    if len(names) < 2 * threads:
        for name in names:
            _unlink(name)
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(_unlink, names, chunksize=16))


def kept_files(folder) -> list[str]:
    """The files a Recycler kept in `folder` (not those in subfolders)."""
    return _entries(os.fspath(folder), folders=False)


def _entries(folder: str, folders: bool) -> list[str]:
    """The folders, or else the other entries, in `folder` (none if it is not there)."""
    try:
        return [entry.path for entry in os.scandir(folder) if entry.is_dir(follow_symlinks=False) == folders]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _unlink(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


def remove_leftovers(folder: Path) -> int:
    """Delete the temporary files a killed writer left in `folder`; returns how many."""
    removed = 0
    for leftover in Path(folder).glob(f".*{TEMPORARY_SUFFIX}"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed
