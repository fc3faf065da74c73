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

# errno → (en, zh), for the errors people meet; anything else is shown as the system words it.
_REASONS = {
    errno.ENOENT: ("found nothing at this path", "该路径下不存在文件"),
    errno.ENOTDIR: ("a folder on the path is a file", "路径中的某个文件夹实际是文件"),
    errno.EACCES: ("permission denied", "没有读取权限"),
    errno.EPERM: ("permission denied", "没有读取权限"),
    errno.ENAMETOOLONG: ("the path is too long", "路径过长"),
    errno.ELOOP: ("too many levels of symbolic links", "符号链接层数过多"),
    errno.ENOSPC: ("the disk is full", "磁盘已满"),
    errno.EDQUOT: ("the disk quota is used up", "磁盘配额已用完"),
    errno.EROFS: ("the file system is read-only", "文件系统为只读"),
}


class InputError(CarbonCheckError):
    """A user-supplied file that cannot be read as one; `.source` names it, `.en`/`.zh` say why."""

    def __init__(self, source: str, en: str, zh: str):
        self.source, self.en, self.zh = source, en, zh
        super().__init__(f"{source}: {en}")

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return InputError, (self.source, self.en, self.zh)

    def message(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


def os_reason(error: OSError) -> tuple[str, str]:
    """An OSError in words, (en, zh)."""
    if error.errno in _REASONS:
        return _REASONS[error.errno]
    words = error.strerror or type(error).__name__
    return words, words


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


def read_file(path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: tuple[str, str] = ("a file", "文件"),
              within=None) -> bytes:
    """The whole content of the regular file at `path`, at most `max_bytes` long, or an InputError.

    `what` names the file the caller expects, (en, zh), for the messages: ("an evidence file", "证据文件").
    `within`, a folder: the file, with every symbolic link followed, must lie inside it (custom templates).
    """
    source = os.fspath(path) if not isinstance(path, int) else str(path)

    def fail(en: str, zh: str):
        raise InputError(source, en, zh)

    if within is not None:   # a custom template folder: no symbolic link may lead out of it
        folder = os.path.realpath(within)
        if os.path.commonpath([folder, os.path.realpath(str(path).replace("\0", ""))]) != folder:
            fail(f"expected a file inside {within}, found a symbolic link to outside it",
                 f"应为 {within} 之内的文件，实际是指向其外部的符号链接")

    def too_large(size: int):
        fail(f"expected a file of at most {max_bytes} bytes, found {size} bytes",
             f"文件应不超过 {max_bytes} 字节，实际为 {size} 字节")

    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.ENOENT:
            fail(f"expected {what[0]}, found nothing at this path", f"应为{what[1]}，但该路径下不存在文件")
        en, zh = os_reason(error)
        fail(f"expected a readable file, found an error: {en}", f"应为可读取的文件，实际出错：{zh}")
    except ValueError:   # a NUL character in the name
        fail("expected a path without NUL characters", "路径中不应含有 NUL 字符")
    try:
        info = os.fstat(fd)   # of what was opened, so nothing can be swapped in between
        if stat.S_ISDIR(info.st_mode):
            fail(f"expected {what[0]}, found a directory", f"应为{what[1]}，实际为目录")
        if not stat.S_ISREG(info.st_mode):
            fail("expected a regular file, found a special file", "应为普通文件，实际为特殊文件")
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
        en, zh = os_reason(error)
        fail(f"expected a readable file, found an error: {en}", f"应为可读取的文件，实际出错：{zh}")
    finally:
        os.close(fd)



def read_text(path, *, max_bytes: int = DEFAULT_MAX_BYTES, what: tuple[str, str] = ("a text file", "文本文件"),
              within=None) -> str:
    """`read_file`, decoded as UTF-8; text in another encoding is an InputError naming the first bad byte."""
    data = read_file(path, max_bytes=max_bytes, what=what, within=within)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(os.fspath(path) if not isinstance(path, int) else str(path),
                         f"expected UTF-8 text, found the byte 0x{data[error.start]:02x} at offset {error.start}",
                         f"应为 UTF-8 文本，偏移 {error.start} 处的字节为 0x{data[error.start]:02x}") from None


def read_stream(stream, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """At most `max_bytes` of a binary stream (standard input), or an InputError: never read past the limit."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(source, f"expected at most {max_bytes} bytes, found more",
                         f"内容应不超过 {max_bytes} 字节，实际更多")
    return data
