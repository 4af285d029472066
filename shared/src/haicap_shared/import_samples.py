"""Hostile files for the import limits' tests, generated when a test runs (never committed).

- :func:`long_line_csv`: a header, then one line of ``size`` bytes (the 100 MB line that froze
  personnel for 31 minutes);
- :func:`many_rows_csv`: the same row repeated, for the row limit and the memory bound;
- :func:`zip_bomb_xlsx`: a small XLSX whose shared strings expand to far more than the file
  (a million strings, about 250 MB, in about 1 MB);
- :func:`wide_row_xlsx`: a small XLSX with one row of a million cells (openpyxl builds a row
  whole: 450 MB for this 33 KB file), or one cell of many characters.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from fastapi import FastAPI
from openpyxl import Workbook

from .tabular import ImportLimits

SHARED_STRINGS = "xl/sharedStrings.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def long_line_csv(header: str, size: int) -> bytes:
    """``header``, then one line of ``size`` bytes."""
    return f"{header}\n".encode() + b"x" * size + b"\n"


def many_rows_csv(header: str, row: str, rows: int) -> bytes:
    """``header``, then ``row`` ``rows`` times."""
    return f"{header}\n".encode() + f"{row}\n".encode() * rows


def zip_bomb_xlsx(header: list[str], *, strings: int = 1_000_000, length: int = 240, part: str = SHARED_STRINGS) -> bytes:
    """A real workbook: its shared strings are ``header`` (row 1 refers to them), then ``strings`` of ``length`` characters.

    The table is declared as Excel does (content type and workbook relationship), so a reader
    that opens the workbook loads it whole; ``part`` names it (a reader must not trust the name).
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    plain = io.BytesIO()
    workbook.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/{part}" ContentType="{_SST_TYPE}"/></Types>'.encode())
            elif entry.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdStrings" Type="{_SST_REL}" Target="/{part}"/></Relationships>'.encode(),
                )
            elif entry.filename == "xl/worksheets/sheet1.xml":
                for number, text in enumerate(header):
                    inline = f'<c r="{_column(number)}1" t="inlineStr"><is><t>{escape(text)}</t></is></c>'.encode()
                    data = data.replace(inline, f'<c r="{_column(number)}1" t="s"><v>{number}</v></c>'.encode())
            target.writestr(entry, data)
        with target.open(part, "w", force_zip64=True) as out:
            total = len(header) + strings
            out.write(f'<sst xmlns="{_MAIN}" count="{total}" uniqueCount="{total}">'.encode())
            out.write("".join(f"<si><t>{escape(text)}</t></si>" for text in header).encode())
            item = b"<si><t>" + b"a" * length + b"</t></si>"
            block = 10_000
            for _ in range(strings // block):
                out.write(item * block)
            out.write(item * (strings % block))
            out.write(b"</sst>")
    return bomb.getvalue()


def _column(number: int) -> str:
    name = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def wide_row_xlsx(header: list[str], *, cells: int = 1_000_000, cell_chars: int = 1) -> bytes:
    """A real workbook (``header`` in row 1) whose row 2 has ``cells`` cells of ``cell_chars`` digits each."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    plain = io.BytesIO()
    workbook.save(plain)
    wide = io.BytesIO()
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(wide, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != name:
                target.writestr(entry, source.read(entry.filename))
        sheet_xml = source.read(name)
        head, _, tail = sheet_xml.partition(b"</sheetData>")
        with target.open(name, "w", force_zip64=True) as out:
            out.write(head + b'<row r="2">')
            cell = b"<c><v>" + b"1" * cell_chars + b"</v></c>"
            for start in range(0, cells, 10_000):
                out.write(cell * min(10_000, cells - start))
            out.write(b"</row></sheetData>" + tail)
    return wide.getvalue()


def with_import_limits(app: FastAPI, **changes: int) -> ImportLimits:
    """Give ``app`` (already built) other import limits, for one test; the new limits."""
    settings = app.state.settings
    limits: ImportLimits = settings.imports.model_copy(update=changes)
    app.state.settings = settings.model_copy(update={"imports": limits})
    return limits
