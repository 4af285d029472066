"""A person's history as CSV or XLSX: one line an entry, every cell written formula-safe (``haicap_shared.exports``)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from haicap_shared.exports import csv_row, xlsx_append

from .schemas import PersonHistory

HEADER = ["Ngày", "Loại", "Nội dung", "Số quyết định", "Ngày quyết định", "Người ký", "Cơ quan ban hành", "Đường dẫn"]
KINDS = {
    "career_event": "Quá trình công tác",
    "evaluation": "Đánh giá, xếp loại",
    "commendation": "Khen thưởng",
    "discipline": "Kỷ luật",
}


def _rows(history: PersonHistory) -> list[list[str]]:
    rows: list[list[str]] = []
    for entry in history.entries:
        decision = entry.decision
        rows.append(
            [
                entry.on.strftime("%d/%m/%Y"),
                KINDS.get(entry.kind, entry.kind),
                entry.title,
                decision.number if decision else "",
                decision.date.strftime("%d/%m/%Y") if decision else "",
                decision.signer if decision else "",
                decision.issuer if decision else "",
                entry.path,
            ]
        )
    return rows


def history_csv(history: PersonHistory) -> str:
    """UTF-8 CSV text with a BOM (Excel reads it right only with one)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(csv_row(HEADER))
    for row in _rows(history):
        writer.writerow(csv_row(row))
    return buffer.getvalue()


def history_xlsx(history: PersonHistory) -> bytes:
    """One sheet, a header row and a line an entry; text stays text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Quá trình"
    xlsx_append(sheet, HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(history):
        xlsx_append(sheet, row)
    for column, width in zip("ABCDEFGH", (12, 20, 50, 18, 14, 24, 36, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
