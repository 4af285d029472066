import sys

import pytest
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_shared.text import WHITESPACE, like_pattern, search_key, search_key_sql


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Cao Bằng", "cao bang"),
        ("Phường Thục Phán", "phuong thuc phan"),
        ("Đề Thám", "de tham"),
        ("đường ĐỒNG", "duong dong"),
        ("  Xã   Hưng  Đạo ", "xa hung dao"),
        ("Nguyễn Thị Ánh", "nguyen thi anh"),
    ],
)
def test_search_key_drops_marks_and_case(text: str, key: str) -> None:
    assert search_key(text) == key


def test_both_tone_placements_match() -> None:
    assert search_key("Hòa An") == search_key("Hoà An") == "hoa an"
    assert search_key("Thủy") == search_key("Thuỷ") == "thuy"


def test_decomposed_input_is_normalised_first() -> None:
    decomposed = "Ca\u0306\u0300o"  # "Cằo" typed with combining marks
    assert search_key(decomposed) == "cao"


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_x") == "%50\\%\\_x%"
    assert like_pattern("Thục") == "%thuc%"


KEYED_ALIKE = [
    "Cao Bằng",
    "ĐƯỜNG Đồng Khởi",
    "Ca\u0306\u0300o Ba\u0306\u0300ng",  # typed with combining marks (a file saved on a Mac)
    "  Xã\u00a0 Hưng\tĐạo\u3000",
    " leading space",
    "trailing space ",
    "Hòa An / Hoà An, Thủy / Thuỷ",
    "Nguyễn Thị Ánh Nguyệt",
    "Señor Müller, Ångström, naïve",
    "שָׁלוֹם",  # Hebrew points are marks too
    'it\'s 50% "quoted" \\ back',
    "",
]


@pytest.mark.parametrize("text", KEYED_ALIKE)
async def test_the_sql_search_key_is_the_python_one(db_connection: AsyncConnection, db_backend: str, text: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("the key in SQL is PostgreSQL's (an import's statement)")
    statement = sql(f"SELECT {search_key_sql('CAST(:value AS text)')}")
    assert (await db_connection.execute(statement, {"value": text})).scalar_one() == search_key(text)


def test_whitespace_is_what_python_counts_as_space() -> None:
    assert "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()) == WHITESPACE
