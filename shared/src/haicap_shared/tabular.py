"""Reading the spreadsheets provinces send: CSV or XLSX uploads, one dict per row.

Rows are read lazily (openpyxl in read-only mode, csv line by line) so a large file is not
held whole in memory; each row keeps its number in the file for the per-row error report.
Headers are matched without regard to case, diacritics or spacing, so "Mã nhiệm vụ",
"ma nhiem vu" and "MA_NHIEM_VU" name the same column.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook
from pydantic import BaseModel, Field

from .errors import BadRequest
from .text import search_key

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})
XLSX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})


class UnreadableFile(BadRequest):
    code, title = "unreadable_file", "The file is not a CSV or XLSX table this import can read"


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
    problems: list[RowProblem]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.date()
    return value


def read_rows(stream: IO[bytes], filename: str, columns: Mapping[str, tuple[str, ...]]) -> Iterator[SourceRow]:
    """Rows of the first sheet (or the CSV), with values under the canonical column names.

    ``columns`` maps each canonical name to the header spellings accepted for it.
    """
    accepted = {header_key(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}
    if filename.lower().endswith(".xlsx"):
        yield from _xlsx_rows(stream, accepted)
    elif filename.lower().endswith((".csv", ".txt")):
        yield from _csv_rows(stream, accepted)
    else:
        raise UnreadableFile(f"{filename}: send a .csv (UTF-8) or .xlsx file")


def _header_map(header: list[Any], accepted: Mapping[str, str]) -> dict[int, str]:
    mapping = {i: accepted[header_key(str(h))] for i, h in enumerate(header) if h is not None and header_key(str(h)) in accepted}
    if not mapping:
        raise UnreadableFile(f"No known column in the header row; expected some of: {', '.join(sorted(set(accepted.values())))}")
    return mapping


def _csv_rows(stream: IO[bytes], accepted: Mapping[str, str]) -> Iterator[SourceRow]:
    text = codecs.getreader("utf-8-sig")(stream)
    reader = csv.reader(text)
    try:
        header = next(reader)
        mapping = _header_map(header, accepted)
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            yield SourceRow(number, {name: _clean(record[i]) if i < len(record) else None for i, name in mapping.items()})
    except UnicodeDecodeError as exc:
        raise UnreadableFile("The CSV is not UTF-8; save it as 'CSV UTF-8'") from exc
    except StopIteration:
        return
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV cannot be read: {exc}") from exc


def _xlsx_rows(stream: IO[bytes], accepted: Mapping[str, str]) -> Iterator[SourceRow]:
    try:
        workbook = load_workbook(io.BytesIO(stream.read()) if not stream.seekable() else stream, read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(f"The XLSX cannot be opened: {exc}") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        mapping = _header_map(list(header), accepted)
        for number, record in enumerate(rows, start=2):
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in record):
                continue
            yield SourceRow(number, {name: _clean(record[i]) if i < len(record) else None for i, name in mapping.items()})
    finally:
        workbook.close()


def parse_date(value: Any) -> date | None:
    """A date cell: a real date, or text as YYYY-MM-DD or DD/MM/YYYY (the Vietnamese habit)."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
