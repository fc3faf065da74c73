"""Evidence in a spreadsheet: `init --format xlsx`, `convert`, and XLSX wherever JSON is accepted."""
from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from checker.evaluation.result import dumps
from checker.evaluation.ruleset import load_ruleset
from checker.evidence.fields import FieldError, layout, typed
from checker.evidence.load import EvidenceError, load_evidence
from checker.evidence.workbook import read_workbook
from checker.interfaces.cli import main
from checker.outputs.workbook import write_workbook

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*/*.json"))
FOUR = ROOT / "examples" / "zero-carbon-factory" / "four-stars.json"
FACTORY = load_ruleset("zero-carbon-factory")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def workbook(evidence_file=FOUR, edit=None) -> bytes:
    """The four-stars workbook, changed by `edit(book)` when given."""
    content = write_workbook(FACTORY.schema, FACTORY.description, load_evidence(evidence_file)[0])
    if edit is None:
        return content
    book = openpyxl.load_workbook(io.BytesIO(content))
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(content: bytes, name="app.xlsx"):
    evidence, _, unread = read_workbook(content, name, max_bytes=10 << 20).evidence(FACTORY.schema)
    if unread:
        raise EvidenceError(name, unread)
    return evidence


def problems(content: bytes) -> list:
    with pytest.raises(EvidenceError) as caught:
        read(content)
    return caught.value.problems


def form_row(book, sheet: str, key: str) -> int:
    return next(row for row in range(3, 100) if book[sheet].cell(row, 1).value == key)


# ----------------------------------------------------------------------------------- round trip

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_to_xlsx_to_json_is_lossless_and_scores_the_same(tmp_path, path):
    as_xlsx, back = tmp_path / "app.xlsx", tmp_path / "back.json"
    assert run("convert", path, as_xlsx).exit_code == 0
    assert run("convert", as_xlsx, back).exit_code == 0
    assert json.loads(back.read_bytes(), parse_float=Decimal) == json.loads(path.read_bytes(), parse_float=Decimal)
    params = ["--param", f"@{path.parent / 'params.yaml'}"] if (path.parent / "params.yaml").exists() else []
    results = []
    for source in (path, as_xlsx):
        checked = run("check", source, "--format", "json", "--date", "2026-01-01", *params)
        assert checked.exit_code in (0, 1), checked.output
        result = json.loads(checked.stdout)
        result["evidence"].pop("sha256")
        results.append(result)
    assert results[0] == results[1]


def _four_with(pointer_value):
    evidence = load_evidence(FOUR)[0]
    (*path, last), value = pointer_value
    node = evidence
    for key in path:
        node = node[key]
    node[last] = value
    return evidence


@pytest.mark.parametrize("value", [Decimal("15800000.000000339"), Decimal("1234567890123456"),
                                   Decimal("0.1000000000000001"), Decimal("123456789012345")])
def test_numbers_beyond_a_spreadsheets_precision_are_kept_exactly(value):
    # openpyxl writes 16 significant digits and Excel keeps 15: such a number is written as exact text
    evidence = _four_with((["emissions", "direct", 0, "mass"], value))
    assert read(write_workbook(FACTORY.schema, FACTORY.description, evidence)) == evidence


def test_a_text_that_starts_with_an_equals_sign_stays_a_text():
    evidence = _four_with((["applicant", "name"], '=HYPERLINK("http://example.com","x")'))
    content = write_workbook(FACTORY.schema, FACTORY.description, evidence)
    assert read(content) == evidence
    assert not any(b"<f>" in data for name, data in _unzipped(content).items() if name.startswith("xl/worksheets/"))


def test_convert_names_a_text_a_cell_cannot_hold(tmp_path):
    evidence = _four_with((["applicant", "name"], "工厂\x1f"))
    source = tmp_path / "app.json"
    source.write_bytes(dumps(evidence).encode("utf-8"))
    result = run("convert", source, tmp_path / "app.xlsx", "--lang", "en")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "/applicant/name" in result.output and not (tmp_path / "app.xlsx").exists()


def _unzipped(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_an_unfilled_workbook_does_not_validate(tmp_path):
    path = tmp_path / "app.xlsx"
    written = run("init", "zero-carbon-factory", "--format", "xlsx", "-o", path, "--lang", "en")
    assert written.exit_code == 0 and "the examples are hints only" in written.stderr
    checked = run("validate", path, "--lang", "en")
    assert checked.exit_code == 2
    assert "申请单位!A1: /applicant: required property is missing" in checked.stdout
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "封面" and book["封面"]["B2"].value == "zero-carbon-factory"
    sheet = book["申请单位"]
    assert [sheet.cell(2, c).value for c in (3, 4, 5)] == ["数值 Value", "单位 Unit", "必填 Required"]
    assert sheet["C3"].value is None and sheet["G3"].value.startswith("例 e.g. ")   # the example is a hint


def test_init_xlsx_needs_an_output_file():
    assert run("init", "zero-carbon-factory", "--format", "xlsx").exit_code == 2


def test_drop_down_lists_for_enums_booleans_and_units():
    book = openpyxl.load_workbook(io.BytesIO(workbook()))
    lists = {str(v.sqref): v.formula1 for v in book["基本要求"].data_validations.dataValidation}
    row = form_row(book, "基本要求", "legally_established")
    assert lists[f"C{row}"] == '"是,否"' and book["基本要求"].cell(row, 3).value == "是"
    assert lists[f"C{form_row(book, '基本要求', 'green_factory')}"].startswith('"')
    units = {str(v.sqref): v.formula1 for v in book["核算边界内的用电情况"].data_validations.dataValidation}
    assert units[f"D{form_row(book, '核算边界内的用电情况', 'consumption')}"] == '"MWh,kWh,GWh,万kWh,亿kWh,GJ,TJ"'


# ----------------------------------------------------------------------------------- exact values

@pytest.mark.parametrize("value, expected", [
    (0.1, Decimal("0.1")), (1200, Decimal(1200)), ("0.10", Decimal("0.10")), (" 7 ", Decimal(7)),
    (1e-7, Decimal("1E-7")), (2.675, Decimal("2.675")),
])
def test_numbers_are_exact(value, expected):
    field = next(f for g in layout(FACTORY.schema) for f in g.fields if f.key == "consumption")
    assert typed(value, field) == expected and str(typed(value, field)) == str(expected)


@pytest.mark.parametrize("value, unit, expected", [
    ("10", "MWh", Decimal(10)), ("10000", "kWh", Decimal(10)), ("1", "万kWh", Decimal(10)),
    ("1234", "kWh", Decimal("1.234")), ("0.001", "GWh", Decimal(1)),
])
def test_a_unit_cell_may_choose_a_compatible_unit(value, unit, expected):
    field = next(f for g in layout(FACTORY.schema) for f in g.fields if f.key == "consumption")
    assert field.unit == "MWh" and typed(value, field, unit) == expected


@pytest.mark.parametrize("unit", ["tce", "kg", "MW", "nonsense"])
def test_an_incompatible_unit_is_refused(unit):
    field = next(f for g in layout(FACTORY.schema) for f in g.fields if f.key == "consumption")
    with pytest.raises(FieldError, match="expected the unit to be one of"):
        typed("1", field, unit)


def test_a_unit_chosen_in_the_workbook_is_converted_exactly():
    def edit(book):
        sheet = book["核算边界内的用电情况"]
        row = form_row(book, "核算边界内的用电情况", "consumption")
        sheet.cell(row, 3).value, sheet.cell(row, 4).value = 1, "万kWh"
    assert read(workbook(edit=edit))["electricity"]["consumption"] == Decimal(10)


# ----------------------------------------------------------------------------------- problems with cells

def test_every_problem_names_its_cell_and_pointer(tmp_path):
    def edit(book):
        book["核算边界内的用电情况"]["C3"] = "lots"
        book["直接排放"]["C7"] = "heavy"
        book["基本要求"]["C3"] = "maybe"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(edit=edit))
    result = run("validate", path, "--lang", "en")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert f"{path}: 核算边界内的用电情况!C3: /electricity/consumption: expected a number, found 'lots'" in lines
    assert f"{path}: 直接排放!C7: /emissions/direct/1/mass: expected a number, found 'heavy'" in lines
    assert f"{path}: 基本要求!C3: /compliance/legally_established: expected 是 (yes) or 否 (no), found 'maybe'" \
        in lines
    assert lines[-1] == "3 problems found"


def test_schema_problems_name_the_cell_too(tmp_path):
    def edit(book):
        book["核算期"][f"C{form_row(book, '核算期', 'year')}"] = 1999
    path = tmp_path / "early.xlsx"
    path.write_bytes(workbook(edit=edit))
    result = run("check", path, "--lang", "en")
    assert result.exit_code == 2
    assert "核算期!C5: /reporting_period/year: expected a number greater than or equal to 2000" in result.stderr


@pytest.mark.parametrize("edit, message", [
    (lambda b: b["核算边界内的用电情况"].__setitem__("C3", "=1/0"), "holds a formula that has no calculated value"),
    (lambda b: b["核算边界内的用电情况"].merge_cells("C3:C4"), "merged cells C3:C4"),
    (lambda b: b["核算期"].__setitem__("C5", __import__("datetime").datetime(2024, 1, 1)), "found a date"),
    (lambda b: b.create_sheet("notes"), "unexpected sheet 'notes'"),
    (lambda b: b["申请单位"].__setitem__("A3", "nickname"), "unknown field 'nickname'"),
])
def test_clear_errors_for_what_a_spreadsheet_can_hold(edit, message):
    found = problems(workbook(edit=edit))
    assert any(message in p.message_en for p in found), found
    assert all(p.cell for p in found)


def test_an_error_cell_is_named():
    content = workbook()
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    book = openpyxl.load_workbook(io.BytesIO(content))
    part = f"xl/worksheets/sheet{book.sheetnames.index('核算边界内的用电情况') + 1}.xml"
    xml = parts[part].decode()
    start = xml.index('<c r="C3"')
    end = xml.index("</c>", start) + 4
    parts[part] = (xml[:start] + '<c r="C3" t="e"><v>#DIV/0!</v></c>' + xml[end:]).encode()
    found = problems(_zip(parts))
    assert [(p.cell, p.pointer) for p in found] == [("核算边界内的用电情况!C3", "/electricity/consumption")]
    assert "#DIV/0!" in found[0].message_en


# ----------------------------------------------------------------------------------- refused files

def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook())) as source:
        return {info.filename: source.read(info) for info in source.infolist()}


@pytest.mark.parametrize("change, message", [
    (lambda p: p.update({"xl/bomb.xml": b"0" * (101 << 20)}), "possible zip bomb"),
    (lambda p: p.update({"xl/vbaProject.bin": b"macro"}), "macro-enabled"),
    (lambda p: p.update({"xl/workbook.xml": b'<!DOCTYPE x [<!ENTITY a "a">]>' + p["xl/workbook.xml"]}),
     "document type declaration"),
    (lambda p: p.pop("[Content_Types].xml"), "a zip file that is not one"),
])
def test_dangerous_workbooks_are_refused_before_parsing(change, message):
    parts = _parts()
    change(parts)
    content = _zip(parts)
    assert len(content) < 10 << 20   # a bomb is small packed: the unpacked sizes give it away
    found = problems(content)
    assert len(found) == 1 and message in found[0].message_en


SHEET = "xl/worksheets/sheet2.xml"
_CONTENT_TYPES = "[Content_Types].xml"


def _override(parts, name, content_type):
    parts[_CONTENT_TYPES] = parts[_CONTENT_TYPES].replace(
        b"</Types>", f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'.encode())


def _declared_size(content: bytes, part: str, size: int) -> bytes:
    """The zip with the central directory's uncompressed size of `part` replaced: a directory that lies."""
    data, at = bytearray(content), content.find(b"PK\x01\x02")
    while at != -1:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == part.encode():
            data[at + 24:at + 28] = size.to_bytes(4, "little")
        at = content.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def _renamed_sheet(parts):
    """The second sheet stored as .dat, with a DTD: a part the XML-by-name check would not look at."""
    parts["xl/worksheets/sheet2.dat"] = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>' + parts.pop(SHEET)
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"sheet2.xml", b"sheet2.dat")
    _override(parts, "xl/worksheets/sheet2.dat", "application/vnd.openxmlformats-officedocument.spreadsheetml"
                                                 ".worksheet+xml")


def _utf16_dtd(parts):
    xml = parts[SHEET].decode("utf-8").split("?>", 1)[-1]
    parts[SHEET] = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "e">]>' + xml).encode("utf-16")


@pytest.mark.parametrize("change, message", [
    (lambda p: p.update({f"xl/extra{i}.xml": b"<a/>" for i in range(1001)}), "at most 1000 parts"),
    (lambda p: p.update({"xl/big.xml": b"0" * ((50 << 20) + 1)}), "possible zip bomb"),
    (lambda p: (p.update({"xl/macrosheets/sheet1.xml": b"<macrosheet/>"}),
                _override(p, "xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml")), "macro-enabled"),
    (lambda p: p.update({"xl/activeX/activeX1.bin": b"\xd0\xcf\x11\xe0"}), "macro-enabled"),
    (lambda p: p.update({_CONTENT_TYPES: p[_CONTENT_TYPES].replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")}), "macro-enabled"),
    (_utf16_dtd, "document type declaration in xl/worksheets/sheet2.xml"),
    (_renamed_sheet, "document type declaration in xl/worksheets/sheet2.dat"),
])
def test_more_dangerous_workbooks_are_refused_before_parsing(change, message):
    parts = _parts()
    assert SHEET in parts and b"spreadsheetml.sheet.main+xml" in parts[_CONTENT_TYPES]
    change(parts)
    found = problems(_zip(parts))
    assert len(found) == 1 and message in found[0].message_en


@pytest.mark.parametrize("size", [0, 10, 100])   # smaller than the part: inflating stops there, the checksum fails
def test_a_directory_that_lies_about_a_size_is_refused_not_a_fault(size):
    found = problems(_declared_size(workbook(), SHEET, size))
    assert len(found) == 1 and "damaged or unknown file" in found[0].message_en


def test_a_zip_inside_a_workbook_is_never_opened():
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb", b"0" * (200 << 20))   # 200 MiB unpacked, 200 KiB packed
    parts = _parts()
    parts["xl/embeddings/package.zip"] = inner.getvalue()
    assert read(_zip(parts)) == read(workbook())


def test_oversize_and_macro_named_files_are_refused(tmp_path):
    path = tmp_path / "app.xlsx"
    path.write_bytes(workbook())
    result = run("validate", path, "--max-bytes", "1000", "--lang", "en")
    assert result.exit_code == 2 and "expected a file of at most 1000 bytes" in result.stdout
    macro = tmp_path / "app.xlsm"
    macro.write_bytes(workbook())
    result = run("validate", macro, "--lang", "en")
    assert result.exit_code == 2 and "macro-enabled" in result.stdout


def test_a_damaged_workbook_is_an_error_not_a_fault(tmp_path):
    path = tmp_path / "app.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    result = run("check", path)
    assert result.exit_code == 2 and "Traceback" not in result.output


# ----------------------------------------------------------------------------------- commands

def test_gap_and_batch_accept_workbooks(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "four.xlsx").write_bytes(workbook())
    gap = run("gap", folder / "four.xlsx", "--lang", "en", "--date", "2026-01-01")
    assert gap.exit_code == 0 and gap.stdout
    batch = run("batch", folder, "--ruleset", "zero-carbon-factory", "--out", tmp_path / "out", "--jobs", "1",
                "--date", "2026-01-01")
    assert batch.exit_code == 0, batch.output
    assert json.loads((tmp_path / "out" / "four.json").read_text())["grade"]["id"] == "four_stars"


def test_convert_refuses_what_a_workbook_cannot_hold_and_never_overwrites(tmp_path):
    evidence = json.loads(FOUR.read_text())
    evidence["applicant"]["name"] = ""
    source = tmp_path / "app.json"
    source.write_text(json.dumps(evidence, ensure_ascii=False))
    result = run("convert", source, tmp_path / "app.xlsx", "--lang", "en")
    assert result.exit_code == 2 and "/applicant/name" in result.stderr
    assert not (tmp_path / "app.xlsx").exists()
    (tmp_path / "taken.xlsx").write_bytes(b"mine")
    assert run("convert", FOUR, tmp_path / "taken.xlsx").exit_code == 2
    assert (tmp_path / "taken.xlsx").read_bytes() == b"mine"
    assert run("convert", FOUR, tmp_path / "app.csv").exit_code == 2


def test_ruleset_cases_read_workbook_evidence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # messages name files relative to the working folder
    (tmp_path / "four.xlsx").write_bytes(workbook())
    (tmp_path / "bad.xlsx").write_bytes(workbook(edit=lambda b: b["核算边界内的用电情况"].__setitem__("C3", "lots")))
    cases = tmp_path / "factory.cases.yaml"
    cases.write_text(f"ruleset: {ROOT / 'rulesets' / 'zero-carbon-factory.rules'}\n"
                     "cases:\n"
                     "  - name: the four-stars workbook\n    evidence: four.xlsx\n"
                     "    expect: {grade: four_stars, score: 82.18}\n"
                     "  - name: a set on a workbook\n    evidence: four.xlsx\n"
                     "    set: {/offsets/credits/0/quantity: 0}\n    expect: {score: 75.09}\n"
                     "  - name: a cell that cannot be read\n    evidence: bad.xlsx\n    expect: {grade: four_stars}\n",
                     "utf-8")
    result = run("test", cases)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("factory.cases.yaml: case 'a cell that cannot be read': cannot run: evidence "), lines
    assert lines[0].endswith("bad.xlsx: 核算边界内的用电情况!C3: /electricity/consumption: expected a number, "
                             "found 'lots'")
    assert lines[1] == "2 passed, 1 failed" and result.exit_code == 2
