"""Export cells: CSV text that would start a formula is quoted; XLSX text is a text cell."""

import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from haicap_shared.exports import csv_row, xlsx_append, xlsx_write


def test_csv_quotes_text_that_would_start_a_formula_and_leaves_numbers() -> None:
    hostile = ["=1+1", "+84", "-2", "@SUM(A1)", "\tcmd", "\rcmd"]
    assert csv_row(hostile) == ["'" + text for text in hostile]
    assert csv_row(["Xã Quảng Lâm", "a=b", -596, 1.5, Decimal("-3"), None, ""]) == [
        "Xã Quảng Lâm",
        "a=b",
        -596,
        1.5,
        Decimal("-3"),
        None,
        "",
    ]


def test_xlsx_text_is_never_a_formula() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    xlsx_append(sheet, ['=HYPERLINK("http://x","y")', -596])
    xlsx_write(sheet, 2, 1, "=1+1")
    saved = io.BytesIO()
    book.save(saved)
    read = load_workbook(io.BytesIO(saved.getvalue())).active
    assert read is not None
    assert [(c.value, c.data_type) for c in read[1]] == [('=HYPERLINK("http://x","y")', "s"), (-596, "n")]
    assert (read["A2"].value, read["A2"].data_type) == ("=1+1", "s")
