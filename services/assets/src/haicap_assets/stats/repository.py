"""The statistics' queries: one GROUP BY each, on any date; nothing is counted in Python.

A statistic asked ``by_province`` is the same query grouped first by the province column its
``province`` filter reads, so each province's rows are what asking for that province gives; its
rows carry the code as ``province``, in province order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, Select, and_, case, cast, exists, func, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.aggregates import count_where
from haicap_shared.areas import restricts
from haicap_shared.codes import UnitLevel
from haicap_shared.filters import where_given
from haicap_shared.validity import in_force_on

from ..allocations.models import Purpose, allocation_table
from ..dispositions.models import DispositionStatus, disposition_table
from ..register.models import AssetKind, AssetStatus, asset_table, event_table

al, a, d, ev = allocation_table.c, asset_table.c, disposition_table.c, event_table.c


def _sum(column: ColumnElement[Any]) -> ColumnElement[int]:
    # NOTE: PostgreSQL sums a bigint as numeric; the cast keeps the figure an integer on both databases.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def _split(column: ColumnElement[Any], by_province: bool) -> list[ColumnElement[Any]]:
    """The grouping key that answers for every province at once (none: the figures of one province or of all)."""
    return [column] if by_province else []


def _named(split: list[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    return [column.label("province") for column in split]


def _held(
    as_of: date, province: str | None, visible: ColumnElement[bool], commune: str | None = None, *, with_asset: bool = False
) -> Select[Any]:
    """The allocations in force on ``as_of`` in the area; ``with_asset`` joins their asset, for a figure of its values.

    NOTE: the asset's kind is the allocation's copy (``allocation.asset_kind``): a province's count
    by kind reads its allocations alone, where the join read every asset of the country.
    """
    held = allocation_table.join(asset_table, a.id == al.asset_id) if with_asset else allocation_table
    stmt = select().select_from(held).where(in_force_on(allocation_table, as_of), visible)
    return where_given(stmt, (al.holder_province_code, province), (al.holder_commune_code, commune))


KIND = al.asset_kind.label("kind")
"""The kind of the asset held, from the allocation's copy of it."""


def summary_query(
    as_of: date, province: str | None, visible: ColumnElement[bool], commune: str | None = None, *, by_province: bool = False
) -> Select[Any]:
    split = _split(al.holder_province_code, by_province)
    general = and_(al.asset_kind == AssetKind.CAR, al.purpose == Purpose.GENERAL_WORK_CAR)
    specialised = and_(al.asset_kind == AssetKind.CAR, al.purpose == Purpose.SPECIALISED_CAR)
    # NOTE: counted by commune first (hashed: a few thousand groups for the country), then by kind and level: the
    # communes are the groups counted, where count(DISTINCT commune) sorted every allocation (the country's 300,000
    # spilled to disk: 0.86-0.96 s against 0.33-0.51 s)
    by_commune = (
        _held(as_of, province, visible, commune)
        .add_columns(
            *_named(split),
            KIND,
            al.holder_level,
            al.holder_commune_code.label("commune"),
            func.count().label("assets"),
            count_where(general).label("general_work_cars"),
            count_where(specialised).label("specialised_cars"),
        )
        .group_by(*split, al.asset_kind, al.holder_level, al.holder_commune_code)
        .subquery("by_commune")
    )
    c = by_commune.c
    outer = [c.province] if by_province else []
    return (
        select(
            *outer,
            c.kind,
            c.holder_level,
            _sum(c.assets).label("assets"),
            _sum(c.general_work_cars).label("general_work_cars"),
            _sum(c.specialised_cars).label("specialised_cars"),
            func.count(c.commune).label("communes"),
            func.count(case((c.general_work_cars > 0, c.commune))).label("communes_with_general_cars"),
        )
        .group_by(*outer, c.kind, c.holder_level)
        .order_by(*outer, c.kind, c.holder_level)
    )


async def summary(
    session: AsyncSession,
    as_of: date,
    province: str | None,
    visible: ColumnElement[bool],
    commune: str | None = None,
    *,
    by_province: bool = False,
) -> Sequence[Any]:
    stmt = summary_query(as_of, province, visible, commune, by_province=by_province)
    rows: Sequence[Any] = (await session.execute(stmt)).mappings().all()
    return rows


GROUPS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "level": (al.holder_level,),
    "unit": (al.holder_unit_id, al.holder_level, al.holder_commune_code),
    "holder": (al.holder_kind, al.holder_id, al.holder_name, al.holder_level),
}


async def holdings(
    session: AsyncSession, as_of: date, province: str | None, visible: ColumnElement[bool], group_by: str, kind: AssetKind | None
) -> Sequence[Any]:
    keys = GROUPS[group_by]
    stmt = _held(as_of, province, visible, with_asset=True).add_columns(
        KIND,
        *keys,
        func.count().label("assets"),
        _sum(a.original_value).label("original_value"),
        _sum(a.residual_value).label("residual_value"),
    )
    stmt = where_given(stmt, (al.asset_kind, kind))
    return (await session.execute(stmt.group_by(al.asset_kind, *keys).order_by(*keys, al.asset_kind))).mappings().all()


def step_on(as_of: date) -> ColumnElement[str]:
    """A plan's step on ``as_of``, from the dates of its steps."""
    return case(
        (d.executed_on <= as_of, literal(DispositionStatus.EXECUTED.value)),
        (and_(d.decided_on <= as_of, d.status == DispositionStatus.REJECTED), literal(DispositionStatus.REJECTED.value)),
        (d.decided_on <= as_of, literal(DispositionStatus.APPROVED.value)),
        (d.submitted_on <= as_of, literal(DispositionStatus.SUBMITTED.value)),
        else_=literal(DispositionStatus.PROPOSED.value),
    )


async def dispositions(
    session: AsyncSession,
    as_of: date,
    province: str | None,
    visible: ColumnElement[bool],
    kind: AssetKind | None,
    overdue_before: date,
    *,
    by_province: bool = False,
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The plans by form and step, and the overdue decisions' count (``plans``): one row, or one per province having any."""
    split = _split(d.province_code, by_province)
    step = step_on(as_of).label("step")
    # NOTE: the plan carries its asset's province and kind; the asset is joined only for the
    # caller's area. For the country, the join read all 300,000 assets: 75 -> 14 ms at 3 M people.
    plans = disposition_table.join(asset_table, a.id == d.asset_id) if restricts(visible) else disposition_table
    base = select().select_from(plans).where(d.proposed_on <= as_of, visible)
    base = where_given(base, (d.province_code, province), (d.asset_kind, kind))
    grouped = (
        base.add_columns(*_named(split), d.asset_kind, d.form, d.repurpose_to, d.priority_rank, step, func.count().label("plans"))
        .group_by(*split, d.asset_kind, d.form, d.repurpose_to, d.priority_rank, step)
        .order_by(*split, d.asset_kind, d.priority_rank, d.form, d.repurpose_to, step)
    )
    rows = (await session.execute(grouped)).mappings().all()
    undecided = or_(d.decided_on.is_(None), d.decided_on > as_of)
    overdue = (
        base.add_columns(*_named(split), func.count().label("plans"))
        .where(d.submitted_on < overdue_before, undecided)
        .group_by(*split)
        .order_by(*split)
    )
    return rows, (await session.execute(overdue)).mappings().all()


def status_on(as_of: date, province: str | None = None) -> Any:
    """Each asset's status on ``as_of`` (of the assets standing in ``province`` when given): its latest status-setting event's.

    NOTE: a province ranks its own status events, one range of their index by province (the
    event's copy of its asset's province, migration 0011): Hồ Chí Minh's 15,000 assets at 3 M
    people took 45 ms looked up asset by asset in the events' index, and ranking every event of
    the country 87-112 ms. The country's ranking stays one pass over every event: ranked in the
    index's order instead, it took 195 ms instead of 237 on a vacuumed database but 914 instead of
    590 just after an import, when PostgreSQL still reads each event's row to see it.
    """
    ranked = select(
        ev.asset_id,
        ev.status,
        func.row_number().over(partition_by=ev.asset_id, order_by=(ev.event_date.desc(), ev.id.desc())).label("rn"),
    ).where(ev.status.is_not(None), ev.event_date <= as_of)
    ranked_latest = where_given(ranked, (ev.province_code, province)).subquery()
    return select(ranked_latest.c.asset_id, ranked_latest.c.status).where(ranked_latest.c.rn == 1).subquery("status_on")


async def value(session: AsyncSession, as_of: date, province: str | None, visible: ColumnElement[bool]) -> Sequence[Any]:
    st = status_on(as_of, province)
    stmt = (
        select(
            st.c.status,
            a.kind,
            func.count().label("assets"),
            _sum(a.original_value).label("original_value"),
            _sum(a.residual_value).label("residual_value"),
        )
        .select_from(st.join(asset_table, a.id == st.c.asset_id))
        .where(visible)
        .group_by(st.c.status, a.kind)
        .order_by(st.c.status, a.kind)
    )
    stmt = where_given(stmt, (a.province_code, province))
    return (await session.execute(stmt)).mappings().all()


def standing_status_events(status: AssetStatus, as_of: date, province: str | None = None) -> Select[Any]:
    """The events that set ``status`` and are still their asset's latest status on ``as_of``: one per asset in that status.

    NOTE: the same status as :func:`status_on`'s, found from the other end: each event that set
    ``status`` is checked against its asset's latest status event (one step back in the events'
    index), instead of every status event of the country being ranked. The country's surplus at
    3 M people: 400 -> 140 ms on one core (30,000 surplus events of 359,000; bench/reports.py).
    """
    latest = event_table.alias("latest")
    latest_id = (
        select(latest.c.id)
        .where(latest.c.asset_id == ev.asset_id, latest.c.status.is_not(None), latest.c.event_date <= as_of)
        .order_by(latest.c.event_date.desc(), latest.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    standing = select(ev.asset_id).where(ev.status == status, ev.event_date <= as_of, ev.id == latest_id)
    return where_given(standing, (ev.province_code, province))


async def surplus_without_plan(
    session: AsyncSession,
    as_of: date,
    province: str | None,
    visible: ColumnElement[bool],
    kind: AssetKind | None,
    *,
    by_province: bool = False,
) -> Sequence[Any]:
    split = _split(a.province_code, by_province)
    surplus = standing_status_events(AssetStatus.SURPLUS, as_of, province).subquery("surplus")
    stmt = (
        select(*_named(split), a.kind, func.count().label("assets"))
        .select_from(surplus.join(asset_table, a.id == surplus.c.asset_id))
        .where(visible)
        .group_by(*split, a.kind)
        .order_by(*split, a.kind)
    )
    stmt = where_given(stmt, (a.province_code, province), (a.kind, kind))
    return (await session.execute(stmt)).mappings().all()


def _unplanned_gaps(as_of: date, province: str | None, visible: ColumnElement[bool]) -> Select[Any]:
    """What is held on ``as_of`` by a holder no longer in force, with no plan standing on that date."""
    planned = exists().where(
        d.asset_id == al.asset_id,
        d.proposed_on <= as_of,
        or_(d.status != DispositionStatus.REJECTED, d.decided_on > as_of),
    )
    return _held(as_of, province, visible).where(al.holder_valid_to < as_of, ~planned)


async def gaps(session: AsyncSession, as_of: date, province: str | None, visible: ColumnElement[bool]) -> Sequence[Any]:
    stmt = (
        _unplanned_gaps(as_of, province, visible)
        .add_columns(
            al.holder_kind,
            al.holder_id,
            al.holder_name,
            al.holder_level,
            al.holder_valid_to,
            KIND,
            func.count().label("assets"),
        )
        .group_by(al.holder_kind, al.holder_id, al.holder_name, al.holder_level, al.holder_valid_to, al.asset_kind)
        .order_by(al.holder_name, al.holder_id, al.asset_kind)
    )
    return (await session.execute(stmt)).mappings().all()


async def gaps_by_province(
    session: AsyncSession, as_of: date, province: str | None, visible: ColumnElement[bool]
) -> Sequence[Any]:
    """The gaps' assets by province (the holder's) and kind."""
    stmt = (
        _unplanned_gaps(as_of, province, visible)
        .add_columns(al.holder_province_code.label("province"), KIND, func.count().label("assets"))
        .group_by(al.holder_province_code, al.asset_kind)
        .order_by(al.holder_province_code, al.asset_kind)
    )
    return (await session.execute(stmt)).mappings().all()


def price_cap(common: int | None, seat_caps: Sequence[tuple[int, int, int | None]]) -> ColumnElement[Any] | None:
    """A car's price cap by its seats: that of the kind whose range holds them, else the common car's (none: no norm)."""
    if common is None:
        return None
    whens = [
        (a.seats.between(low, high), literal(cap, BigInteger) if cap is not None else null()) for low, high, cap in seat_caps
    ]
    return case(*whens, else_=literal(common, BigInteger)) if whens else literal(common, BigInteger)


async def general_cars_by_commune(
    session: AsyncSession,
    as_of: date,
    province: str | None,
    visible: ColumnElement[bool],
    cap: ColumnElement[Any] | None,
    *,
    by_province: bool = False,
) -> Sequence[Any]:
    # NOTE: a kind without a cap of its own (null) is never over it; with no norm in force, no car is.
    over = count_where(a.original_value > cap) if cap is not None else literal(0, Integer)
    split = _split(al.holder_province_code, by_province)
    stmt = (
        _held(as_of, province, visible, with_asset=cap is not None)
        .add_columns(*_named(split), al.holder_commune_code, func.count().label("cars"), over.label("over_price"))
        .where(al.holder_level == UnitLevel.COMMUNE, al.asset_kind == AssetKind.CAR, al.purpose == Purpose.GENERAL_WORK_CAR)
        .group_by(*split, al.holder_commune_code)
        .order_by(*split, al.holder_commune_code)
    )
    return (await session.execute(stmt)).mappings().all()
