"""The evidence workbook (XLSX): empty for a factory to fill in (`init --format xlsx`), or holding evidence
(`convert`, the web app's download). `checker.evidence.workbook` reads it back; the layout is described there.

Every label is given in zh and en at once. Examples are written beside the value cells as hints, never
into them, so an unfilled workbook does not validate. Enums and 是/否 fields get drop-down lists, unit
cells a list of the compatible units. A number is written as a spreadsheet number only when reading it
back gives the same decimal text; otherwise (more digits than a double holds, trailing zeros) as text,
which the reader takes exactly, so JSON → XLSX → JSON is lossless.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

from ..evidence.fields import Field, Group, exact, layout, show
from ..evidence.workbook import (COVER, EMPTY_LIST, FORM_FIRST_ROW, TABLE_FIRST_ROW, TABLE_UNIT_ROW, UNIT_COLUMN, VALUE_COLUMN,
                                 column_letter)
from ..catalogue import messages

_TABLE_ROWS = 200          # rows of a list sheet given drop-down lists
_EXAMPLE_ROW = TABLE_UNIT_ROW + 1


def write_workbook(schema: dict, ruleset: dict, evidence: dict | None = None) -> bytes:
    """The XLSX bytes of an evidence workbook for `schema`; `ruleset` is Ruleset.description."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    style = {"bold": Font(bold=True), "hint": Font(italic=True, color="808080"),
             "head": PatternFill("solid", fgColor="DDEBF7"), "wrap": Alignment(wrap_text=True, vertical="top")}
    zh, en = messages("zh")["workbook"], messages("en")["workbook"]

    def both(key: str) -> str:
        return f"{zh[key]} {en[key]}"

    book = Workbook()
    cover = book.active
    cover.title = COVER
    # The ruleset field as the evidence has it, else as the schema fixes it (`const`), else the ruleset's id.
    named = (evidence or {}).get("ruleset") if evidence is not None else \
        schema.get("properties", {}).get("ruleset", {}).get("const", ruleset.get("id"))
    _cover(cover, named, ruleset, zh, en, style)
    for group in layout(schema):
        sheet = book.create_sheet(group.name)
        values = _values_at(evidence or {}, group.pointer)
        if group.kind == "form":
            _form(sheet, group, values if isinstance(values, dict) else {}, both, style)
        else:
            _table(sheet, group, values, both, style)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cover(sheet, name, ruleset: dict, zh, en, style) -> None:
    title = ruleset.get("title") or {}
    rows = [(f"{zh['title']} {en['title']}", ""),
            (f"{zh['ruleset']} {en['ruleset']}", name),
            (f"{zh['version']} {en['version']}", ruleset.get("version") or ""),
            (f"{zh['standard']} {en['standard']}", ruleset.get("standard") or ""),
            (f"{zh['name']} {en['name']}", " / ".join(str(t) for t in (title.get("zh"), title.get("en")) if t)
             if isinstance(title, dict) else str(title)),
            ("", ""), (f"{zh['how']} {en['how']}", "")]
    rows += [(zh[f"how_{n}"], en[f"how_{n}"]) for n in range(1, 7)]
    for row in rows:
        sheet.append(list(row))
    sheet["A1"].font = sheet["A7"].font = style["bold"]
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 70
    for line in sheet.iter_rows(min_row=8):
        for cell in line:
            cell.alignment = style["wrap"]


def _form(sheet, group: Group, values: dict, both, style) -> None:
    sheet.append([f"{group.label('zh')} {group.label('en') if group.pointer else ''}".strip()])
    sheet["A1"].font = style["bold"]
    headers = [both(k) for k in ("key", "label", "value", "unit", "required", "description", "example")]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font, cell.fill = style["bold"], style["head"]
    for row, field in enumerate(group.fields, FORM_FIRST_ROW):
        value = _values_at(values, field.path())
        sheet.append([field.key, f"{field.label('zh')}\n{field.label('en')}", None, field.unit or "",
                      both("required_mark") if field.required else "",
                      f"{field.description('zh')}\n{field.description('en')}",
                      f"{both('hint')} {field.example}" if field.example else ""])
        _put(sheet.cell(row, VALUE_COLUMN), field, value)
        _choices(sheet, field.choices, f"{column_letter(VALUE_COLUMN)}{row}")
        _choices(sheet, field.unit_choices, f"{column_letter(UNIT_COLUMN)}{row}")
        sheet.cell(row, 7).font = style["hint"]
        for column in (2, 6):
            sheet.cell(row, column).alignment = style["wrap"]
    for column, width in zip("ABCDEFG", (24, 28, 24, 10, 14, 60, 30)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "C3"


def _table(sheet, group: Group, entries: list | None, both, style) -> None:
    sheet.append([f"{group.label('zh')} {group.label('en')} — {both('rows_below')}"])
    sheet["A1"].font = style["bold"]
    sheet.append([f"{f.label('zh')}{' *' if f.required else ''}\n{f.label('en')}" for f in group.fields])
    sheet.append([f.key for f in group.fields])
    sheet.append([f.unit or "" for f in group.fields])
    sheet.append([f"{both('hint')} {f.example}" if f.example else "" for f in group.fields])
    for column, field in enumerate(group.fields, 1):
        letter = column_letter(column)
        sheet.cell(2, column).font, sheet.cell(2, column).fill = style["bold"], style["head"]
        sheet.cell(2, column).alignment = style["wrap"]
        sheet.cell(_EXAMPLE_ROW, column).font = style["hint"]
        sheet.column_dimensions[letter].width = max(14, min(40, len(field.label("en")) + 4))
        _choices(sheet, field.choices, f"{letter}{TABLE_FIRST_ROW}:{letter}{TABLE_FIRST_ROW + _TABLE_ROWS}")
        _choices(sheet, field.unit_choices, f"{letter}{TABLE_UNIT_ROW}")
        for row, entry in enumerate(entries if isinstance(entries, list) else [], TABLE_FIRST_ROW):
            _put(sheet.cell(row, column), field, _values_at(entry, field.path()))
    if entries == []:
        sheet.cell(TABLE_FIRST_ROW, 1).value = EMPTY_LIST
    sheet.freeze_panes = f"A{TABLE_FIRST_ROW}"
    sheet.row_dimensions[2].height = 32


EXCEL_DIGITS = 15   # significant digits a spreadsheet keeps of a number
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")   # what a cell cannot hold (as openpyxl checks)


def _put(cell, field: Field, value) -> None:
    """A value into its cell: numbers as numbers when they read back as written, else as exact text."""
    if field.kind == "string":
        cell.number_format = "@"   # keeps a spreadsheet from turning 2024-01-01 or a code into a number
    if value is None:
        return
    if field.kind in ("number", "integer") and isinstance(value, (Decimal, int, float)) and \
            not isinstance(value, bool):
        number = exact(value)
        stored = int(number) if number == number.to_integral_value() and abs(number) < 2 ** 53 else float(number)
        # A number cell only when it reads back as written: through the text openpyxl writes (16 significant
        # digits) and Excel's own precision (15), which it would round to on the next save.
        written = stored if isinstance(stored, int) else float("%.16g" % stored)
        if number.is_finite() and len(number.as_tuple().digits) <= EXCEL_DIGITS and str(exact(written)) == str(number):
            cell.value = stored
            return
        cell.number_format = "@"
        cell.value = str(number)
        return
    text = show(value) if isinstance(value, bool) or not isinstance(value, str) else value
    # A cell cannot hold control characters (openpyxl refuses them): they are left out, and `convert`, which
    # reads every workbook back, names the value it could not keep. Evidence is data, never a formula: a
    # text that starts with "=" stays a text.
    cell.value = _CONTROL.sub("", text)
    cell.data_type = "s"


def _choices(sheet, choices: list[str], where: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation
    formula = '"' + ",".join(choices) + '"'
    if not choices or len(formula) > 255 or any('"' in c or "," in c for c in choices):
        return   # a spreadsheet list holds at most 255 characters and no quotes or commas
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(where)


def _values_at(node, path: tuple):
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node
