"""Replaced results written again as later ones (outputs.files.Recycler), only once that is safe after a crash."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.interfaces.cli import main
from checker.outputs.files import Recycler, Syncs, left_behind, make_folder, write_atomically
from checker.tools import batch

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "zero-carbon-factory"


@pytest.fixture()
def recycler(tmp_path):
    make_folder(tmp_path / "retired")
    return Recycler(tmp_path / "retired", Syncs())


def _replace(path: Path, data: bytes, recycler: Recycler) -> None:
    write_atomically(path, data, durable=False, retire=recycler)


def _synced(syncs: Syncs) -> None:
    """A whole sync, as the one who syncs counts it."""
    syncs.end(syncs.begin())


def test_a_replaced_file_is_written_again_only_once_a_sync_has_ended(tmp_path, recycler):
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    for path in (a, b, c):
        _replace(path, b"first " + path.name.encode(), recycler)
    old_a, old_b, old_c = a.stat().st_ino, b.stat().st_ino, c.stat().st_ino
    _replace(a, b"second a", recycler)
    assert [os.stat(e.path).st_ino for e in os.scandir(recycler.folder)] == [old_a]   # kept whole
    _replace(b, b"second b", recycler)   # no sync yet: a new file
    assert b.stat().st_ino not in (old_a, old_b)
    _synced(recycler.syncs)
    os.chmod(c, 0o640)
    _replace(c, b"second c, longer than what the kept file held", recycler)
    assert c.stat().st_ino == old_a
    assert {os.stat(e.path).st_ino for e in os.scandir(recycler.folder)} == {old_b, old_c}   # kept, not yet safe
    assert c.read_bytes() == b"second c, longer than what the kept file held"
    assert stat.S_IMODE(c.stat().st_mode) == 0o640 and c.stat().st_nlink == 1
    assert a.read_bytes() == b"second a" and b.read_bytes() == b"second b"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_file_written_again_keeps_nothing_of_its_old_content(tmp_path, recycler):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _replace(a, b"x" * 5000, recycler)
    _replace(b, b"old b", recycler)
    _replace(a, b"new a", recycler)   # the 5000 bytes are kept
    _synced(recycler.syncs)
    _replace(b, b"short", recycler)
    assert b.read_bytes() == b"short" and b.stat().st_size == 5


def test_the_file_written_again_is_the_largest_that_needs_no_block_freed(tmp_path, recycler):
    """Cutting a kept file shorter by whole blocks makes the writer wait for the disk to discard them."""
    block = os.stat(recycler.folder).st_blksize
    sizes = {"a": 3, "b": 1, "c": 2, "d": 5, "e": 4}   # blocks
    for name, blocks in sizes.items():
        _replace(tmp_path / f"{name}.json", b"x" * (blocks * block), recycler)
    old = {name: (tmp_path / f"{name}.json").stat().st_ino for name in sizes}
    for name in sizes:
        _replace(tmp_path / f"{name}.json", b"new", recycler)   # the old files kept, in this order
    p, q, r, s = (tmp_path / f"{name}.json" for name in "pqrs")
    for path in (p, q, r, s):
        _replace(path, b"old", recycler)
    _synced(recycler.syncs)
    _replace(p, b"p" * (2 * block + 1), recycler)   # three blocks needed: the largest kept is not larger
    _replace(q, b"q" * (2 * block - 10), recycler)   # two: the 2-block file, not the 1-block one
    _replace(r, b"r", recycler)   # one: the 1-block file
    _replace(s, b"s", recycler)   # one, and every file left is larger: the smallest of them is cut
    assert [path.stat().st_ino for path in (p, q, r, s)] == [old["a"], old["c"], old["b"], old["e"]]
    assert p.read_bytes() == b"p" * (2 * block + 1) and q.read_bytes() == b"q" * (2 * block - 10)
    assert r.read_bytes() == b"r" and s.read_bytes() == b"s" and s.stat().st_size == 1


def test_a_file_replaced_while_a_sync_runs_waits_for_the_next_one(tmp_path, recycler):
    """The sync may not have written its replacement's name to the disk."""
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    for path in (a, b, c):
        _replace(path, b"old", recycler)
    old_a = a.stat().st_ino
    number = recycler.syncs.begin()
    _replace(a, b"new a", recycler)
    recycler.syncs.end(number)
    _replace(b, b"new b", recycler)
    assert b.stat().st_ino != old_a   # not written again: the sync began before a's replacement
    _synced(recycler.syncs)
    _replace(c, b"new c", recycler)
    assert c.stat().st_ino == old_a


def test_a_kept_file_whose_replacement_failed_is_never_written_again(tmp_path, recycler):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    _replace(a, b"a", recycler)
    _replace(b, b"b", recycler)
    recycler.keep(str(a))   # linked, then the rename failed: a.json still names it
    _synced(recycler.syncs)
    _replace(b, b"new b", recycler)
    assert a.read_bytes() == b"a" and b.read_bytes() == b"new b" and a.stat().st_nlink == 2


def test_each_process_writes_again_only_what_it_kept(tmp_path, recycler):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    other = Recycler(recycler.folder, recycler.syncs)   # another worker writing into the same folder
    _replace(a, b"a", recycler)
    _replace(b, b"b", other)
    old_a = a.stat().st_ino
    _replace(a, b"new a", recycler)
    _synced(recycler.syncs)
    _replace(b, b"new b", other)
    assert b.stat().st_ino != old_a   # not taken: another process's
    assert old_a in {os.stat(e.path).st_ino for e in os.scandir(recycler.folder)}


def test_a_file_with_another_name_is_never_written_again(tmp_path, recycler):
    """A result hard-linked elsewhere by its user keeps what it held: only a file's one name may be reused."""
    a, b, elsewhere = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "copy-of-a.json"
    _replace(a, b"old a", recycler)
    _replace(b, b"old b", recycler)
    os.link(a, elsewhere)
    _replace(a, b"new a", recycler)
    _replace(b, b"new b", recycler)
    _synced(recycler.syncs)
    kept_b = [e.path for e in os.scandir(recycler.folder) if os.stat(e.path).st_nlink == 1]
    os.link(kept_b[0], tmp_path / "linked-later.json")
    _replace(a, b"newer a", recycler)   # both kept files have another name now: refused, their kept names deleted
    assert elsewhere.read_bytes() == b"old a" and (tmp_path / "linked-later.json").read_bytes() == b"old b"
    assert a.read_bytes() == b"newer a" and a.stat().st_ino not in (elsewhere.stat().st_ino,
                                                                     (tmp_path / "linked-later.json").stat().st_ino)
    assert [os.path.samefile(e.path, a) for e in os.scandir(recycler.folder)] == [False]   # a's own old file
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_recorder_counts_each_sync_as_it_begins_and_ends(tmp_path, monkeypatch):
    """A file a writer replaces while the recorder's sync runs is not written again after that sync."""
    out = tmp_path / "out"
    syncs = Syncs()
    make_folder(out / batch.RETIRED)
    writer = Recycler(out / batch.RETIRED, syncs)
    for name in ("a.json", "b.json", "c.json", "d.json"):
        _replace(out / name, b"old", writer)
    old = {name: (out / name).stat().st_ino for name in ("a.json", "b.json")}
    _replace(out / "a.json", b"new", writer)

    def sync():   # a writer replaces b.json while the disk syncs
        _replace(out / "b.json", b"new", writer)
    monkeypatch.setattr(batch, "sync_to_disk", sync)
    recorder = batch._Recorder(out, {}, syncs)
    recorder._record([])
    assert (syncs.begun, syncs.ended) == (1, 1)
    _replace(out / "c.json", b"new", writer)
    assert (out / "c.json").stat().st_ino == old["a.json"]
    _replace(out / "d.json", b"new", writer)
    assert (out / "d.json").stat().st_ino != old["b.json"]   # b's old file waits for the next sync
    monkeypatch.setattr(batch, "sync_to_disk", lambda: None)
    recorder._record([])
    _replace(out / "a.json", b"newer", writer)
    assert (out / "a.json").stat().st_ino == old["b.json"]
    recorder.end([])
    recorder.close()
    assert (syncs.begun, syncs.ended) == (3, 3) and (out / batch.JOURNAL).read_bytes() == b""


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
        return {p.name: p.read_bytes() for p in out.iterdir() if p.name not in (batch.LOCK_FILE, batch.RETIRED)}

    first = run()
    inodes = {p.stat().st_ino for p in out.glob("*.json")}
    monkeypatch.setattr(batch, "SYNC_EVERY", 3)
    assert run("--force") == first
    again = {p.stat().st_ino for p in out.glob("*.json")}
    assert again & inodes, "no result was written into a file it replaced"
    assert all(p.stat().st_nlink == 1 for p in out.glob("*.json"))
    assert not list(out.glob(".*.tmp"))
    # what it replaced stays, whole, to be written again by the next run, as soon as that one's first sync ends
    left = {p.stat().st_ino for p in (out / batch.RETIRED).iterdir()}
    assert left and all(p.stat().st_nlink == 1 for p in (out / batch.RETIRED).iterdir())
    monkeypatch.setattr(batch, "SYNC_EVERY", 1000)
    assert run("--force") == first
    assert left <= {p.stat().st_ino for p in out.glob("*.json")}


def test_files_a_run_left_are_written_again_only_after_a_sync_and_only_with_no_other_name(tmp_path, monkeypatch):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.json"
    make_folder(out / batch.RETIRED)
    for name in "abcde":
        (out / batch.RETIRED / name).write_bytes(b"old " + name.encode())
    os.makedirs(out / batch.RETIRED / "ready" / "1")   # where an older version kept them
    (out / batch.RETIRED / "ready" / "1" / "f").write_bytes(b"old f")
    left = left_behind(out / batch.RETIRED, 4)
    assert sorted(os.listdir(out / batch.RETIRED)) == sorted(os.path.basename(name) for name in left)   # 4 kept
    elsewhere.write_bytes(b"old linked")
    os.link(elsewhere, out / batch.RETIRED / "linked")   # a killed run's link whose rename never came
    left.append(os.fspath(out / batch.RETIRED / "linked"))
    syncs = Syncs()
    writer = Recycler(out / batch.RETIRED, syncs, left)
    inodes = {os.stat(name).st_ino for name in left}
    _replace(out / "x.json", b"x", writer)
    _replace(out / "x.json", b"new x", writer)
    assert (out / "x.json").stat().st_ino not in inodes   # no sync yet: a new file
    _synced(syncs)
    for name in ("p", "q", "r", "s", "t", "u"):
        _replace(out / f"{name}.json", b"old", writer)
        _replace(out / f"{name}.json", b"new " + name.encode(), writer)
    written = {(out / f"{name}.json").stat().st_ino for name in "pqrstu"}
    assert len(inodes & written) == 4 and elsewhere.stat().st_ino not in written
    assert elsewhere.read_bytes() == b"old linked" and elsewhere.stat().st_nlink == 1
    assert all((out / f"{name}.json").read_bytes() == b"new " + name.encode() for name in "pqrstu")
