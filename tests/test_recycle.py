"""Replaced results written again as later ones (outputs.files.Recycler), only once that is safe after a crash."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.interfaces.cli import main
from checker.outputs.files import Recycler, write_atomically
from checker.tools import batch

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "zero-carbon-factory"


@pytest.fixture()
def recycler(tmp_path):
    made = Recycler(tmp_path / "retired")
    made.make()
    return made


def _mine(recycler: Recycler) -> str:
    """The folder of the files released for this process to write again."""
    return os.path.join(recycler.ready, str(os.getpid()))


def _replace(path: Path, data: bytes, recycler: Recycler) -> None:
    write_atomically(path, data, durable=False, retire=recycler)


def test_a_replaced_file_is_written_again_only_once_released(tmp_path, recycler):
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    for path in (a, b, c):
        _replace(path, b"first " + path.name.encode(), recycler)
    old_a, old_b = a.stat().st_ino, b.stat().st_ino
    _replace(a, b"second a", recycler)
    assert len(recycler.listed()) == 1 and not os.listdir(recycler.ready)
    _replace(b, b"second b", recycler)   # nothing released yet: a new file
    assert b.stat().st_ino not in (old_a, old_b)
    recycler.release(recycler.listed())   # as the one who syncs does, after its sync
    assert not recycler.listed() and {os.stat(e.path).st_ino for e in os.scandir(_mine(recycler))} == {old_a, old_b}
    os.chmod(c, 0o640)
    recycler._wait = 0   # listed again at once, not after the writes made with new files
    _replace(c, b"second c, longer than what the kept file held", recycler)
    assert c.stat().st_ino in (old_a, old_b) and len(os.listdir(_mine(recycler))) == 1
    assert c.read_bytes() == b"second c, longer than what the kept file held"
    assert stat.S_IMODE(c.stat().st_mode) == 0o640 and c.stat().st_nlink == 1
    assert a.read_bytes() == b"second a" and b.read_bytes() == b"second b"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_file_written_again_keeps_nothing_of_its_old_content(tmp_path, recycler):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _replace(a, b"x" * 5000, recycler)
    _replace(b, b"old b", recycler)
    _replace(a, b"new a", recycler)   # the 5000 bytes are kept
    recycler.release(recycler.listed())
    recycler._wait = 0
    _replace(b, b"short", recycler)
    assert b.read_bytes() == b"short" and b.stat().st_size == 5


def test_a_file_whose_replacement_is_not_in_place_is_never_released(tmp_path, recycler):
    a = tmp_path / "a.json"
    _replace(a, b"a", recycler)
    recycler.keep(str(a))   # a writer between its link and its rename
    assert recycler.listed() == []
    os.replace(tmp_path / "a.json", tmp_path / "moved.json")   # still reached by a name outside the folder
    assert recycler.listed() == []
    (tmp_path / "moved.json").unlink()
    assert len(recycler.listed()) == 1


def test_each_process_writes_again_only_what_it_kept(tmp_path, recycler):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _replace(a, b"a", recycler)
    _replace(a, b"new a", recycler)
    kept = recycler.listed()
    theirs = os.path.join(recycler.folder, "1-1")   # kept by another process
    os.rename(kept[0], theirs)
    recycler.release([theirs])
    assert os.listdir(os.path.join(recycler.ready, "1")) == ["1-1"]
    _replace(b, b"b", recycler)
    recycler._wait = 0
    _replace(b, b"new b", recycler)
    assert os.listdir(os.path.join(recycler.ready, "1")) == ["1-1"]   # not taken: another process's


def test_a_file_with_another_name_is_never_written_again(tmp_path, recycler):
    """A result hard-linked elsewhere by its user keeps what it held: only a file's one name may be reused."""
    a, b, elsewhere = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "copy-of-a.json"
    _replace(a, b"old a", recycler)
    _replace(b, b"old b", recycler)
    os.link(a, elsewhere)
    _replace(a, b"new a", recycler)
    assert recycler.listed() == []   # kept, never released
    _replace(b, b"new b", recycler)
    released = recycler.listed()
    recycler.release(released)
    os.link(os.path.join(_mine(recycler), os.path.basename(released[0])), tmp_path / "linked-later.json")
    recycler._wait = 0
    _replace(a, b"newer a", recycler)   # the released file has another name now: refused, deleted
    assert elsewhere.read_bytes() == b"old a" and (tmp_path / "linked-later.json").read_bytes() == b"old b"
    assert a.read_bytes() == b"newer a" and a.stat().st_ino not in (elsewhere.stat().st_ino,
                                                                     (tmp_path / "linked-later.json").stat().st_ino)
    assert not os.listdir(_mine(recycler)) and not list(tmp_path.glob(".*.tmp"))


def test_the_recorder_releases_only_what_was_replaced_before_its_sync(tmp_path, monkeypatch):
    """The file a writer replaces while the sync runs is not released by that sync: the sync may not have
    written its replacement's name to the disk."""
    out = tmp_path / "out"
    Recycler(out / batch.RETIRED).make()
    writer = Recycler(out / batch.RETIRED)
    for name in ("a.json", "b.json"):
        _replace(out / name, b"old", writer)
    _replace(out / "a.json", b"new", writer)
    before = writer.listed()
    synced = []

    def sync():   # a writer replaces b.json while the disk syncs
        synced.append(True)
        _replace(out / "b.json", b"new", writer)
    monkeypatch.setattr(batch, "sync_to_disk", sync)
    recorder = batch._Recorder(out, {})
    recorder._record([])
    assert synced and len(before) == 1
    assert [os.path.basename(n) for n in before] == os.listdir(_mine(writer))
    during = writer.listed()
    assert len(during) == 1 and during[0] not in before   # b's old file waits for the next sync
    monkeypatch.setattr(batch, "sync_to_disk", lambda: None)
    recorder._record([])
    assert writer.listed() == [] and len(os.listdir(_mine(writer))) == 2
    recorder.close([])
    assert not (out / batch.RETIRED).exists()


def test_a_forced_rerun_writes_results_into_the_files_it_replaced(tmp_path, monkeypatch):
    folder = tmp_path / "many"
    folder.mkdir()
    for n, path in enumerate((sorted(EXAMPLES.glob("*.json")) * 3)[:20]):
        shutil.copy(path, folder / f"{n:02d}-{path.name}")
    out = tmp_path / "out"

    def run(*more):
        result = CliRunner().invoke(main, ["batch", str(folder), "-r", "zero-carbon-factory", "--out", str(out),
                                           "--jobs", "1", "--date", "2026-11-25", *more], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return {p.name: p.read_bytes() for p in out.iterdir() if p.name != batch.LOCK_FILE}

    first = run()
    inodes = {p.stat().st_ino for p in out.glob("*.json")}
    monkeypatch.setattr(batch, "SYNC_EVERY", 3)
    monkeypatch.setattr(Recycler, "RESCAN", 0)
    assert run("--force") == first
    again = {p.stat().st_ino for p in out.glob("*.json")}
    assert again & inodes, "no result was written into a file it replaced"
    assert all(p.stat().st_nlink == 1 for p in out.glob("*.json"))
    assert not (out / batch.RETIRED).exists() and not list(out.glob(".*.tmp"))
