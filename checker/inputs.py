"""Reading a file a user names: evidence, parameters, ruleset cases, rulesets, templates.

Every such file is read here and only here, so one set of rules holds for all of them:
  * only regular files: a FIFO or a device could block forever or never end, a folder is no file;
  * at most `max_bytes` bytes: the size is checked before reading and again while reading (it may grow);
  * every operating-system error (missing, unreadable, a name too long, a loop of links…) becomes an
    `InputError` that says so in zh and en, for the caller to turn into its own clear message (exit 2).
"""
from __future__ import annotations

import errno
import os
import stat

from .errors import CarbonCheckError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# errno → its words in the catalogue's `input` group, for the errors people meet; anything else is shown
# as the system words it.
_REASONS = {
    errno.ENOENT: "no_such_file", errno.ENOTDIR: "not_a_folder", errno.EACCES: "permission",
    errno.EPERM: "permission", errno.ENAMETOOLONG: "name_too_long", errno.ELOOP: "link_loop",
    errno.ENOSPC: "disk_full", errno.EDQUOT: "quota", errno.EROFS: "read_only",
}


class InputError(CarbonCheckError):
    """A user-supplied file that cannot be read as one; `.source` names it, `.en`/`.zh` say why."""

    def __init__(self, source: str, en: str, zh: str):
        self.source, self.en, self.zh = source, en, zh
        super().__init__(f"{source}: {en}")

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return InputError, (self.source, self.en, self.zh)

    def message(self, lang: str = "en") -> str:
        return f"{self.source}: {self.zh if lang == 'zh' else self.en}"

    @property
    def reason(self) -> dict:
        """Why, without the file's name, in each language: as a Worded error takes it into its own sentence."""
        return {"en": self.en, "zh": self.zh}


def os_reason(error: OSError) -> tuple[str, str]:
    """An OSError in words, (en, zh)."""
    if error.errno in _REASONS:
        return _words(_REASONS[error.errno])
    words = error.strerror or type(error).__name__
    return words, words


def _words(key: str, **values) -> tuple[str, str]:
    # Imported here: the catalogue reads its custom files with read_file. Only a failure needs words.
    from .catalogue import pair
    return pair("input", key, **values)


def _what(what: str) -> dict[str, str]:
    """The kind of file a caller expects, {"en": …, "zh": …}: a key of the catalogue's `file` group."""
    from .catalogue import both
    return both("file", what)


def exists(path) -> bool:
    """Whether anything is at `path`; False also when the path cannot even be looked at (too long…)."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def is_file(path) -> bool:
    """Whether `path` is a regular file; False also when the path cannot even be looked at (too long…)."""
    return _is(path, stat.S_ISREG)


def is_dir(path) -> bool:
    """Whether `path` is a folder; False also when the path cannot even be looked at (too long…)."""
    return _is(path, stat.S_ISDIR)


def _is(path, kind) -> bool:
    try:
        return kind(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_file(path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "file",
              within=None) -> bytes:
    """The whole content of the regular file at `path`, at most `max_bytes` long, or an InputError.

    `what` names the file the caller expects, for the messages: a key of the catalogue's `file` group
    ("ruleset": a ruleset file, 规则集文件).
    `within`, a folder: the file, with every symbolic link followed, must lie inside it (custom templates).
    """
    source = os.fspath(path) if not isinstance(path, int) else str(path)

    def fail(key: str, **values):
        raise InputError(source, *_words(key, **values))

    if within is not None:   # a custom template folder: no symbolic link may lead out of it
        folder = os.path.realpath(within)
        if os.path.commonpath([folder, os.path.realpath(str(path).replace("\0", ""))]) != folder:
            fail("outside", within=within)

    def too_large(size: int):
        fail("too_large", max=max_bytes, size=size)

    def unreadable(error: OSError):
        en, zh = os_reason(error)
        fail("unreadable", reason={"en": en, "zh": zh})

    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.ENOENT:
            fail("missing", what=_what(what))
        unreadable(error)
    except ValueError:   # a NUL character in the name
        fail("nul")
    try:
        info = os.fstat(fd)   # of what was opened, so nothing can be swapped in between
        if stat.S_ISDIR(info.st_mode):
            fail("directory", what=_what(what))
        if not stat.S_ISREG(info.st_mode):
            fail("special")
        if info.st_size > max_bytes:
            too_large(info.st_size)
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= max_bytes:   # read to the end, or one byte past the limit
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:   # it grew since fstat
            too_large(size)
        return b"".join(chunks)
    except OSError as error:
        unreadable(error)
    finally:
        os.close(fd)



def read_text(path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "text",
              within=None) -> str:
    """`read_file`, decoded as UTF-8; text in another encoding is an InputError naming the first bad byte."""
    data = read_file(path, max_bytes=max_bytes, what=what, within=within)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(os.fspath(path) if not isinstance(path, int) else str(path),
                         *_words("not_utf8", byte=f"{data[error.start]:02x}", offset=error.start)) from None


def read_stream(stream, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """At most `max_bytes` of a binary stream (standard input), or an InputError: never read past the limit."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(source, *_words("stream_too_large", max=max_bytes))
    return data
