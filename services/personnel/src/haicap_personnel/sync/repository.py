"""Every query of the national sync: changes, their intake from the outbox, the send queue, exchanges, calendar days."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, RowMapping, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.events import destinations as event_destinations
from haicap_shared.events.repository import events_after, latest_sequence
from haicap_shared.events.tables import EventTables
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from ..tables import metadata
from .models import CalendarDay, ChangeStatus, DossierChange, calendar_day_table, dossier_change_table, sync_exchange_table

CHANGE_ORDER = (dossier_change_table.c.due_date, dossier_change_table.c.id)
EXCHANGE_ORDER = (sync_exchange_table.c.started_at, sync_exchange_table.c.id)
NOT_DONE = (ChangeStatus.PENDING_VERIFICATION, ChangeStatus.RETURNED, ChangeStatus.QUEUED, ChangeStatus.REJECTED)
"""A change in these statuses has not reached the national side (``sent`` is a file handed over)."""


# --- the intake: the outbox after the sync's cursor ----------------------------------------


async def claim_intake(
    session: AsyncSession, tables: EventTables, name: str, *, replica: str, now: datetime, lease_until: datetime
) -> int | None:
    """Lease the sync's destination (its cursor in the outbox) to this replica; its cursor, or None when another holds it."""
    await event_destinations.ensure_destination(session, tables, name, now)
    d = tables.destination
    stmt = select(d.c.delivered_through).where(d.c.name == name, or_(d.c.lease_until.is_(None), d.c.lease_until < now))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    cursor = await session.scalar(stmt)
    if cursor is None:
        return None
    await session.execute(update(d).where(d.c.name == name).values(leased_by=replica, lease_until=lease_until))
    return int(cursor)


async def intake_position(session: AsyncSession, tables: EventTables, name: str) -> tuple[int | None, int]:
    """How far the sync's intake has read the outbox (None before its first turn), and the newest event."""
    d = tables.destination
    through = await session.scalar(select(d.c.delivered_through).where(d.c.name == name))
    return (None if through is None else int(through)), await latest_sequence(session, tables)


async def dossier_events(
    session: AsyncSession, tables: EventTables, after: int, kinds: Collection[str], limit: int
) -> tuple[Sequence[Row[Any]], int]:
    """The outbox rows of ``kinds`` after ``after`` (at most ``limit``), and the sequence the cursor may move to."""
    latest = await latest_sequence(session, tables)
    rows = await events_after(
        session, tables, after, limit=limit, condition=tables.outbox.c.aggregatetype.in_(list(kinds)), through=latest
    )
    # NOTE: fewer than asked: every event up to ``latest`` was seen (a later commit gets a larger number).
    through = int(rows[-1].sequence) if len(rows) == limit else latest
    return rows, max(through, after)


async def move_intake(
    session: AsyncSession, tables: EventTables, name: str, *, replica: str, through: int, now: datetime, release: bool
) -> bool:
    """Move the cursor (only while this replica holds the lease); False when the lease was lost."""
    values: dict[str, Any] = {"delivered_through": through, "updated_at": now}
    if release:
        values |= {"leased_by": None, "lease_until": None}
    return await event_destinations.fenced_update(session, tables, name, replica, **values)


async def release_intake(session: AsyncSession, tables: EventTables, replica: str, now: datetime) -> None:
    await event_destinations.release_leases(session, tables, replica, now)


async def insert_changes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New changes; one made from the same event before (a turn run twice) is left as it is."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(dossier_change_table)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["event_sequence"]), list(rows))


# --- the send queue ----------------------------------------------------------------------------


async def claim_due(session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int) -> Sequence[RowMapping]:
    """Queued changes whose time has come (the oldest due first), leased to this turn until ``lease_until``."""
    c = dossier_change_table.c
    stmt = (
        select(c.id)
        .where(c.status == ChangeStatus.QUEUED, or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
        .order_by(c.due_date, c.event_sequence)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list((await session.execute(stmt)).scalars())
    if not ids:
        return []
    # NOTE: the lease is the next attempt's time: another replica skips them until it passes.
    await session.execute(
        update(dossier_change_table).where(c.id.in_(ids)).values(next_attempt_at=lease_until, version=c.version + 1)
    )
    rows = (await session.execute(select(dossier_change_table).where(c.id.in_(ids)))).mappings().all()
    order = {change_id: i for i, change_id in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row["id"]])


async def queued_waiting(session: AsyncSession, now: datetime) -> bool:
    c = dossier_change_table.c
    stmt = select(c.id).where(c.status == ChangeStatus.QUEUED, or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
    return await session.scalar(stmt.limit(1)) is not None


async def national_ids(session: AsyncSession, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each person's national id, in full (the national record's key)."""
    person = metadata.tables["person"]
    rows = await session.execute(select(person.c.id, person.c.national_id).where(person.c.id.in_(list(person_ids))))
    return {row.id: row.national_id for row in rows}


async def current_rows(session: AsyncSession, kind: str, record_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The records of a dossier kind as they stand now (a deleted one is absent)."""
    table = metadata.tables.get(kind)
    if table is None or not record_ids:
        return {}
    rows = (await session.execute(select(table).where(table.c.id.in_(list(record_ids))))).mappings()
    return {row["id"]: dict(row) for row in rows}


async def apply_outcomes(session: AsyncSession, updates: Sequence[dict[str, Any]]) -> None:
    """Each change's new status and times (``updates``: one dict per change, ``change_id`` and the same keys for all)."""
    if not updates:
        return
    c = dossier_change_table.c
    # NOTE: the other keys of each dict become the SET clause (an executemany); the version moves, so ETags change.
    stmt = update(dossier_change_table).where(c.id == bindparam("change_id")).values(version=c.version + 1)
    await session.execute(stmt, list(updates))


async def insert_exchanges(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(sync_exchange_table), [{"id": uuid.uuid4(), "version": 1, **row} for row in rows])


# --- the API -----------------------------------------------------------------------------------


async def page_changes(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    status: ChangeStatus | None,
    person_id: uuid.UUID | None,
    province: str | None,
    commune: str | None,
    due_before: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    c = dossier_change_table.c
    stmt = select(dossier_change_table).where(area)
    stmt = where_given(stmt, (c.status, status), (c.person_id, person_id), (c.province_code, province), (c.commune_code, commune))
    if due_before is not None:
        stmt = stmt.where(c.due_date < due_before)
    return await fetch_page(session, stmt, order_by=CHANGE_ORDER, limit=limit, cursor=cursor)


async def get_change(session: AsyncSession, change_id: uuid.UUID) -> DossierChange | None:
    return await session.get(DossierChange, change_id)


async def changes_by_ids(session: AsyncSession, ids: Collection[uuid.UUID]) -> Sequence[DossierChange]:
    stmt = (
        select(DossierChange)
        .where(DossierChange.id.in_(list(ids)))
        .order_by(DossierChange.due_date, DossierChange.event_sequence)
    )
    return (await session.scalars(stmt)).all()


async def reopenable(session: AsyncSession, person_id: uuid.UUID) -> Sequence[DossierChange]:
    """A person's changes not yet sent (queued, or waiting for a retry)."""
    stmt = select(DossierChange).where(DossierChange.person_id == person_id, DossierChange.status == ChangeStatus.QUEUED)
    return (await session.scalars(stmt.order_by(DossierChange.event_sequence))).all()


async def page_exchanges(
    session: AsyncSession, *, adapter: str | None, outcome: str | None, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    c = sync_exchange_table.c
    stmt = where_given(select(sync_exchange_table), (c.adapter, adapter), (c.outcome, outcome))
    return await fetch_page(session, stmt, order_by=EXCHANGE_ORDER, limit=limit, cursor=cursor)


async def status_counts(session: AsyncSession) -> dict[str, int]:
    c = dossier_change_table.c
    rows = await session.execute(select(c.status, func.count()).group_by(c.status))
    return {str(getattr(status, "value", status)): int(count) for status, count in rows}


async def oldest_queued(session: AsyncSession) -> datetime | None:
    c = dossier_change_table.c
    found: datetime | None = await session.scalar(select(func.min(c.verified_at)).where(c.status == ChangeStatus.QUEUED))
    return found


async def overdue_count(session: AsyncSession, today: date) -> int:
    c = dossier_change_table.c
    stmt = select(func.count()).where(c.status.in_(list(NOT_DONE)), c.due_date < today)
    return int(await session.scalar(stmt) or 0)


# --- calendar days -----------------------------------------------------------------------------


async def calendar_overrides(session: AsyncSession, start: date, end: date) -> dict[date, bool]:
    """The admin's days between ``start`` and ``end`` (inclusive): ``{day: working}``."""
    c = calendar_day_table.c
    rows = await session.execute(select(c.day, c.working).where(c.day >= start, c.day <= end))
    return {row.day: bool(row.working) for row in rows}


async def calendar_days(session: AsyncSession, start: date, end: date) -> Sequence[CalendarDay]:
    stmt = select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end).order_by(CalendarDay.day)
    return (await session.scalars(stmt)).all()


async def calendar_day(session: AsyncSession, day: date) -> CalendarDay | None:
    return await session.scalar(select(CalendarDay).where(CalendarDay.day == day))


async def delete_calendar_day(session: AsyncSession, day: CalendarDay) -> None:
    await session.execute(delete(calendar_day_table).where(calendar_day_table.c.id == day.id))
