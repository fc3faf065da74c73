"""Batch scoring: inputs, per-application errors, atomic outputs, resuming, summaries, parallel runs."""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import load_ruleset
from checker.tools import batch, batch_summary
from checker.interfaces.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "zero-carbon-factory"
EXPECTED = {  # id: (outcome, grade, score), from the examples
    "five-stars": ("graded", "five_stars", "93.87"),
    "four-stars": ("graded", "four_stars", "82.18"),
    "incomplete": ("incomplete", "", "62.68"),
    "ineligible": ("ineligible", "", "82.18"),
    "not-graded": ("not_graded", "", "60.18"),
    "six-stars": ("graded", "six_stars", "100"),
    "three-stars": ("graded", "three_stars", "78.4"),
}


@pytest.fixture()
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in EXAMPLES.glob("*.json"):
        shutil.copy(path, folder / path.name)
    return folder


def _batch(*args):
    return CliRunner().invoke(main, ["batch", *map(str, args), "--date", "2026-11-25"], catch_exceptions=False)


def _summary(out: Path) -> dict[str, dict]:
    data = (out / "summary.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # Excel on Chinese Windows reads it as UTF-8 only with the mark
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return {row["id"]: row for row in rows}


def test_a_folder_is_scored_into_results_and_a_summary(inputs, tmp_path):
    out = tmp_path / "out"
    result = _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    summary = _summary(out)
    assert {i: (r["outcome"], r["grade"], r["score"]) for i, r in summary.items()} == EXPECTED
    assert all(r["file"] == f"{i}.json" and r["error"] == "" for i, r in summary.items())
    four = json.loads((out / "four-stars.json").read_text("utf-8"))
    assert four["grade"]["id"] == "four_stars" and four["gap"]["target"]["id"] == "five_stars"
    assert list(summary) == sorted(EXPECTED)  # input order: the folder's files, sorted
    assert not list(out.glob(".*.tmp"))


def test_bad_files_are_reported_and_do_not_stop_the_batch(inputs, tmp_path):
    (inputs / "broken.json").write_bytes(b'{"ruleset": "zero-carbon-factory",')
    (inputs / "latin1.json").write_bytes('{"applicant": {"name": "caf\xe9"}}'.encode("latin-1"))
    (inputs / "wrong.json").write_text('{"ruleset": "zero-carbon-factory", "boundary": {"type": "III"}}', "utf-8")
    out = tmp_path / "out"
    result = _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--lang", "en")
    assert result.exit_code == 2
    summary = _summary(out)
    assert {i: r["outcome"] for i, r in summary.items() if i not in EXPECTED} == {
        "broken": "invalid", "latin1": "invalid", "wrong": "invalid"}
    assert "expected valid JSON" in summary["broken"]["error"]
    assert "expected UTF-8 text" in summary["latin1"]["error"]
    assert "/boundary/type" in summary["wrong"]["error"] and "/applicant: required" in summary["wrong"]["error"]
    assert summary["broken"]["file"] == "" and not (out / "broken.json").exists()
    assert all(summary[i]["outcome"] == EXPECTED[i][0] for i in EXPECTED)
    assert "10 applications" in result.output and "7 scored" in result.output


def test_a_rerun_keeps_what_is_there_and_rescores_what_changed(inputs, tmp_path):
    out = tmp_path / "out"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    again = _batch(inputs, "-r", "zero-carbon-factory", "--out", out)
    assert "（7 份沿用已有结果）" in again.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    # A changed application is scored again; the others are kept.
    data = json.loads((inputs / "three-stars.json").read_text("utf-8"))
    data["assessments"]["G1"] = 15
    (inputs / "three-stars.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    changed = _batch(inputs, "-r", "zero-carbon-factory", "--out", out)
    assert "（6 份沿用已有结果）" in changed.output
    assert _summary(out)["three-stars"]["score"] == "81.4"
    assert "份沿用已有结果" not in _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--force").output


def test_results_emptied_by_a_power_loss_are_scored_again(inputs, tmp_path):
    # Results are synced once per batch, not per file: after a crash one may be empty, and is not kept.
    out = tmp_path / "out"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--format", "json,html").exit_code == 0
    report = (out / "four-stars.html").read_bytes()
    (out / "four-stars.html").write_bytes(b"")
    (out / "three-stars.json").write_bytes(b"")
    again = _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--format", "json,html")
    assert "（5 份沿用已有结果）" in again.output
    assert (out / "four-stars.html").read_bytes() == report
    assert json.loads((out / "three-stars.json").read_text("utf-8"))["outcome"] == "graded"


def test_other_parameters_score_everything_again(inputs, tmp_path):
    out = tmp_path / "out"
    _batch(inputs, "-r", "zero-carbon-factory", "--out", out)
    result = _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--param", "gwp_vintage=AR6")
    assert "用其他参数或语言得出" in result.output and "份沿用已有结果" not in result.output
    assert json.loads((out / "batch.json").read_text("utf-8"))["params"] == {"gwp_vintage": "AR6"}


def test_a_killed_writer_leaves_no_temporary_file_behind(inputs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".four-stars.json.x1y2.tmp").write_text('{"half": ', "utf-8")
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out).exit_code == 0
    assert not list(out.glob(".*.tmp"))


def test_two_jobs_write_the_same_bytes_as_one(inputs, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", one, "--jobs", "1").exit_code == 0
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", two, "--jobs", "2").exit_code == 0
    assert {p.name: p.read_bytes() for p in one.iterdir()} == {p.name: p.read_bytes() for p in two.iterdir()}


def test_a_row_sent_back_by_a_worker_keeps_every_field():
    import dataclasses
    row = batch.Row(*(f"field {n}" for n in range(len(dataclasses.fields(batch.Row)))))
    assert batch.Row(row.id, row.source, *batch._sent(row)) == row


def test_the_spans_given_to_workers_cover_every_application_once_and_shrink_at_the_end():
    spans = batch._spans(10_000, 2)
    assert [start for start, _ in spans] == [0] + [stop for _, stop in spans[:-1]] and spans[-1][1] == 10_000
    sizes = [stop - start for start, stop in spans]
    assert max(sizes) == 64 and sizes[-1] == 1 and sizes == sorted(sizes, reverse=True)
    assert batch._spans(3, 2) == [(0, 1), (1, 2), (2, 3)] and batch._spans(0, 2) == []


def test_json_lines_with_ids_from_a_field_or_the_line(tmp_path):
    lines = []
    for name, code in (("four-stars", "91330502MA2B3C4D58"), ("three-stars", "91330402MA2C7D8E90"),
                       ("four-stars", "91330502MA2B3C4D58")):
        data = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
        data["applicant"]["credit_code"] = code
        lines.append(json.dumps(data, ensure_ascii=False))
    source = tmp_path / "apps.jsonl"
    source.write_text(lines[0] + "\n\n" + lines[1] + "\n{not json\n" + lines[2] + "\n", "utf-8")
    out = tmp_path / "out"
    result = _batch(source, "-r", "zero-carbon-factory", "--out", out, "--id-field", "/applicant/credit_code")
    assert result.exit_code == 2
    summary = _summary(out)
    assert [(i, r["source"].rsplit(":", 1)[1], r["outcome"]) for i, r in summary.items()] == [
        ("91330502MA2B3C4D58", "1", "graded"),
        ("91330402MA2C7D8E90", "3", "graded"),
        ("apps-4", "4", "invalid"),
        ("91330502MA2B3C4D58-2", "5", "graded"),
    ]
    by_line = _batch(source, "-r", "zero-carbon-factory", "--out", tmp_path / "lines")
    assert list(_summary(tmp_path / "lines")) == ["apps-1", "apps-3", "apps-4", "apps-5"]
    assert by_line.exit_code == 2


def test_index_html_escapes_what_the_evidence_says(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    data = json.loads((EXAMPLES / "four-stars.json").read_text("utf-8"))
    data["boundary"]["type"] = "<script>x</script>"
    (folder / "<img src=x onerror=alert(1)>.json").write_text(json.dumps(data), "utf-8")
    shutil.copy(EXAMPLES / "four-stars.json", folder / "ok.json")
    out = tmp_path / "out"
    _batch(folder, "-r", "zero-carbon-factory", "--out", out, "--lang", "en")
    page = (out / "index.html").read_text("utf-8")
    assert page.count("<script") == 1 and "<script>x" not in page and "<img" not in page  # the one: sorting
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;.json" in page
    assert re.search(r'<rect x="\d+" y="4" width="0"', page)  # six stars: no application
    assert ">4 stars</text>" in page and ">Invalid evidence</text>" in page
    assert "2 applications: 1 scored, 1 could not be scored." in page


@pytest.mark.parametrize("lang, shown", [
    ("en", ['data-key="outcome">Outcome</th>', ">Graded</span></td>", ">Not graded</text>", ">Incomplete</text>", ">Ineligible</text>",
            ">Passed</text>", ">Invalid evidence</text>", ">Internal error</text>",
            "8 applications: 6 scored, 2 could not be scored."]),
    ("zh", ['data-key="outcome">结论</th>', ">已定级</span></td>", ">未达到任何等级</text>", ">证据不完整</text>", ">不符合申报条件</text>",
            ">通过</text>", ">证据无效</text>", ">内部错误</text>", "共 8 份申请：6 份已评价，2 份未能评价。"]),
])
def test_index_html_words_come_from_the_catalogue(lang, shown):
    outcomes = ["graded", "not_graded", "incomplete", "ineligible", "passed", batch.INVALID, batch.FAILED]
    ruleset = load_ruleset("zero-carbon-factory")
    rows = [batch.Row(f"a{i}", f"a{i}.json", outcome, "four_stars" if outcome == "graded" else None,
                      ruleset=ruleset.id) for i, outcome in enumerate(outcomes + ["graded"])]
    page = batch_summary.index_html(rows, [ruleset], lang, "2026-11-25", ("json",)).decode("utf-8")
    for text in shown:
        assert text in page, text
    page = re.sub(r"<(script|style)>.*?</\1>", "", page, flags=re.S)   # code, not words
    data = re.sub(r"<[^>]*>", "", page).replace(ruleset.text("title", lang), "")  # outcome ids are CSS classes
    if lang == "en":
        assert not re.findall(r"[\u3000-\u9fff\uff00-\uffef]", data)
    else:
        assert not re.findall(r"\b(graded|applications|scored|evaluation date|invalid evidence)\b", data)


def test_html_reports_beside_the_results(inputs, tmp_path):
    out = tmp_path / "out"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--format", "json,html").exit_code == 0
    assert sorted(p.name for p in out.glob("*.html")) == sorted([f"{i}.html" for i in EXPECTED] + ["index.html"])
    assert '<a href="four-stars.html">html</a>' in (out / "index.html").read_text("utf-8")


@pytest.mark.parametrize("args, message", [
    (["missing-folder"], "carbon-check: 找不到文件或文件夹 missing-folder"),
    (["{in}", "--format", "json,docx"], "未知格式 'docx'"),
    (["{in}", "--param", "nothing=1"], "has no parameter 'nothing'"),
])
def test_wrong_invocations_exit_2(inputs, tmp_path, args, message):
    args = [a.replace("{in}", str(inputs)) for a in args]
    result = _batch(*args, "-r", "zero-carbon-factory", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("lang, said", [("en", "carbon-check: {empty} holds no applications (*.json, *.xlsx or JSON "
                                                "Lines files)"),
                                        ("zh", "carbon-check: {empty} 中没有申请（*.json、*.xlsx 或 JSON Lines 文件）")])
def test_inputs_without_applications_are_said_in_the_language_asked(tmp_path, lang, said):
    (tmp_path / "empty").mkdir()
    result = _batch(tmp_path / "empty", "--out", tmp_path / "out", "--lang", lang)
    assert result.exit_code == 2 and result.stderr == said.format(empty=tmp_path / "empty") + "\n"


def test_collect_leaves_out_the_output_folder_and_names_uniquely(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        shutil.copy(EXAMPLES / "four-stars.json", tmp_path / folder / "x.json")
    (tmp_path / "a" / "X.json").write_text("{}", "utf-8")
    found = batch.collect([str(tmp_path / "*" / "*.json")], out=tmp_path / "b")
    assert [(a.id, Path(a.source).parent.name) for a in found] == [("X", "a"), ("x-2", "a")]


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("ok", "ok"),
    (None, ""),
])
def test_csv_cells_never_become_formulas(value, shown):
    assert batch_summary.csv_cell(value) == shown
    row = batch.Row(value, value, "graded", grade=value, score=value, file=value, error=value, ruleset=value)
    lines = batch_summary.summary_csv([row]).decode("utf-8-sig").splitlines()   # in summary.csv too
    assert next(csv.reader(lines[1:])) == [shown, shown, shown, "graded", shown, shown, shown, shown]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_the_progress_bar_draws_on_a_terminal(inputs, tmp_path):
    """click draws the bar only on a terminal, and asks for its status line before the first row ends."""
    leader, follower = os.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", "batch", str(inputs), "-r", "zero-carbon-factory",
                               "--out", str(tmp_path / "out"), "--jobs", "1", "--date", "2026-11-25"],
                              stdin=follower, stdout=subprocess.PIPE, stderr=follower, timeout=120)
        drawn = b""
        while select.select([leader], [], [], 0)[0]:
            drawn += os.read(leader, 65536)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 0, drawn.decode("utf-8", "replace")
    assert "评价中".encode() in drawn and b"7/7" in drawn and "份/秒".encode() in drawn


def test_the_progress_bar_is_drawn_at_most_ten_times_a_second_and_at_the_last_row(many, tmp_path, monkeypatch):
    """A terminal is not sent a line for each of 10,000 rows: with no time passing, only the first and last draw."""
    import time
    from click._termui_impl import ProgressBar
    folder, _ = many
    drawn = []
    update = ProgressBar.update

    def counted(bar, steps, item=None):
        update(bar, steps, item)
        drawn.append(bar.pos)
    monkeypatch.setattr(ProgressBar, "update", counted)
    monkeypatch.setattr(time, "monotonic", lambda: 1000.0)
    assert _batch(folder, "-r", "zero-carbon-factory", "--out", tmp_path / "out", "--jobs", "1").exit_code == 0
    assert drawn == [1, 12]


def test_an_id_field_that_is_no_json_pointer_is_refused_before_any_work(tmp_path):
    result = _batch(EXAMPLES / "four-stars.json", "--out", tmp_path / "out", "--id-field", "applicant/name")
    assert result.exit_code == 2 and "starts with '/'" in result.output
    assert not (tmp_path / "out").exists()


def test_index_names_the_applicant_and_colours_each_outcome(inputs, tmp_path):
    out = tmp_path / "out"
    _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--lang", "zh")
    page = (out / "index.html").read_text("utf-8")
    assert 'data-key="applicant">申请单位</th>' in page and "湖州绿源新材料有限公司" in page
    assert 'style="background: #1b7f3b">已定级</span>' in page
    assert 'style="background: #a15c00">证据不完整</span>' in page


def test_batch_writes_pdf_reports(inputs, tmp_path):
    pytest.importorskip("pypdf")
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pytest.skip("WeasyPrint or its system libraries (pango) are not installed: pip install '.[pdf]'")
    out = tmp_path / "out"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--format", "json,pdf").exit_code in (0, 1)
    assert (out / "four-stars.pdf").read_bytes().startswith(b"%PDF-")
    assert '<a href="four-stars.pdf">pdf</a>' in (out / "index.html").read_text("utf-8")


# ---------------------------------------------------------------------------------------- resuming

def _folder(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name not in (batch.LOCK_FILE, batch.RETIRED)}


@pytest.fixture()
def many(tmp_path):
    """Twelve applications (the examples, some twice), and the folder an uninterrupted batch makes of them."""
    folder = tmp_path / "many"
    folder.mkdir()
    for n, path in enumerate((sorted(EXAMPLES.glob("*.json")) * 2)[:12]):
        shutil.copy(path, folder / f"{n:02d}-{path.name}")
    clean = tmp_path / "clean"
    assert _batch(folder, "-r", "zero-carbon-factory", "--out", clean, "--jobs", "1").exit_code == 0
    return folder, _folder(clean)


def _journal(out: Path) -> list[str]:
    return [json.loads(line)["id"] for line in (out / batch.JOURNAL).read_text("utf-8").splitlines()]


@pytest.mark.parametrize("sync_every, stop_after", [(3, 5), (100, 5), (3, 1)])
def test_an_interrupted_batch_records_what_it_renamed_and_a_rerun_keeps_it(many, tmp_path, monkeypatch,
                                                                          sync_every, stop_after):
    folder, clean = many
    out = tmp_path / "out"
    monkeypatch.setattr(batch, "SYNC_EVERY", sync_every)
    applications = batch.collect([str(folder)], out)
    settings = batch.Settings(str(load_ruleset("zero-carbon-factory").path.resolve()), str(out), ("json",), (),
                              "2026-11-25", "zh", False)
    seen = []

    def progress(row):   # Ctrl-C after `stop_after` applications
        seen.append(row.id)
        if len(seen) == stop_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.run(applications, settings, 1, progress=progress)
    assert _journal(out) == seen   # synced, then recorded, however the run stopped
    again = _batch(folder, "-r", "zero-carbon-factory", "--out", out, "--jobs", "2")
    assert again.exit_code == 0 and f"（{stop_after} 份沿用已有结果）" in again.output
    assert _folder(out) == clean


def test_a_killed_batch_is_redone_from_its_last_record(many, tmp_path):
    """SIGKILL: nothing runs after it. What was renamed into place but not yet synced and recorded is redone."""
    folder, clean = many
    out = tmp_path / "out"
    command = [sys.executable, "-m", "checker.interfaces.cli", "batch", str(folder), "-r", "zero-carbon-factory",
               "--out", str(out), "--jobs", "1", "--date", "2026-11-25"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and not list(out.glob("[0-9]*.json")):
            select.select([], [], [], 0.01)
    finally:
        process.kill()
        process.wait()
    again = _batch(folder, "-r", "zero-carbon-factory", "--out", out)
    assert again.exit_code == 0
    if process.returncode == -9:   # killed before it ended (the usual case): nothing was recorded yet
        assert "份沿用已有结果" not in again.output
    assert _folder(out) == clean
    assert not list(out.glob(".*.tmp"))
    assert all(p.stat().st_nlink == 1 for p in out.glob(f"{batch.RETIRED}/*"))   # old results, no other name


def test_a_worker_that_dies_stops_the_batch_and_what_was_recorded_is_kept(many, tmp_path):
    """Killed (out of memory…), a worker never sends back its spans: the batch stops with an error, not waits."""
    import multiprocessing
    import signal
    folder, clean = many
    out = tmp_path / "out"
    applications = batch.collect([str(folder)], out)
    settings = batch.Settings(str(load_ruleset("zero-carbon-factory").path.resolve()), str(out), ("json",), (),
                              "2026-11-25", "zh", False)
    seen = []

    def progress(row):
        seen.append(row.id)
        if len(seen) == 1:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    with pytest.raises(batch.WorkerEnded, match=r"a worker process ended while scoring \(SIGKILL\)") as ended:
        batch.run(applications, settings, 2, progress=progress)
    assert not multiprocessing.active_children()   # the other one was stopped
    assert len(seen) < len(applications) and _journal(out) == seen
    error = ended.value
    assert (error.signal, error.code, error.crashed) == ("SIGKILL", -signal.SIGKILL, False)
    assert (error.done, error.total, error.out) == (len(seen), len(applications), str(out))
    by_source = {application.source: application.id for application in applications}
    assert len(error.held) <= 1 and not {by_source[source] for source in error.held} & set(seen)  # spans of one
    assert _batch(folder, "-r", "zero-carbon-factory", "--out", out, "--jobs", "2").exit_code == 0
    assert _folder(out) == clean


def _dies_at(monkeypatch, victim: str, how: int) -> None:
    """The worker that comes to the application `victim` ends at once by the signal `how`, as the OOM killer
    ends the process whose memory it is allocating: the same application every time, whatever the timing."""
    import faulthandler
    import resource
    scored = batch.score

    def score(application, *args):
        if application.id == victim:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # a crash leaves no core file behind
            faulthandler.disable()   # nor pytest's traceback of it in the output
            os.kill(os.getpid(), how)
        return scored(application, *args)
    monkeypatch.setattr(batch, "score", score)   # forked workers start with it


KILLED = {  # --lang: the lines a user reads when the worker scoring 05-… is killed (with the count kept)
    "en": ["carbon-check: batch stopped: a worker process was ended by the signal SIGKILL while scoring.",
           "If no one sent it, the system most likely ran out of memory and the kernel's OOM killer ended it (the "
           "system log, journalctl -k, then says \"Out of memory: Killed process\"): try fewer --jobs, a smaller "
           "--max-bytes, or more memory.",
           "It was scoring {source}.",
           "The results of {done} of 12 applications are kept in {out}: run the same command again to score the rest."],
    "zh": ["carbon-check: 批量评价已停止：一个工作进程在评价时被信号 SIGKILL 终止。",
           "若无人发送此信号，通常是系统内存耗尽，由内核的 OOM killer 终止（系统日志 journalctl -k 中会有“Out of "
           "memory: Killed process”）：请减少 --jobs、调小 --max-bytes 或增加内存。",
           "它当时正在评价 {source}。",
           "已评价的 {done}/12 份申请的结果保留在 {out} 中：再次运行同一命令即可继续评价其余申请。"],
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_killed_worker_says_which_signal_why_what_it_held_and_that_a_rerun_resumes(many, tmp_path, monkeypatch,
                                                                                    lang):
    import signal
    folder, clean = many
    out = tmp_path / "out"
    victim = sorted(folder.iterdir())[5]
    _dies_at(monkeypatch, victim.stem, signal.SIGKILL)
    result = _batch(folder, "-r", "zero-carbon-factory", "--out", out, "--jobs", "2", "--lang", lang)
    assert result.exit_code == 2   # the environment's doing, like a full disk: not an internal fault
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    kept = _journal(out)
    assert victim.stem not in kept and all((out / f"{i}.json").read_bytes() == clean[f"{i}.json"] for i in kept)
    expected = [line.format(source=victim, done=len(kept), out=out) for line in KILLED[lang]]
    assert result.stderr.splitlines()[-len(expected):] == expected
    monkeypatch.undo()
    rerun = _batch(folder, "-r", "zero-carbon-factory", "--out", out, "--jobs", "2", "--lang", lang)
    worded = {"batch.json", "index.html"} if lang == "en" else set()   # `many` made them in zh
    assert rerun.exit_code == 0 and _folder(out).keys() == clean.keys()
    assert {n: b for n, b in _folder(out).items() if n not in worded} == {n: b for n, b in clean.items() if n not in worded}
    assert (f"({len(kept)} already there)" if lang == "en" else f"（{len(kept)} 份沿用已有结果）") in rerun.stdout


def test_a_worker_that_crashes_is_an_internal_fault_to_report(many, tmp_path, monkeypatch):
    import signal
    folder, clean = many
    out = tmp_path / "out"
    _dies_at(monkeypatch, sorted(folder.iterdir())[0].stem, signal.SIGSEGV)
    result = _batch(folder, "-r", "zero-carbon-factory", "--out", out, "--jobs", "2", "--lang", "en")
    assert result.exit_code == 3
    assert "ended by the signal SIGSEGV" in result.stderr and "It crashed" in result.stderr
    assert "Please report it" in result.stderr and "run the same command again" in result.stderr


def test_a_worker_that_raises_stays_an_internal_error(many, tmp_path, monkeypatch):
    """A Python exception in a worker, outside any one application, is a bug: reported as one."""
    def fails(span):
        raise RuntimeError("simulated fault")
    monkeypatch.setattr(batch, "_score_span", fails)
    result = _batch(many[0], "-r", "zero-carbon-factory", "--out", tmp_path / "out", "--jobs", "2")
    assert result.exit_code == 3
    assert "carbon-check: internal error: RuntimeError: simulated fault" in result.stderr.splitlines()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_missing_pdf_extra_stops_the_batch_with_what_to_install(inputs, tmp_path, monkeypatch, jobs):
    """Not an internal error for every application: each would fail the same way."""
    from checker.outputs import pdf

    def unavailable():
        raise pdf.PdfUnavailable("No module named 'weasyprint'")
    monkeypatch.setattr(pdf, "_import_weasyprint", unavailable)   # forked workers start with it
    result = _batch(inputs, "-r", "zero-carbon-factory", "--out", tmp_path / "out", "--format", "pdf", "--jobs", jobs,
                    "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("carbon-check: PDF output needs the 'pdf' extra: pip install")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_application_whose_report_cannot_be_made_gets_its_reason_in_the_batch_s_language(inputs, tmp_path,
                                                                                         monkeypatch, jobs):
    """A character no font covers fails that application's PDF alone: its row says why in --lang, and the batch
    exits 2 as `check` would for it (something the user can fix), not 3 (an internal fault); the others are scored."""
    from checker.outputs.pdf import PdfRenderError
    render = batch._render

    def no_glyph(result, fmt, lang):
        if result.applicant and result.applicant.get("name", "").startswith("湖州"):
            raise PdfRenderError(("\U0001F600",))
        return render(result, fmt, lang)
    monkeypatch.setattr(batch, "_render", no_glyph)   # forked workers start with it
    result = _batch(inputs, "-r", "zero-carbon-factory", "--out", tmp_path / "out", "--jobs", jobs)
    assert result.exit_code == 2
    rows = _summary(tmp_path / "out")
    failed = {id: row["error"] for id, row in rows.items() if row["outcome"] == batch.INVALID}
    assert failed and len(failed) < len(rows)
    assert set(failed.values()) == {"没有已安装的字体包含以下字符的字形：'\U0001f600' (U+1F600)；请安装涵盖这些字符的字体"
                                    "（fonts-noto-cjk 涵盖中文），或从报告中删除这些字符"}


@pytest.mark.parametrize("code, lines", [
    (-15, ["batch stopped: a worker process was ended by the signal SIGTERM while scoring.",
           "It was asked to stop: by an operator, a shutdown or a job scheduler's time limit."]),
    (-24, ["batch stopped: a worker process was ended by the signal SIGXCPU while scoring.",
           "It went over a resource limit set for the process (ulimit: CPU time or file size)."]),
    (-40, ["batch stopped: a worker process was ended by the signal 40 while scoring."]),
    (1, ["batch stopped: a worker process exited while scoring (exit code 1)."]),
])
def test_what_the_end_of_a_worker_means_is_said_by_its_signal(code, lines):
    error = batch.WorkerEnded(code, [f"in/{n}.json" for n in range(7)])
    error.done, error.total, error.out = 3, 10, "out"
    assert error.message("en").splitlines() == lines + [
        "It was scoring one of these 7 applications: in/0.json, in/1.json, in/2.json, in/3.json, in/4.json ….",
        "The results of 3 of 10 applications are kept in out: run the same command again to score the rest."]
    assert not error.crashed


def test_no_sync_waits_behind_one_still_running(tmp_path, monkeypatch):
    """A slow sync is not followed by a queue of others: what ends meanwhile goes with the next one."""
    import threading
    from checker.outputs.files import Syncs
    running, ended = threading.Event(), threading.Event()

    def sync():
        running.set()
        ended.wait(30)
    monkeypatch.setattr(batch, "sync_to_disk", sync)
    monkeypatch.setattr(batch, "SYNC_EVERY", 2)
    syncs = Syncs()
    recorder = batch._Recorder(tmp_path, {}, syncs)
    rows = [batch.Row(f"a{n}", "in", "graded", line=f'{{"id": "a{n}"}}\n'.encode()) for n in range(5)]
    for row in rows[:2]:
        recorder.add(row)
    assert running.wait(30) and len(recorder.done) == 1
    for row in rows[2:]:
        recorder.add(row)
    assert len(recorder.done) == 1 and len(recorder.pending) == 3
    ended.set()
    recorder.end(rows)
    recorder.close()
    assert syncs.ended == 2 and list(batch.read_journal(tmp_path)) == [row.id for row in rows]


def test_a_journal_line_for_other_evidence_or_a_missing_file_keeps_nothing(inputs, tmp_path):
    out = tmp_path / "out"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out).exit_code == 0
    lines = (out / batch.JOURNAL).read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == sorted(EXPECTED)
    records[0]["evidence"] = "0" * 64          # five-stars: another evidence
    (out / "four-stars.json").unlink()         # four-stars: its result is gone
    (out / batch.JOURNAL).write_text("".join(json.dumps(r) + "\n" for r in records) + '{"id": "torn', "utf-8")
    again = _batch(inputs, "-r", "zero-carbon-factory", "--out", out)
    assert "（5 份沿用已有结果）" in again.output
    assert _journal(out) == sorted(EXPECTED)


def test_a_journal_line_holding_anything_but_one_record_is_skipped(tmp_path):
    lines = ['{"id": "a"}', '{"id": "b"}, {"id": "c"}', "", "[1", '2]', '"d"', '{"id": "e"}', '{"id": "f"']
    (tmp_path / batch.JOURNAL).write_text("\n".join(lines), "utf-8")
    assert list(batch.read_journal(tmp_path)) == ["a", "e"]
    for kept in ([0, 1, 6], [0, 3, 4, 6]):   # each whole JSON together, not line by line
        (tmp_path / batch.JOURNAL).write_text("\n".join(lines[i] for i in kept), "utf-8")
        assert list(batch.read_journal(tmp_path)) == ["a", "e"]


def test_replaced_results_stay_for_the_next_run_and_nothing_else(inputs, tmp_path):
    out = tmp_path / "out"
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out).exit_code == 0
    assert not (out / batch.RETIRED).exists()   # nothing was replaced
    first = _folder(out)
    (out / batch.RETIRED).mkdir()
    (out / batch.RETIRED / "left-by-a-killed-run").write_text("x", "utf-8")
    (out / batch.RETIRED / "ready" / "123").mkdir(parents=True)   # where an older version kept them
    (out / batch.RETIRED / "ready" / "123" / "1").write_text("y", "utf-8")
    assert _batch(inputs, "-r", "zero-carbon-factory", "--out", out, "--force", "--jobs", "2").exit_code == 0
    assert _folder(out) == first
    left = list((out / batch.RETIRED).iterdir())
    assert 0 < len(left) <= len(EXPECTED) and all(p.is_file() and p.read_bytes() in first.values() for p in left)


@pytest.mark.skipif(not hasattr(os, "posix_fadvise") or not hasattr(os, "mkfifo"),
                    reason="posix_fadvise and FIFOs are POSIX system calls this system lacks")
def test_the_summaries_and_settings_are_written_at_once_and_one_that_fails_stops_no_other(tmp_path):
    from checker.outputs.files import OutputError, write_all
    (tmp_path / "index.html").mkdir()   # cannot be replaced by a file
    files = {tmp_path / "summary.csv": b"csv", tmp_path / "index.html": b"index", tmp_path / "batch.json": b"{}"}
    with pytest.raises(OutputError, match="index.html"):
        write_all(files)
    assert (tmp_path / "summary.csv").read_bytes() == b"csv" and (tmp_path / "batch.json").read_bytes() == b"{}"
    assert (tmp_path / "index.html").is_dir() and sorted(p.name for p in tmp_path.iterdir()) == [
        "batch.json", "index.html", "summary.csv"]   # no temporary file left


def test_prefetch_asks_only_for_regular_files_within_the_limit_and_never_waits(tmp_path, monkeypatch):
    small, large, empty = tmp_path / "small.json", tmp_path / "large.json", tmp_path / "empty.json"
    small.write_bytes(b"{}")
    large.write_bytes(b"x" * 101)
    empty.write_bytes(b"")
    os.mkfifo(tmp_path / "fifo.json")   # no writer: opened without waiting, never read
    (tmp_path / "folder.json").mkdir()
    asked = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, size, advice: asked.append(
        (os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else None, offset, size, advice)))
    names = [small, large, empty, tmp_path / "fifo.json", tmp_path / "folder.json", tmp_path / "missing.json"]
    applications = [batch.Application(p.stem, str(p), path=str(p)) for p in names]
    applications.append(batch.Application("line", "lines.jsonl:1", data=b"{}"))
    batch.prefetch(applications, max_bytes=100)
    assert [(offset, size, advice) for _, offset, size, advice in asked] == [(0, 2, os.POSIX_FADV_WILLNEED)]
    assert asked[0][0] in (None, str(small))
