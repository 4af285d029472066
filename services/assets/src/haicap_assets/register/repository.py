"""Every query on assets and their history, and the staging table of an import."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    RowMapping,
    Select,
    String,
    Table,
    Uuid,
    delete,
    func,
    insert,
    literal,
    select,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.filters import where_given
from haicap_shared.models import UtcDateTime, utcnow
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern
from haicap_shared.validity import still_open

from ..allocations.models import Allocation, allocation_table
from .models import HOLDER_COLUMNS, Asset, AssetKind, AssetStatus, EventKind, HolderKind, asset_table, event_table


@dataclass(frozen=True)
class AssetFilter:
    """The list's own filters (the caller's area is a separate condition)."""

    province: str | None = None
    commune: str | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    holder_kind: HolderKind | None = None
    holder_id: uuid.UUID | None = None
    holder_unit_id: uuid.UUID | None = None
    holder_commune: str | None = None
    plate: str | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = asset_table.c
        stmt = where_given(
            stmt,
            (c.province_code, self.province),
            (c.commune_code, self.commune),
            (c.kind, self.kind),
            (c.status, self.status),
            (c.holder_kind, self.holder_kind),
            (c.holder_id, self.holder_id),
            (c.holder_unit_id, self.holder_unit_id),
            (c.holder_commune_code, self.holder_commune),
            (c.plate, self.plate),
        )
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


ASSET_LIST_ORDER = (asset_table.c.code, asset_table.c.id)


async def page_of_assets(
    session: AsyncSession, filters: AssetFilter, in_area: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the assets that match ``filters`` within ``in_area``, by code, and the next page's cursor."""
    stmt = filters.apply(select(asset_table).where(in_area))
    return await fetch_page(session, stmt, order_by=ASSET_LIST_ORDER, limit=limit, cursor=cursor)


async def get_asset(session: AsyncSession, asset_id: uuid.UUID) -> Asset | None:
    return await session.get(Asset, asset_id)


async def code_taken(session: AsyncSession, province_code: str, code: str) -> bool:
    stmt = select(asset_table.c.id).where(asset_table.c.province_code == province_code, asset_table.c.code == code)
    return (await session.execute(stmt.limit(1))).first() is not None


async def open_allocation(session: AsyncSession, asset_id: uuid.UUID) -> Allocation | None:
    stmt = select(Allocation).where(Allocation.asset_id == asset_id, still_open(Allocation))
    return (await session.scalars(stmt)).first()


async def record_event(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    kind: EventKind,
    on: date,
    *,
    status: AssetStatus | None = None,
    allocation_id: uuid.UUID | None = None,
    disposition_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(event_table).values(
            asset_id=asset_id,
            event_date=on,
            occurred_at=utcnow(),
            kind=kind,
            status=status,
            allocation_id=allocation_id,
            disposition_id=disposition_id,
            actor=principal.username,
            detail=detail,
        )
    )


async def record_events(
    session: AsyncSession, principal: Principal, kind: EventKind, on: date, steps: Sequence[dict[str, Any]]
) -> None:
    """The same step of many assets' histories, in one statement; each of ``steps`` names its ``asset_id``
    and may give ``status``, ``allocation_id``, ``disposition_id`` and ``detail``."""
    if not steps:
        return
    common = {"event_date": on, "occurred_at": utcnow(), "kind": kind, "actor": principal.username}
    fields = ("status", "allocation_id", "disposition_id", "detail")
    await session.execute(
        insert(event_table), [common | {"asset_id": s["asset_id"]} | {f: s.get(f) for f in fields} for s in steps]
    )


async def history(session: AsyncSession, asset_id: uuid.UUID) -> tuple[Sequence[Any], Sequence[Any]]:
    events = (
        await session.execute(select(event_table).where(event_table.c.asset_id == asset_id).order_by(event_table.c.id))
    ).all()
    allocations = (
        await session.execute(
            select(allocation_table)
            .where(allocation_table.c.asset_id == asset_id)
            .order_by(allocation_table.c.valid_from, allocation_table.c.created_at)
        )
    ).all()
    return events, allocations


# The staging table of an import: one per import, under its own name.

STAGED_ASSET_COLUMNS = (
    "id",
    "kind",
    "code",
    "name",
    "search_key",
    "province_code",
    "commune_code",
    "address",
    "land_area_m2",
    "floor_area_m2",
    "year_built",
    "condition",
    "land_use_certificate",
    "plate",
    "seats",
    "model_year",
    "original_value",
    "residual_value",
    "status",
)


def _staging_table(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("row_number", Integer, nullable=False),
        Column("id", Uuid, nullable=False),
        Column("allocation_id", Uuid, nullable=False),
        Column("kind", String(20), nullable=False),
        Column("code", String(50), nullable=False),
        Column("name", String(300), nullable=False),
        Column("search_key", String(300), nullable=False),
        Column("province_code", String(2), nullable=False),
        Column("commune_code", String(5)),
        Column("address", String(500)),
        Column("land_area_m2", Float),
        Column("floor_area_m2", Float),
        Column("year_built", Integer),
        Column("condition", String(20)),
        Column("land_use_certificate", String(100)),
        Column("plate", String(20)),
        Column("seats", Integer),
        Column("model_year", Integer),
        Column("original_value", BigInteger),
        Column("residual_value", BigInteger),
        Column("status", String(20), nullable=False),
        Column("holder_kind", String(10), nullable=False),
        Column("holder_id", Uuid, nullable=False),
        Column("holder_name", String(300), nullable=False),
        Column("holder_province_code", String(2), nullable=False),
        Column("holder_commune_code", String(5)),
        Column("holder_level", String(10), nullable=False),
        Column("holder_unit_id", Uuid, nullable=False),
        Column("holder_valid_to", Date),
        Column("purpose", String(30), nullable=False),
        Column("valid_from", Date, nullable=False),
        Column("decision_number", String(100)),
        # NOTE: what was written is read back in row order, a batch at a time (audit and events).
        Index(f"{name}_row_number", "row_number"),
        prefixes=["TEMPORARY"],
    )


async def create_staging(session: AsyncSession) -> Table:
    """A new staging table for one import, in the request's transaction."""
    # NOTE: a temporary table per import (its own name), so concurrent imports never meet
    # and PostgreSQL writes no WAL for it. No try/finally around it: when a step fails the
    # request's transaction is rolled back, and the table's creation with it.
    staging = _staging_table(f"asset_staging_{uuid.uuid4().hex[:12]}")
    connection = await session.connection()
    await connection.run_sync(lambda sync: staging.create(sync))
    return staging


async def drop_staging(session: AsyncSession, staging: Table) -> None:
    connection = await session.connection()
    await connection.run_sync(lambda sync: staging.drop(sync))


async def stage(session: AsyncSession, staging: Table, records: list[dict[str, Any]]) -> None:
    """Add checked rows to the staging table (PostgreSQL: ``COPY``; SQLite: one batched insert)."""
    if not records:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        names = [c.name for c in staging.columns]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            staging.name, records=[tuple(r[n] for n in names) for r in records], columns=names
        )
        return
    await session.execute(insert(staging), records)


def _refusals(staging: Table) -> tuple[Select[Any], Select[Any]]:
    """The staged rows whose code appears on an earlier row, and those whose code is already recorded."""
    s = staging.c
    first = func.row_number().over(partition_by=(s.province_code, s.code), order_by=s.row_number).label("nth")
    ranked = select(s.row_number, s.code, first).subquery()
    repeated = select(ranked.c.row_number, ranked.c.code).where(ranked.c.nth > 1)
    a = asset_table.c
    taken = select(s.row_number, s.code).join(asset_table, (a.province_code == s.province_code) & (a.code == s.code))
    return repeated, taken


def _refused_rows(staging: Table) -> Select[Any]:
    repeated, taken = _refusals(staging)
    both = union(repeated, taken).subquery()
    return select(both.c.row_number).distinct()


@dataclass(frozen=True)
class StagedRefusals:
    """How many staged rows have a code repeated or taken, and the first few (row number, code) of each."""

    count: int
    repeated: Sequence[tuple[int, str]]
    taken: Sequence[tuple[int, str]]


async def staged_refusals(session: AsyncSession, staging: Table, limit: int) -> StagedRefusals:
    """The staged rows refused for their code: counted, and the first ``limit`` of each kind listed."""
    repeated, taken = _refusals(staging)
    listed = []
    for query in (repeated, taken):
        ordered = query.order_by(query.selected_columns[0]).limit(limit)
        listed.append([(int(number), str(code)) for number, code in (await session.execute(ordered)).all()])
    count = int((await session.execute(select(func.count()).select_from(_refused_rows(staging).subquery()))).scalar_one())
    return StagedRefusals(count, listed[0], listed[1])


async def drop_refused(session: AsyncSession, staging: Table) -> None:
    """Partial import: the staged rows refused for their code are not written."""
    await session.execute(delete(staging).where(staging.c.row_number.in_(_refused_rows(staging))))


async def write_staged(session: AsyncSession, staging: Table, actor: str) -> int:
    """Write every staged row as an asset, its allocation and its first history event; how many."""
    s = staging.c
    count = int((await session.execute(select(func.count()).select_from(staging))).scalar_one())
    now = literal(utcnow(), UtcDateTime())
    holder = [s[c] for c in HOLDER_COLUMNS]
    asset_select = select(*(s[c] for c in STAGED_ASSET_COLUMNS), *holder, now, now, literal(1))
    await session.execute(
        insert(asset_table).from_select(
            [*STAGED_ASSET_COLUMNS, *HOLDER_COLUMNS, "created_at", "updated_at", "version"], asset_select
        )
    )
    allocation_select = select(s.allocation_id, s.id, s.purpose, s.valid_from, s.decision_number, *holder, now, now, literal(1))
    allocation_columns = ["id", "asset_id", "purpose", "valid_from", "decision_number", *HOLDER_COLUMNS]
    await session.execute(
        insert(allocation_table).from_select([*allocation_columns, "created_at", "updated_at", "version"], allocation_select)
    )
    event_select = select(s.id, s.valid_from, now, literal(EventKind.REGISTERED.value), s.status, s.allocation_id, literal(actor))
    await session.execute(
        insert(event_table).from_select(
            ["asset_id", "event_date", "occurred_at", "kind", "status", "allocation_id", "actor"], event_select
        )
    )
    return count


async def written_batch(
    session: AsyncSession, staging: Table, after_row: int, limit: int
) -> tuple[Sequence[RowMapping], Sequence[RowMapping], int | None]:
    """The assets and allocations written from the staged rows after ``after_row`` (at most ``limit``, in file
    order), and the last row number read (None when there are no more)."""
    s = staging.c
    numbers = select(s.row_number).where(s.row_number > after_row).order_by(s.row_number).limit(limit).subquery()
    last = (await session.execute(select(func.max(numbers.c.row_number)))).scalar_one_or_none()
    if last is None:
        return [], [], None
    window = (s.row_number > after_row) & (s.row_number <= last)
    assets = (
        (await session.execute(select(asset_table).join(staging, s.id == asset_table.c.id).where(window).order_by(s.row_number)))
        .mappings()
        .all()
    )
    allocations = (
        (
            await session.execute(
                select(allocation_table)
                .join(staging, s.allocation_id == allocation_table.c.id)
                .where(window)
                .order_by(s.row_number)
            )
        )
        .mappings()
        .all()
    )
    return assets, allocations, int(last)
