"""Cursors decode to the key columns' types; anything else is ``invalid_cursor``."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import BigInteger, Column, Date, Integer, MetaData, String, Table, Uuid

from haicap_shared.errors import BadRequest
from haicap_shared.models import UtcDateTime
from haicap_shared.paging import decode_cursor, encode_cursor

table = Table(
    "sample",
    MetaData(),
    Column("id", Uuid()),
    Column("code", String(20)),
    Column("on", Date()),
    Column("at", UtcDateTime()),
    Column("n", Integer()),
    Column("big", BigInteger()),
)
ID = uuid.UUID(int=7)


def test_a_cursor_round_trips_in_the_columns_types() -> None:
    at = datetime(2026, 4, 15, 8, 30, tzinfo=UTC)
    values = [ID, "01304", date(2025, 7, 1), at, 2**31 - 1, 2**63 - 1]
    assert decode_cursor(encode_cursor(values), list(table.c)) == values


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", "2026-04-15T08:30:00"),  # no zone for a UTC timestamp
        ("at", "9999-12-31T23:59:59-14:00"),  # past year 9999 in UTC
        ("at", 1.5),
        ("n", 2**31),  # beyond a 32-bit integer
        ("big", 2**63),
        ("n", True),
        ("n", "1"),
        ("on", "2026-02-30"),
        ("code", 5),
        ("id", 1.5),
        ("id", None),
    ],
)
def test_a_value_the_column_cannot_hold_is_an_invalid_cursor(column: str, value: Any) -> None:
    with pytest.raises(BadRequest) as refused:
        decode_cursor(encode_cursor([value]), [table.c[column]])
    assert refused.value.code == "invalid_cursor"


def test_a_cursor_of_one_list_is_refused_by_another_paged_on_keys_of_the_same_types() -> None:
    # NOTE: /tasks/stats pages units on (code, id) and agencies on (name, id) in one response.
    key = [table.c.code, table.c.id]
    units_cursor = encode_cursor(["01304", ID], list_name="unit")
    assert decode_cursor(units_cursor, key, list_name="unit") == ["01304", ID]
    for cursor in (units_cursor, encode_cursor(["01304", ID])):
        with pytest.raises(BadRequest) as refused:
            decode_cursor(cursor, key, list_name="agency")
        assert refused.value.code == "invalid_cursor"
