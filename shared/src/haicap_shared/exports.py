"""Writing CSV and XLSX exports so that no text in them runs as a formula.

A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or carriage return) as a formula: an agency named ``=HYPERLINK(...)`` or a task titled
``=1+1`` would run in the reader's spreadsheet (CSV or formula injection). Every export
writes its cells through these functions:

- CSV: text starting with one of those characters is prefixed with a single quote, as OWASP
  advises; numbers stay numbers (a negative amount is written as ``-5``, not escaped).
- XLSX: text is always a text cell (``data_type`` ``s``), never a formula, and is written
  unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One CSV value: text that a spreadsheet would read as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with every value made safe (for ``csv.writer.writerow``)."""
    return [csv_cell(value) for value in values]


def xlsx_value(cell: Cell, value: Any) -> Cell:
    """Put ``value`` in ``cell``; text stays text even when it starts with ``=``."""
    cell.value = value
    if isinstance(value, str):
        # NOTE: openpyxl turns a string starting with "=" into a formula when it is assigned;
        # setting the type afterwards makes it a plain string again.
        cell.data_type = "s"
    return cell


def xlsx_write(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``sheet.cell(row, column, value)``, with text kept as text."""
    return xlsx_value(sheet.cell(row=row, column=column), value)


def xlsx_append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)``, with text kept as text."""
    values = list(values)
    sheet.append(values)
    # NOTE: append writes the new last row.
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        xlsx_value(cell, value)
