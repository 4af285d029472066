"""``count_where``: the statistics' conditional count, on both databases."""

from sqlalchemy import Boolean, Integer, Subquery, false, func, literal, null, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from haicap_shared.aggregates import count_where


def _rows(*flags: tuple[int, bool | None]) -> Subquery:
    """A derived table of (group, flag) rows."""
    return union_all(
        *[
            select(
                literal(group, Integer).label("grp"),
                (literal(flag, Boolean) if flag is not None else type_coerce(null(), Boolean)).label("flag"),
            )
            for group, flag in flags
        ]
    ).subquery("r")


async def test_a_group_counts_its_rows_where_the_condition_is_true_not_where_it_is_false_or_null(
    db_connection: AsyncConnection,
) -> None:
    r = _rows((1, True), (1, False), (1, None), (1, True), (2, False), (2, None))
    rows = (
        await db_connection.execute(
            select(r.c.grp, count_where(r.c.flag), count_where(~r.c.flag), func.count()).group_by(r.c.grp).order_by(r.c.grp)
        )
    ).all()
    assert [tuple(row) for row in rows] == [(1, 2, 1, 4), (2, 0, 1, 2)]


async def test_over_no_rows_the_count_is_zero_not_null(db_connection: AsyncConnection) -> None:
    r = _rows((1, True))
    figure = (await db_connection.execute(select(count_where(r.c.flag)).where(false()))).scalar_one()
    assert figure == 0
