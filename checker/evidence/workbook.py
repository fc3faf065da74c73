"""Evidence from a spreadsheet (XLSX): the workbook `carbon-check init --format xlsx` writes, filled in.

The workbook is untrusted, so before any parser sees it the zip directory is checked: at most
MAX_PARTS parts, each at most MAX_PART_BYTES and all together at most MAX_UNPACKED_BYTES uncompressed
(Python's zipfile never inflates a part past the size its directory declares, and a part whose data
does not match that size and checksum is refused, so a zip bomb stops here); no macros (VBA, Excel 4.0
macro sheets, ActiveX: by name or content type, so a renamed .xlsm is refused too); no DTD in any part,
in any encoding an XML parser detects; a zip inside the workbook (an embedded object) is never opened.
Then openpyxl reads the cached values in read-only mode; the sheets' XML tells which cells hold formulas (a formula
nobody calculated has no value, and must not read as an empty cell) and which are merged.

Every problem names its cell (`核算边界!C4`) and the JSON pointer of the evidence value, and all are
reported at once, as for JSON evidence. Numbers are exact: see `checker.evidence.fields`.

Layout (shared with the writer, `checker.outputs.workbook`):
  cover sheet `封面`: B2 holds the ruleset;
  form sheet: a row per field from row FORM_FIRST_ROW: column A the field's key, C its value, D its unit;
  table sheet: row TABLE_KEY_ROW the keys, TABLE_UNIT_ROW the units, one list entry a row from
  TABLE_FIRST_ROW (an empty row is no entry; EMPTY_LIST alone in its first cell: the list is empty).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from ..catalogue import pair
from .fields import ITEM, FieldError, Group, blank, layout, typed
from .load import REFUSED_SUFFIXES, EvidenceError, Problem

COVER = "封面"
RULESET_CELL = "B2"
FORM_FIRST_ROW, KEY_COLUMN, VALUE_COLUMN, UNIT_COLUMN = 3, 1, 3, 4
TABLE_KEY_ROW, TABLE_UNIT_ROW, TABLE_FIRST_ROW = 3, 4, 6
EMPTY_LIST = "无 none"   # in a list sheet's first entry cell: the list is given, and empty
_EMPTY_WORDS = {"无", "none", "无 none"}
MAX_PARTS = 1000
MAX_PART_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_CELLS = 1_000_000
# Parts that run code when Excel opens the file: VBA, Excel 4.0 (XLM) macro sheets, ActiveX controls; by name
# and by content type, so a macro-enabled workbook renamed .xlsx is refused too.
_CODE_PARTS = re.compile(r"(?:^|/)(?:vbaproject[^/]*\.bin|macrosheets/.*|activex/.*)$")
_CODE_TYPES = re.compile(rb"macroenabled|macrosheet|vbaproject|activex", re.IGNORECASE)
# A DTD in any part, in any encoding an XML parser detects by itself (UTF-8, UTF-16, UTF-32, either order):
# entities could expand without bound or read local files.
_DOCTYPE = re.compile(b"|".join(re.escape("<!DOCTYPE".encode(encoding)) for encoding in
                                ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")), re.IGNORECASE)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
# A cell whose first child is a formula (<c r="C7" ...><f>...): the schema puts <f> before <v>.
_FORMULA = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*?(?<!/)>\s*<(?:\w+:)?f[\s>/]')


def column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(sheet: str, column: int, row: int) -> str:
    quoted = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{column_letter(column)}{row}"


@dataclass
class Workbook:
    """The cells of a workbook that passed the safety checks: values by sheet, (row, column) → value."""
    source: str
    values: dict[str, dict[tuple[int, int], object]]
    errors: dict[str, set[tuple[int, int]]]      # error cells (#DIV/0!) by sheet
    formulas: dict[str, set[tuple[int, int]]]    # cells holding a formula, by sheet
    merged: dict[str, list[str]]                 # merged ranges by sheet

    @property
    def ruleset(self) -> str | None:
        value = self.values.get(COVER, {}).get((2, 2))
        return value.strip() if isinstance(value, str) and value.strip() else None

    def evidence(self, schema: dict) -> tuple[dict, dict[str, str], list[Problem]]:
        """The evidence the workbook holds for `schema`, the cell of each pointer, and the problems of the
        cells that could not be read (each naming its cell; such a value is left out of the evidence)."""
        reader = _Reader(self)
        reader.cells["/ruleset"] = cell_name(COVER, 2, 2)
        evidence = {"ruleset": self.ruleset} if self.ruleset and "ruleset" in schema.get("properties", {}) else {}
        groups = layout(schema)
        names = {group.name for group in groups}
        for sheet in self.values:
            if sheet != COVER and sheet not in names:
                reader.problem(cell_name(sheet, 1, 1), "", *pair("xlsx", "extra_sheet", sheet=repr(sheet),
                                                                 sheets=", ".join(repr(n) for n in [COVER, *names])))
        for group in groups:
            if group.name not in self.values:
                if any(f.required for f in group.fields):
                    reader.problem(None, "/" + "/".join(group.pointer), *pair("xlsx", "missing_sheet",
                                                                              sheet=repr(group.name)))
                continue
            for first, last in self.merged.get(group.name, []):
                reader.problem(f"{group.name}!{first}:{last}", "/" + "/".join(group.pointer),
                               *pair("xlsx", "merged", first=first, last=last))
            read = reader.form if group.kind == "form" else reader.table
            read(group, evidence)
        return evidence, reader.cells, reader.problems


class _Reader:
    def __init__(self, workbook: Workbook):
        self.book, self.problems, self.cells = workbook, [], {}

    def problem(self, cell, pointer: str, en: str, zh: str) -> None:
        self.problems.append(Problem(pointer, en, zh, cell=cell))

    def value(self, sheet: str, row: int, column: int, pointer: str):
        """The cell's value, or a problem (error cell, formula without a value) and None."""
        where = (row, column)
        value = self.book.values[sheet].get(where)
        if where in self.book.errors.get(sheet, ()):
            self.problem(cell_name(sheet, column, row), pointer, *pair("xlsx", "error_cell", value=value))
            return None
        if value is None and where in self.book.formulas.get(sheet, ()):
            self.problem(cell_name(sheet, column, row), pointer, *pair("xlsx", "formula"))
        return value

    def put(self, group: Group, field, target: dict, row: int, column: int, unit, pointer: str) -> None:
        value = self.value(group.name, row, column, pointer)
        if blank(value):
            return
        try:
            unit_text = None if blank(unit) else str(unit).strip()
            converted = typed(value, field, unit_text)
        except FieldError as error:
            self.problem(cell_name(group.name, column, row), pointer, error.en, error.zh)
            return
        node = target
        *parents, last = field.path() or ("",)   # ITEM: the entry itself, collected under ""
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = converted

    def form(self, group: Group, evidence: dict) -> None:
        sheet, values = group.name, self.book.values[group.name]
        fields = {field.key: field for field in group.fields}
        base = "/" + "/".join(group.pointer) if group.pointer else ""
        self.cells[base or "/"] = cell_name(sheet, 1, 1)
        target = evidence
        for part in group.pointer:
            target = target.setdefault(part, {})
        rows = sorted({row for row, _ in values if row >= FORM_FIRST_ROW})
        for row in rows:
            key = values.get((row, KEY_COLUMN))
            if blank(key):
                if not blank(values.get((row, VALUE_COLUMN))):
                    self.problem(cell_name(sheet, VALUE_COLUMN, row), base, *pair("xlsx", "no_key"))
                continue
            field = fields.get(str(key).strip())
            if field is None:
                self.problem(cell_name(sheet, KEY_COLUMN, row), base, *pair("xlsx", "unknown_field",
                                                                               key=repr(str(key)[:60])))
                continue
            pointer = f"{base}/{field.key}"
            self.cells[pointer] = cell_name(sheet, VALUE_COLUMN, row)
            unit = values.get((row, UNIT_COLUMN)) if field.unit else None
            self.put(group, field, target, row, VALUE_COLUMN, unit, pointer)
        if group.pointer and not target:   # an empty group is an absent object, as in JSON
            parent = evidence
            for part in group.pointer[:-1]:
                parent = parent[part]
            del parent[group.pointer[-1]]

    def table(self, group: Group, evidence: dict) -> None:
        sheet, values = group.name, self.book.values[group.name]
        fields = {field.key: field for field in group.fields}
        base = "/" + "/".join(group.pointer)
        columns = {}
        for (row, column), key in values.items():
            if row != TABLE_KEY_ROW or blank(key):
                continue
            if str(key).strip() not in fields:
                self.problem(cell_name(sheet, column, row), base, *pair("xlsx", "unknown_field",
                                                                           key=repr(str(key)[:60])))
            else:
                columns[column] = fields[str(key).strip()]
        entries = []
        self.cells[base] = cell_name(sheet, 1, TABLE_FIRST_ROW)
        first = values.get((TABLE_FIRST_ROW, 1))
        stated_empty = isinstance(first, str) and first.strip().lower() in _EMPTY_WORDS and not any(
            not blank(v) for (row, column), v in values.items() if row >= TABLE_FIRST_ROW and (row, column) != (
                TABLE_FIRST_ROW, 1))
        for row in sorted({row for row, _ in values if row >= TABLE_FIRST_ROW} - ({TABLE_FIRST_ROW} if stated_empty
                                                                                else set())):
            if all(blank(values.get((row, column))) and (row, column) not in self.book.formulas.get(sheet, ())
                   for column in columns):
                continue
            entry: dict = {}
            pointer = f"{base}/{len(entries)}"
            self.cells[pointer] = cell_name(sheet, 1, row)
            for column, field in sorted(columns.items()):
                at = pointer if field.key == ITEM else f"{pointer}/{field.key}"
                self.cells[at] = cell_name(sheet, column, row)
                unit = values.get((TABLE_UNIT_ROW, column)) if field.unit else None
                self.put(group, field, entry, row, column, unit, at)
            entries.append(entry.get("") if group.fields[0].key == ITEM else entry)
        if entries or stated_empty:
            target = evidence
            for part in group.pointer[:-1]:
                target = target.setdefault(part, {})
            target[group.pointer[-1]] = entries


def read_workbook(data: bytes, source: str, *, max_bytes: int) -> Workbook:
    """The cells of an XLSX workbook, after the safety checks; EvidenceError if it is refused."""
    def refuse(key, **values):
        raise EvidenceError(source, [Problem("", *pair("xlsx", key, **values))])

    if len(data) > max_bytes:
        refuse("too_large", max=max_bytes, size=len(data))
    if source.lower().endswith(REFUSED_SUFFIXES):
        refuse("legacy")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        refuse("damaged", error=error)
    with archive:
        contents = _check_parts(archive, parts, refuse)
    merged, formulas = {}, {}
    for name, xml in contents.items():   # read-only openpyxl keeps neither merged ranges nor formulas
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            merged[name] = [(a.decode(), b.decode()) for a, b in _MERGE.findall(xml)]
            formulas[name] = {(int(row), _column_number(letters.decode())) for letters, row in _FORMULA.findall(xml)}
    return _cells(data, source, merged, formulas, refuse)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _check_parts(archive: zipfile.ZipFile, parts, refuse) -> dict[str, bytes]:
    """The parts, inflated once each after their declared sizes passed, if none is refused."""
    if len(parts) > MAX_PARTS:
        refuse("parts", max=MAX_PARTS, count=len(parts))
    total = sum(info.file_size for info in parts)
    biggest = max((info.file_size for info in parts), default=0)
    if total > MAX_UNPACKED_BYTES or biggest > MAX_PART_BYTES:
        refuse("zip_bomb", max=MAX_UNPACKED_BYTES, part=MAX_PART_BYTES, total=total)
    names = {info.filename.lower() for info in parts}
    if "[content_types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        refuse("not_xlsx")
    contents = {}
    try:   # every part is inflated once, each at most its declared size (checked above)
        for info in parts:
            contents[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError) as error:
        # a size or checksum that lies, a password, a compression zipfile does not know
        refuse("damaged", error=error)
    types = next(data for name, data in contents.items() if name.lower() == "[content_types].xml")
    if any(_CODE_PARTS.search(n) for n in names) or _CODE_TYPES.search(types):
        refuse("macros")
    for name, data in contents.items():
        if _DOCTYPE.search(data):
            refuse("doctype", part=name)
    return contents


def _cells(data: bytes, source: str, merged_by_part: dict, formulas_by_part: dict, refuse) -> Workbook:
    from openpyxl import load_workbook
    values, errors, parts = {}, {}, {}
    count = 0
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            for sheet in book.worksheets:
                values[sheet.title], errors[sheet.title] = {}, set()
                parts[sheet.title] = _part_of(sheet)
                for row_number, row in enumerate(sheet.iter_rows(), 1):
                    for column, cell in enumerate(row, 1):
                        if cell.value is None:
                            continue
                        count += 1
                        if count > MAX_CELLS:
                            refuse("cells", max=MAX_CELLS)
                        values[sheet.title][(row_number, column)] = cell.value
                        if cell.data_type == "e":
                            errors[sheet.title].add((row_number, column))
        finally:
            book.close()
    except EvidenceError:
        raise
    except Exception as error:   # openpyxl's own refusals (bad XML, missing parts) end here
        refuse("unreadable", error=f"{type(error).__name__}: {str(error)[:200]}")
    merged = {title: merged_by_part.get(part, []) for title, part in parts.items()}
    formulas = {title: formulas_by_part.get(part, set()) for title, part in parts.items()}
    return Workbook(source, values, errors, formulas, merged)


def _part_of(sheet) -> str:
    """The zip part of a read-only sheet (its XML holds the merged ranges read-only mode does not keep).

    openpyxl keeps it in an attribute of its own; should that change, merged cells go unreported, nothing worse."""
    return str(getattr(sheet, "_worksheet_path", "")).lstrip("/")
