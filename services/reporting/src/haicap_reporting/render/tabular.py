"""CSV and XLSX renderings of a report: one long CSV, or one sheet per section with charts.

Every cell goes through :mod:`haicap_shared.exports`, so names and titles that came from
users (an agency named ``=HYPERLINK(...)``, a task titled ``=1+1``) are text in both formats,
never formulas.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from haicap_shared.exports import csv_row, xlsx_append, xlsx_write

from ..composition import Chart, Report, Section, Table

CSV_HEADER = ["muc", "bang", "chi_tieu", "cot", "gia_tri"]
_CHUNK = 64 * 1024


def csv_lines(report: Report) -> Iterator[str]:
    """The report as long-format CSV (section, table, row label, column, value), line by line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    buffer.write("\ufeff")  # NOTE: Excel opens UTF-8 CSV correctly only with a BOM
    writer.writerow(csv_row(CSV_HEADER))
    yield flush()
    for missing in report.missing:
        writer.writerow(csv_row(["THIẾU", missing.section, missing.service, "lý do", missing.reason]))
    for section in report.sections:
        for table in section.tables:
            label_key, _ = table.columns[0]
            for row in table.rows:
                for key, heading in table.columns[1:]:
                    writer.writerow(csv_row([section.title, table.title, row.get(label_key), heading, _cell(row.get(key))]))
            yield flush()


def _cell(value: Any) -> Any:
    return "" if value is None else value


def xlsx_file(report: Report) -> IO[bytes]:
    """The report as an XLSX workbook (spooled to disk past a few MB), positioned at its start."""
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Tổng quan"
    xlsx_append(cover, [report.title])
    cover["A1"].font = Font(bold=True, size=14)
    for key, value in report.subject.items():
        if isinstance(value, dict):  # NOTE: the profile's event sequences, one "source number" each
            value = ", ".join(f"{name} {'-' if number is None else number}" for name, number in value.items())
        if value is not None:
            xlsx_append(cover, [key, str(value)])
    xlsx_append(cover, ["Ngày số liệu", report.as_of.isoformat()])
    xlsx_append(cover, ["Lập lúc", report.generated_at.isoformat(timespec="seconds")])
    xlsx_append(cover, ["Đầy đủ", "có" if report.complete else "không"])
    for missing in report.missing:
        xlsx_append(cover, ["Thiếu mục", missing.section, missing.service, missing.reason])
    cover.column_dimensions["A"].width = 22
    for section in report.sections:
        _sheet(book, section)
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned open, closed by the caller
    book.save(spooled)
    spooled.seek(0)
    return spooled


def chunks(stream: IO[bytes]) -> Iterator[bytes]:
    try:
        while block := stream.read(_CHUNK):
            yield block
    finally:
        stream.close()


def _sheet(book: Workbook, section: Section) -> None:
    sheet = book.create_sheet(section.title[:31])
    anchors: list[tuple[int, int, Table]] = []
    row = 1
    for table in section.tables:
        xlsx_write(sheet, row, 1, table.title).font = Font(bold=True)
        row += 1
        header_row = row
        for col, (_, heading) in enumerate(table.columns, start=1):
            xlsx_write(sheet, row, col, heading).font = Font(bold=True)
        for record in table.rows:
            row += 1
            for col, (key, _) in enumerate(table.columns, start=1):
                cell = xlsx_write(sheet, row, col, record.get(key))
                if key in table.formats:
                    cell.number_format = table.formats[key]
        anchors.append((header_row, row, table))
        row += 2
    for col in range(1, max((len(t.columns) for t in section.tables), default=1) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 24 if col == 1 else 16
    for chart in section.charts:
        header_row, last_row, table = anchors[chart.table]
        if last_row > header_row:
            sheet.add_chart(
                _chart(sheet, chart, table, header_row, last_row), f"{get_column_letter(len(table.columns) + 2)}{header_row}"
            )


def _chart(sheet: Any, spec: Chart, table: Table, header_row: int, last_row: int) -> BarChart | PieChart:
    keys = [key for key, _ in table.columns]
    # NOTE: a "Tổng cộng" total row would dwarf the bars; charts stop before it.
    if table.rows and str(table.rows[-1].get(spec.category, "")).startswith("Tổng"):
        last_row -= 1
    chart: BarChart | PieChart = BarChart() if spec.kind == "bar" else PieChart()
    chart.title = spec.title
    for value in spec.values:
        column = keys.index(value) + 1
        chart.add_data(Reference(sheet, min_col=column, min_row=header_row, max_row=last_row), titles_from_data=True)
    category = keys.index(spec.category) + 1
    chart.set_categories(Reference(sheet, min_col=category, min_row=header_row + 1, max_row=last_row))
    chart.width, chart.height = 16, 8
    return chart
