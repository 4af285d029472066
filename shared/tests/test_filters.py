"""A filter left out narrows nothing; a given one, falsy or not, is compared (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, Select, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_shared.filters import given_equalities, where_given

_metadata = MetaData()
_records = Table(
    "filters_sample",
    _metadata,
    Column("name", String(20), primary_key=True),
    Column("province_code", String(2)),
    Column("year", Integer),
    Column("is_primary", Boolean),
)
# name: (province_code, year, is_primary)
_ROWS = {
    "a": ("04", 2025, True),
    "b": ("04", 2026, False),
    "c": ("06", 2025, False),
    "d": ("06", 0, True),
}
c = _records.c


async def _names(connection: AsyncConnection, stmt: Select[Any]) -> set[str]:
    await connection.run_sync(lambda sync: _metadata.create_all(sync, checkfirst=True))
    await connection.execute(delete(_records))
    rows = [{"name": n, "province_code": p, "year": y, "is_primary": f} for n, (p, y, f) in _ROWS.items()]
    await connection.execute(insert(_records), rows)
    return set((await connection.scalars(stmt)).all())


@pytest.mark.parametrize(
    ("province", "year", "is_primary", "expected"),
    [
        (None, None, None, {"a", "b", "c", "d"}),
        ("04", None, None, {"a", "b"}),
        ("06", 2025, None, {"c"}),
        (None, 0, None, {"d"}),  # NOTE: 0 is a year given, not a filter left out
        (None, None, False, {"b", "c"}),
        ("04", 2025, False, set()),
    ],
)
async def test_only_the_given_filters_narrow_the_list(
    db_connection: AsyncConnection, province: str | None, year: int | None, is_primary: bool | None, expected: set[str]
) -> None:
    given = ((c.province_code, province), (c.year, year), (c.is_primary, is_primary))
    assert await _names(db_connection, where_given(select(c.name), *given)) == expected
    assert await _names(db_connection, select(c.name).where(*given_equalities(*given))) == expected


def test_no_filter_given_leaves_the_statement_as_it_was() -> None:
    stmt = select(c.name).where(c.year > 2000)
    assert where_given(stmt, (c.province_code, None), (c.year, None)) is stmt
    assert given_equalities((c.province_code, None)) == []
