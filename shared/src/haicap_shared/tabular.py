"""Reading the spreadsheets provinces send: CSV or XLSX uploads, one dict per row, within limits.

Rows are read lazily (csv line by line, openpyxl in read-only mode) so a large file is never
held whole in memory; each row keeps its number in the file for the per-row error report.
Headers are matched without regard to case, diacritics or spacing, so "Mã nhiệm vụ",
"ma nhiem vu" and "MA_NHIEM_VU" name the same column.

Every read is bounded by :class:`ImportLimits` and stops at the first limit reached, with a
problem that names it: a CSV line (or quoted record) longer than ``max_line_bytes``
(``line_too_long``, with the line number), bytes that are not UTF-8 (``invalid_encoding``),
more than ``max_rows`` rows (``too_many_rows``), and an XLSX whose zip directory announces
more entries or more uncompressed bytes than allowed, or too many shared strings
(``xlsx_too_large``): XLSX is a zip, so its sizes are checked from the central directory
before anything is decompressed. The readers are synchronous: the import pipeline
(``haicap_shared.imports``) runs them in a worker thread, off the event loop.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from xml.etree.ElementTree import iterparse
from xml.parsers import expat

from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.reader.strings import read_string_table
from openpyxl.reader.workbook import WorkbookParser
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS
from openpyxl.xml.functions import fromstring
from pydantic import BaseModel, ConfigDict, Field

from .errors import AppError, BadRequest
from .text import search_key
from .values import in_date_range

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})
XLSX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
MiB = 1024 * 1024


class ImportLimits(BaseModel):
    """How much one import may send and cost; the first limit reached refuses the file.

    A service's settings hold one block (``imports``), set from the environment as JSON, e.g.
    ``HAICAP_PERSONNEL_IMPORTS='{"max_rows": 200000}'``.
    """

    model_config = ConfigDict(frozen=True)

    max_upload_bytes: int = Field(
        default=200 * MiB, gt=0, description="Largest import request body (the multipart upload), in bytes: 413 upload_too_large"
    )
    max_line_bytes: int = Field(
        default=64 * 1024, gt=0, description="Longest CSV line, or quoted record over several lines, in bytes: 422 line_too_long"
    )
    max_rows: int = Field(default=500_000, gt=0, description="Most rows of a file, blank ones included: 413 too_many_rows")
    max_xlsx_bytes: int = Field(
        default=512 * MiB, gt=0, description="Most uncompressed bytes of all an XLSX's parts together: 413 xlsx_too_large"
    )
    max_shared_strings_bytes: int = Field(
        default=32 * MiB, gt=0, description="Most uncompressed bytes of an XLSX's shared strings (read whole): 413 xlsx_too_large"
    )
    max_xlsx_part_bytes: int = Field(
        default=4 * MiB,
        gt=0,
        description="Most uncompressed bytes of any other XLSX part read whole (styles, workbook, theme): 413 xlsx_too_large",
    )
    max_xlsx_entries: int = Field(default=500, gt=0, description="Most entries in an XLSX zip: 413 xlsx_too_large")
    max_shared_strings: int = Field(default=500_000, gt=0, description="Most shared strings of an XLSX: 413 xlsx_too_large")
    max_xlsx_row_cells: int = Field(default=2000, gt=0, description="Most cells in one row of an XLSX sheet: 413 xlsx_too_large")
    max_concurrent: int = Field(
        default=2, gt=0, description="Imports one service process runs at once; more get 503 imports_busy with Retry-After"
    )
    retry_after_seconds: int = Field(default=30, gt=0, description="Retry-After of a 503 imports_busy")
    chunk_rows: int = Field(default=1000, gt=0, description="Rows read, checked and staged at a time")
    max_problems: int = Field(default=1000, gt=0, description="Bad rows listed in the report (all are counted)")


DEFAULT_LIMITS = ImportLimits()


class UnreadableFile(BadRequest):
    code, title = "unreadable_file", "The file is not a CSV or XLSX table this import can read"


class InvalidEncoding(BadRequest):
    code, title = "invalid_encoding", "The CSV is not UTF-8 text"


class LineTooLong(BadRequest):
    code, title = "line_too_long", "A line of the file is longer than this import accepts"


class TooManyRows(AppError):
    status, code, title = 413, "too_many_rows", "The file has more rows than one import accepts"


class XlsxTooLarge(AppError):
    status, code, title = 413, "xlsx_too_large", "The XLSX expands to more than one import accepts"


def header_key(text: str) -> str:
    return search_key(text).replace("_", " ").replace("-", " ").replace("  ", " ")


@dataclass(frozen=True)
class SourceRow:
    number: int
    values: dict[str, Any]


class RowProblem(BaseModel):
    """What is wrong with one row of an import (row 1 is the header)."""

    row: int
    errors: list[str]


class ImportReport(BaseModel):
    """The outcome of an import: every row checked; written only if all passed, or if partial."""

    rows: int = Field(description="Data rows read")
    accepted: int = Field(description="Rows without problems")
    rejected: int = Field(description="Rows with problems")
    written: int = Field(description="Rows written to the records (0 when the import was refused)")
    partial: bool = Field(description="Whether partial import was asked for")
    problems: list[RowProblem] = Field(description="The bad rows, in file order (at most the service's max_problems)")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.date()
    return value


def is_csv(filename: str) -> bool:
    return filename.lower().endswith((".csv", ".txt"))


def is_xlsx(filename: str) -> bool:
    return filename.lower().endswith(".xlsx")


def read_rows(
    stream: IO[bytes], filename: str, columns: Mapping[str, tuple[str, ...]], limits: ImportLimits = DEFAULT_LIMITS
) -> Iterator[SourceRow]:
    """Rows of the first sheet (or the CSV), with values under the canonical column names.

    ``columns`` maps each canonical name to the header spellings accepted for it. Blocking:
    call it from a worker thread (``haicap_shared.imports.row_chunks`` does).
    """
    accepted = {header_key(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}
    if is_xlsx(filename):
        yield from _xlsx_rows(stream, accepted, limits)
    elif is_csv(filename):
        yield from _csv_rows(stream, accepted, limits)
    else:
        raise UnreadableFile(f"{filename}: send a .csv (UTF-8) or .xlsx file")


def _header_map(header: list[Any], accepted: Mapping[str, str]) -> dict[int, str]:
    mapping = {i: accepted[header_key(str(h))] for i, h in enumerate(header) if h is not None and header_key(str(h)) in accepted}
    if not mapping:
        raise UnreadableFile(f"No known column in the header row; expected some of: {', '.join(sorted(set(accepted.values())))}")
    return mapping


class _Lines:
    """The CSV's lines, decoded one at a time, never more than ``limit`` bytes read for one record.

    ``readline(limit + 1)`` reads at most that much, so a 100 MB line costs one bounded read
    before it is refused (``codecs.getreader`` grew its buffer quadratically on such a line).
    The csv module pulls several lines for a quoted field that spans lines: ``record_bytes``
    counts them, and the reader resets it after each record.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.line = 0
        self.record_bytes = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.stream.readline(self.limit + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        self.record_bytes += len(raw)
        if self.record_bytes > self.limit:
            raise LineTooLong(
                f"Line {self.line} is longer than {self.limit} bytes (a row, or a quoted cell, too long for an import)",
                line=self.line,
                limit=self.limit,
            )
        if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEncoding(f"Line {self.line} is not UTF-8 text; save the file as 'CSV UTF-8'", line=self.line) from exc


def check_csv_lines(stream: IO[bytes], limits: ImportLimits) -> int:
    """Read a CSV's lines once, without parsing them, within the limits; how many there are.

    For a reader that hands the file as it is to something else (PostgreSQL's ``COPY``): every
    line fits ``max_line_bytes`` and is UTF-8, and there are at most ``max_rows`` after the
    header, or the same problem :func:`read_rows` gives is raised. Blocking (a worker thread's).
    """
    lines = _Lines(stream, limits.max_line_bytes)
    count = 0
    for _ in lines:
        lines.record_bytes = 0
        count += 1
        if count > limits.max_rows + 1:
            raise _too_many_rows(limits)
    stream.seek(0)
    return count


def _too_many_rows(limits: ImportLimits) -> TooManyRows:
    return TooManyRows(f"The file has more than {limits.max_rows} rows; split it", limit=limits.max_rows)


def _csv_rows(stream: IO[bytes], accepted: Mapping[str, str], limits: ImportLimits) -> Iterator[SourceRow]:
    lines = _Lines(stream, limits.max_line_bytes)
    reader = csv.reader(lines)
    # NOTE: the line limit already bounds a field; the csv module's own (128 KiB) must not refuse first.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_line_bytes))
    try:
        header = next(reader, None)
        if header is None:
            return
        lines.record_bytes = 0
        mapping = list(_header_map(header, accepted).items())
        last_row = limits.max_rows + 1
        for number, record in enumerate(reader, start=2):
            lines.record_bytes = 0
            if number > last_row:
                raise _too_many_rows(limits)
            width = len(record)
            # NOTE: every CSV cell is text: stripped, and empty is None (as _clean does), inline
            # because this line runs once per cell of files of hundreds of thousands of rows.
            values = {name: (record[i].strip() or None) if i < width else None for i, name in mapping}
            if all(value is None for value in values.values()) and not any(cell.strip() for cell in record):
                continue
            yield SourceRow(number, values)
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV cannot be read near line {lines.line}: {exc}", line=lines.line) from exc


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SI_TAG = f"{_MAIN_NS}si"
_ROW_TAG = f"{_MAIN_NS}row"
_SHEET_DATA_TAG = f"{_MAIN_NS}sheetData"
MAX_COLUMNS = 500
# NOTE: what a sheet holds besides its cells (merged ranges, validations, formats, views) is
# parsed whole into objects; a form has a few hundred such elements, never this many.
MAX_SHEET_OTHER_ELEMENTS = 50_000


def _archive_sizes(archive: zipfile.ZipFile, limits: ImportLimits) -> None:
    """Refuse a zip bomb from the zip's central directory, before anything is decompressed.

    The sizes are those the directory announces; Python's zipfile never inflates an entry past
    its announced size, so a lying directory cannot expand more than it announced.
    """
    entries = archive.infolist()
    if len(entries) > limits.max_xlsx_entries:
        raise XlsxTooLarge(
            f"The XLSX holds {len(entries)} entries; at most {limits.max_xlsx_entries} are accepted",
            limit=limits.max_xlsx_entries,
        )
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_xlsx_bytes:
        raise XlsxTooLarge(
            f"The XLSX expands to {total} bytes; at most {limits.max_xlsx_bytes} are accepted", limit=limits.max_xlsx_bytes
        )


def _whole(archive: zipfile.ZipFile, name: str, most: int) -> None:
    """A part about to be read whole: its announced size first."""
    try:
        size = archive.getinfo(name).file_size
    except KeyError:
        return
    if size > most:
        raise XlsxTooLarge(f"The XLSX part {name} expands to {size} bytes; at most {most} are accepted", limit=most)


def _count_strings(archive: zipfile.ZipFile, name: str, limits: ImportLimits) -> None:
    count = 0
    with archive.open(name) as source:
        root = None
        # NOTE: expat (2.4 and later) refuses entity-amplification ("billion laughs") documents
        # itself, and the part's size is bounded before this.
        for event, element in iterparse(source, events=("start", "end")):  # noqa: S314
            if root is None:
                root = element
            if event == "end" and element.tag == _SI_TAG:
                count += 1
                if count > limits.max_shared_strings:
                    raise XlsxTooLarge(
                        f"The XLSX has more than {limits.max_shared_strings} shared strings", limit=limits.max_shared_strings
                    )
                if count % 10_000 == 0:
                    # NOTE: cleared elements stay children of the root; dropped here so that
                    # counting holds only a bounded part of the tree.
                    root.clear()


def _scan_sheet(archive: zipfile.ZipFile, name: str, limits: ImportLimits) -> None:
    """Stream the sheet's XML once (expat, nothing kept) for what openpyxl would build whole.

    openpyxl builds each row whole before handing it over (a 33 KB file with one row of a
    million cells took 450 MB and 6 s), and whatever else the sheet holds (merged ranges,
    validations, headers) whole too. Here a row may hold ``max_xlsx_row_cells`` cells, a cell
    ``max_line_bytes`` characters, an element's attributes as much, and the rest of the sheet
    :data:`MAX_SHEET_OTHER_ELEMENTS` elements and ``max_xlsx_part_bytes`` characters.
    """
    cells = others = outside_text = cell_text = 0
    in_cell = in_data = False

    def too_large(what: str, limit: int) -> XlsxTooLarge:
        return XlsxTooLarge(f"{what} of {name} is beyond {limit}", limit=limit)

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal cells, others, cell_text, in_cell, in_data
        local = tag.rpartition(":")[2]
        if sum(len(value) for value in attributes.values()) > limits.max_line_bytes:
            raise too_large(f"The attributes of a {local} element", limits.max_line_bytes)
        if local == "c":
            cells += 1
            cell_text, in_cell = 0, True
            if cells > limits.max_xlsx_row_cells:
                raise too_large("The number of cells in a row", limits.max_xlsx_row_cells)
        elif local == "row":
            cells = 0
        elif local == "sheetData":
            in_data = True
        elif not in_data:
            others += 1
            if others > MAX_SHEET_OTHER_ELEMENTS:
                raise too_large("The number of elements besides the cells", MAX_SHEET_OTHER_ELEMENTS)

    def end(tag: str) -> None:
        nonlocal in_cell, in_data
        local = tag.rpartition(":")[2]
        if local == "c":
            in_cell = False
        elif local == "sheetData":
            in_data = False

    def characters(data: str) -> None:
        nonlocal cell_text, outside_text
        if in_cell:
            cell_text += len(data)
            if cell_text > limits.max_line_bytes:
                raise too_large("The text of a cell", limits.max_line_bytes)
        elif not in_data:
            outside_text += len(data)
            if outside_text > limits.max_xlsx_part_bytes:
                raise too_large("The text besides the cells", limits.max_xlsx_part_bytes)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    with archive.open(name) as source:
        parser.ParseFile(source)


class _SheetRows(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's worksheet parser, reading the rows alone and keeping none of them.

    Its own ``parse`` leaves every row read (cleared, but there) under the sheet's data and a
    dimension for every row with a height: 50,000 rows made the cycle collector's walks 100 to
    270 ms long, the event loop stalled meanwhile. Here each row is dropped once read.
    """

    def rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        data = None
        # NOTE: expat (2.4 and later) refuses entity-amplification documents itself; the sheet
        # was scanned before this (row width, cell text, what is beside the cells).
        for event, element in iterparse(self.source, events=("start", "end")):  # noqa: S314
            if event == "start":
                if element.tag == _SHEET_DATA_TAG:
                    data = element
                continue
            if element.tag == _ROW_TAG:
                yield self.parse_row(element)
                element.clear()
                if data is not None:
                    data.remove(element)
                self.row_dimensions.clear()


def check_xlsx(stream: IO[bytes], limits: ImportLimits) -> None:
    """The XLSX's sizes from its zip directory, without opening the workbook (entries, total size)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            _archive_sizes(archive, limits)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"The XLSX cannot be opened: {exc}") from exc
    stream.seek(0)


def _first_sheet(archive: zipfile.ZipFile, limits: ImportLimits) -> _SheetRows | None:
    """A parser of the workbook's first worksheet, every part read on the way within its limit.

    Only what a table needs is read, as openpyxl's read-only mode does but without the rest
    (other sheets, chart sheets, external links, properties): the content types, the workbook
    and its relationships, the styles (which number formats are dates) and the shared strings,
    each found as openpyxl finds it (by content type and relationship, not by a file name an
    attacker chooses), and each checked from the directory before it is read.
    """
    part = limits.max_xlsx_part_bytes
    _whole(archive, ARC_CONTENT_TYPES, part)
    manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    workbook_part = _find_workbook_part(manifest)
    if workbook_part is None:
        raise UnreadableFile("The XLSX has no workbook")
    workbook_name = workbook_part.PartName[1:]
    _whole(archive, workbook_name, part)
    _whole(archive, get_rels_path(workbook_name), part)
    book = WorkbookParser(archive, workbook_name, keep_links=False)
    book.parse()
    names = set(archive.namelist())
    sheet = next((rel.target for _, rel in book.find_sheets() if rel.Type.endswith("/worksheet") and rel.target in names), None)
    if sheet is None:
        return None
    _scan_sheet(archive, sheet, limits)
    _whole(archive, ARC_STYLE, part)
    apply_stylesheet(archive, book.wb)
    strings: list[Any] = []
    table = manifest.find(SHARED_STRINGS)
    if table is not None and table.PartName[1:] in names:
        table_name = table.PartName[1:]
        _whole(archive, table_name, limits.max_shared_strings_bytes)
        _count_strings(archive, table_name, limits)
        with archive.open(table_name) as source:
            strings = read_string_table(source)
    return _SheetRows(
        archive.open(sheet),
        strings,
        data_only=True,
        epoch=book.wb.epoch,
        date_formats=book.wb._date_formats,
        timedelta_formats=book.wb._timedelta_formats,
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _xlsx_rows(stream: IO[bytes], accepted: Mapping[str, str], limits: ImportLimits) -> Iterator[SourceRow]:
    if not stream.seekable():
        raise UnreadableFile("The XLSX must be uploaded as a file")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"The XLSX cannot be opened: {exc}") from exc
    with archive:
        _archive_sizes(archive, limits)
        try:
            parser = _first_sheet(archive, limits)
            if parser is None:
                return
            mapping: dict[int, str] | None = None
            last_row = limits.max_rows + 1
            # NOTE: a row's number is the one the file gives it (rows may be missing); the first
            # row present is the header. Only the header's columns are read.
            for number, cells in parser.rows():
                if number > last_row:
                    raise _too_many_rows(limits)
                values = {cell["column"]: cell["value"] for cell in cells if cell["column"] <= MAX_COLUMNS}
                if mapping is None:
                    header = [values.get(column) for column in range(1, max(values, default=0) + 1)]
                    if all(_blank(h) for h in header):
                        continue
                    mapping = {i + 1: name for i, name in _header_map(header, accepted).items()}
                    continue
                if all(_blank(value) for value in values.values()):
                    continue
                yield SourceRow(number, {name: _clean(values.get(column)) for column, name in mapping.items()})
        except (AppError, GeneratorExit):
            raise
        except Exception as exc:
            raise UnreadableFile(f"The XLSX cannot be read: {exc}") from exc


def parse_date(value: Any) -> date | None:
    """A date cell: a real date, or text as YYYY-MM-DD or DD/MM/YYYY (the Vietnamese habit), 1900 to 2100.

    NOTE: bounded like the API's dates (haicap_shared.values), so no imported date overflows
    the day arithmetic done on it later (a day before 0001-01-01 is an OverflowError).
    """
    if value is None:
        return None
    if isinstance(value, date):
        return in_date_range(value.date() if isinstance(value, datetime) else value)
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            parsed = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return in_date_range(parsed)
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
