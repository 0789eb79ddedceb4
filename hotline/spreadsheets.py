"""Every CSV and XLSX the desk writes goes through here, so that no cell a person typed becomes a
live formula when the file is opened (spreadsheet formula injection): text starting with `=`, `+`,
`-`, `@`, a tab or a carriage return is neutralised; numbers stay numbers; E.164 phones stay
readable text."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PHONE = re.compile(r"^\+[1-9]\d{1,14}$")  # E.164: a spreadsheet can only read it as a number


def dangerous(text: str) -> bool:
    return text.startswith(FORMULA_START) and not PHONE.match(text)


def csv_cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return "'" + text if dangerous(text) else text


def to_csv(headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM (so that Excel reads it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in headers])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """One worksheet per (name, headers, rows). Strings are written as strings, never parsed as
    formulas, and the dangerous ones get Excel's quote prefix too (shown as typed, kept as text
    even when the cell is edited)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    for name, headers, rows in sheets:
        sheet = book.add_worksheet(_sheet_name(name))
        for col, header in enumerate(headers):
            sheet.write_string(0, col, str(header), bold)
        for index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                _write(sheet, index, col, value, quoted)
        sheet.set_column(0, max(0, len(headers) - 1), 18)
    book.close()
    return out.getvalue()


def _write(sheet, row: int, col: int, value, quoted) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
    elif isinstance(value, (datetime, date)):
        sheet.write_string(row, col, value.isoformat())
    else:
        text = str(value)
        sheet.write_string(row, col, text, quoted if dangerous(text) else None)


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
