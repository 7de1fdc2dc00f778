"""Reading and writing the app's spreadsheets (CSV and XLSX), the one place that touches the formats.

Writing: every cell is text. XLSX cells are typed as strings, so a title typed as
`=HYPERLINK(...)` stays a title and never becomes a formula; CSV cells that a spreadsheet would read
as a formula (starting with =, +, -, @, tab or carriage return) get OWASP's leading apostrophe.
Reading a CSV undoes that apostrophe, so our own exports read back as the very values they were
made from.

Reading: uploads come from outside, so a file is read as a stream and reading stops at the first
limit it passes (rows, blank lines, columns, a cell's length, a workbook's unpacked size, checked
before the workbook is opened) with a message saying which limit, instead of reading everything
and counting afterwards. A CSV is UTF-8 (with or without a byte-order mark) or, failing that,
Windows-1252 (what Excel on Windows saves, Latin-1 included).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import openpyxl
import tablib
from import_export.formats import base_formats
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

MAX_BYTES = 5 * 1024 * 1024  # an upload
MAX_ROWS = 5000  # rows with something in them, per sheet
MAX_LINES = 2 * MAX_ROWS  # lines read, blank ones included, per sheet
MAX_COLUMNS = 50
MAX_CELL_CHARS = 32767  # Excel's own limit for a cell
# A 5,000-row sheet of long descriptions unpacks to about 15 MB; a zip bomb to gigabytes.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_SHARED_STRINGS = 200_000  # different texts in a workbook: two full sheets of 20 text columns
TIME_FORMAT = "%Y-%m-%d %H:%M"

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv", "xlsx": XLSX_CONTENT_TYPE}


class UnreadableFile(ValueError):
    """The upload is not a CSV or XLSX file that can be read; the message says why, for staff."""


# Writing ----------------------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value)


def _looks_escaped(text: str) -> bool:
    """True for text a spreadsheet takes as a formula once any leading apostrophes are gone."""
    return text.lstrip("'").startswith(FORMULA_START)


def csv_safe(value) -> str:
    """A cell for a CSV file: OWASP's apostrophe before a formula (and before text that already
    starts with apostrophes and then a formula, so that `unescape` gives back exactly the value)."""
    text = _text(value)
    return f"'{text}" if _looks_escaped(text) else text


def unescape(text: str) -> str:
    """The value `csv_safe` was given: its apostrophe taken off again."""
    return text[1:] if text.startswith("'") and _looks_escaped(text[1:]) else text


def csv_file(headers, rows) -> bytes:
    """A CSV with a byte-order mark (without one, Excel reads 北京 in the PC's legacy code page)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_safe(name) for name in headers])
    writer.writerows([csv_safe(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _string_cell(sheet, value, font=None) -> WriteOnlyCell:
    # Characters XML cannot carry (control characters) would make openpyxl refuse the whole file.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", _text(value)))
    cell.data_type = "s"  # text, never a formula, a number or an error code
    if font is not None:
        cell.font = font
    return cell


def xlsx_file(sheets) -> bytes:
    """A workbook of (title, headers, rows) sheets, every cell a string, the header row bold and frozen."""
    book = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title)
        sheet.freeze_panes = "A2"
        for index, name in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, min(len(name) + 4, 40))
        sheet.append([_string_cell(sheet, name, bold) for name in headers])
        for row in rows:
            sheet.append([_string_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Reading ----------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One table of an upload: its name in the workbook ("" for a CSV), normalised header, rows as text."""

    name: str
    headers: list[str]
    rows: list[list[str]]


def cell_text(value) -> str:
    """A cell as the text staff typed: Excel's numbers and dates come back as Python objects."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Excel stores times as fractions of a day, so 09:30 can read back as 09:29:59.999.
        return (value + timedelta(seconds=30)).replace(second=0, microsecond=0).strftime(TIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def column_name(text: str) -> str:
    """A header cell as a column name: "Staff notes" and "staff_notes" are the same column."""
    return re.sub(r"\s+", "_", cell_text(text).lower())


def _letters(index: int) -> str:
    """A column as a spreadsheet names it (0 is A); past Excel's last (XFD), by its number."""
    return get_column_letter(index + 1) if index < 16384 else f"{index + 1:,}"


class _Table:
    """Rows arriving one at a time, checked against the limits as they come."""

    def __init__(self, name: str):
        self.name, self.headers, self.rows, self.lines, self.filled = name, None, [], 0, 0

    def refuse(self, message: str):
        text = f"sheet {self.name!r}, {message}" if self.name else message
        raise UnreadableFile(text[:1].upper() + text[1:])

    def add(self, values) -> None:
        self.lines += 1
        line = self.lines
        values, beyond = list(values), None
        if len(values) > MAX_COLUMNS + 1:  # a CSV line of a million commas: look past the limit once
            rest = values[MAX_COLUMNS + 1 :]
            if any(rest):
                beyond = MAX_COLUMNS + 1 + next(index for index, value in enumerate(rest) if value)
            values = values[: MAX_COLUMNS + 1]
        cells = [cell_text(value) for value in values]
        for column, text in enumerate(cells):
            if "\x00" in text:
                self.refuse(
                    f"line {line}, column {_letters(column)}: the cell holds a NUL character (byte 0), "
                    "which is not text; the file may be damaged or saved as UTF-16: save it as CSV UTF-8."
                )
            if len(text) > MAX_CELL_CHARS:
                self.refuse(
                    f"line {line}, column {_letters(column)}: the cell is longer than "
                    f"{MAX_CELL_CHARS:,} characters."
                )
        if self.headers is None:
            self._header(cells if beyond is None else [*cells, "…"])
            return
        if line > MAX_LINES + 1:
            self.refuse(
                f"the file goes on past line {MAX_LINES + 1:,} (blank lines included); "
                f"import at most {MAX_ROWS:,} rows at a time."
            )
        width = len(self.headers)
        while len(cells) > width and not cells[-1]:
            cells.pop()
        if len(cells) > width or beyond is not None:
            extra = next((index for index in range(width, len(cells)) if cells[index]), beyond)
            self.refuse(
                f"line {line} has a cell in column {_letters(extra)}, but the first line names "
                f"{width} columns: that cell has no column name."
            )
        if any(cells):
            self.filled += 1
            if self.filled > MAX_ROWS:
                self.refuse(
                    f"the file has more than {MAX_ROWS:,} rows; import at most {MAX_ROWS:,} at a time."
                )
        self.rows.append(cells + [""] * (width - len(cells)))  # every row as wide as the header

    def _header(self, cells: list[str]) -> None:
        names = [column_name(text) for text in cells]
        while names and not names[-1]:
            names.pop()
        if len(names) > MAX_COLUMNS:
            self.refuse(
                f"the first line names more than {MAX_COLUMNS} columns; a file may have at most that many."
            )
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            if name and name in seen:
                self.refuse(
                    f"line 1: the column {name!r} appears twice (columns {_letters(seen[name])} and "
                    f"{_letters(index)}); each column may appear once."
                )
            seen.setdefault(name, index)
        self.headers = names

    def sheet(self) -> Sheet:
        if not self.headers or not any(self.headers):
            self.refuse("the file is empty: the first line must name the columns.")
        # Rows count for blank lines too, so line numbers in errors stay the spreadsheet's.
        return Sheet(name=self.name, headers=self.headers, rows=self.rows)


def _csv_lines(content: bytes, encoding: str):
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    for values in csv.reader(text):
        yield [unescape(value) for value in values]  # an XLSX cell is read as it is: it was text


def _read_csv(content: bytes) -> Sheet:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            "This CSV file is saved as UTF-16 (Excel's 'Unicode Text'): save it as 'CSV UTF-8' instead."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        table = _Table("")
        try:
            for values in _csv_lines(content, encoding):
                table.add(values)
            return table.sheet()
        except UnicodeDecodeError:
            continue  # not UTF-8: read it again as Windows-1252
        except csv.Error as error:
            raise UnreadableFile(
                f"line {table.lines + 1} cannot be read as CSV ({error}): check its quotation marks."
            ) from None
    raise UnreadableFile(
        "This CSV file is neither UTF-8 nor Windows-1252 (Western European) text: "
        "save it from Excel as 'CSV UTF-8'."
    )


def _open_workbook(content: bytes):
    unreadable = UnreadableFile(
        "This file cannot be read as XLSX: save it from Excel as an Excel Workbook (.xlsx)."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unreadable from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            f"This workbook unpacks to {unpacked / 1024 / 1024:,.0f} MB; at most "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB are read (a sheet of {MAX_ROWS:,} rows takes far less)."
        )
    try:
        reader = _WorkbookReader(io.BytesIO(content), read_only=True, data_only=True)
        reader.read()
    except Exception as error:  # openpyxl, zipfile and the XML parser each raise their own kinds
        if isinstance(error.__cause__, UnreadableFile):  # openpyxl wraps what read_strings raises
            raise error.__cause__ from None
        raise unreadable from None
    return reader.wb


_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"


class _UnsizedSheet(ReadOnlyWorksheet):
    def _get_size(self):
        """Not looked up: see _WorkbookReader."""


class _WorkbookReader(ExcelReader):
    """openpyxl's read-only reader (rows parsed as they are asked for), but opening a workbook reads
    none of its sheets. openpyxl 3.1 looks for each sheet's <dimension> when it opens the workbook,
    and a sheet without one is parsed to its last row to find out; a dimension is never needed here
    (and may lie), so a sheet is only ever read by `_read_worksheet`, and only up to the limits."""

    def read_strings(self):
        """The workbook's shared strings (read whole at opening, the one part that is), stopping
        past MAX_SHARED_STRINGS: a few KB can pack millions of tiny ones."""
        part = self.package.find(SHARED_STRINGS)
        self.shared_strings = []
        if part is None:
            return
        with self.archive.open(part.PartName[1:]) as source:
            for _, node in iterparse(source):
                if node.tag == _STRING_TAG:
                    if len(self.shared_strings) >= MAX_SHARED_STRINGS:
                        raise UnreadableFile(
                            f"This workbook holds more than {MAX_SHARED_STRINGS:,} different texts; "
                            f"a sheet of {MAX_ROWS:,} rows needs fewer."
                        )
                    self.shared_strings.append(Text.from_tree(node).content.replace("x005F_", ""))
                    node.clear()

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state
                self.wb._sheets.append(worksheet)


def _read_worksheet(worksheet, name: str) -> Sheet:
    table = _Table(name)
    try:
        # One column past the limit, so a row with too many cells is seen without reading them all.
        for values in worksheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            table.add(values)
    except UnreadableFile:
        raise
    except Exception:
        raise UnreadableFile(
            f"This file cannot be read as XLSX: line {table.lines + 1} is damaged."
        ) from None
    return table.sheet()


def read_sheets(*, content: bytes, filename: str, names: tuple[str, ...] = ()) -> list[Sheet]:
    """The tables of an uploaded CSV or XLSX file, every cell as text (see `cell_text`).

    A workbook's sheets whose names are among `names` (in any case), in the workbook's order; when
    none is, or no names are given, its first sheet only. Raises UnreadableFile, in words, for a
    file that is not CSV or XLSX, is empty, or passes a limit.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in CONTENT_TYPES:
        raise UnreadableFile("Upload a .csv or .xlsx file.")
    if len(content) > MAX_BYTES:
        raise UnreadableFile(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")
    if extension == "csv":
        return [_read_csv(content)]
    book = _open_workbook(content)
    try:
        wanted = [ws for ws in book.worksheets if ws.title.strip().casefold() in names]
        if wanted:
            return [_read_worksheet(ws, ws.title.strip().casefold()) for ws in wanted]
        if not book.worksheets:
            raise UnreadableFile("This workbook has no sheet.")
        return [_read_worksheet(book.worksheets[0], "")]
    finally:
        book.close()


# The member admin's formats (django-import-export) ----------------------------------------------


def _dataset(sheet: Sheet) -> tablib.Dataset:
    return tablib.Dataset(*[row for row in sheet.rows if any(row)], headers=sheet.headers)


class TextCSV(base_formats.CSV):
    """The package's CSV as bytes in and out, like every other file here: written by `csv_file`
    (with the byte-order mark) and read by `read_sheets`, with the same encodings, limits and
    messages as any upload, and the apostrophes `csv_safe` added taken off."""

    def is_binary(self):
        return True  # the admin then neither decodes the upload nor encodes the export

    def get_read_mode(self):
        return "rb"

    def export_data(self, dataset, **kwargs):
        return csv_file(dataset.headers or [], dataset)

    def create_dataset(self, in_stream, **kwargs):
        [sheet] = read_sheets(content=in_stream, filename="upload.csv")
        return _dataset(sheet)


class TextXLSX(base_formats.XLSX):
    """The package's XLSX, written by `xlsx_file` (string cells) and read by `read_sheets` (limits)."""

    def export_data(self, dataset, **kwargs):
        return xlsx_file([((dataset.title or "Sheet1")[:31], dataset.headers or [], dataset)])

    def create_dataset(self, in_stream):
        [sheet] = read_sheets(content=in_stream, filename="upload.xlsx")
        return _dataset(sheet)
