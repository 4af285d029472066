"""Every query on career events and their documents (a person's history, the import's bulk writes included)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.models import utcnow
from haicap_shared.paging import fetch_page

from ..people.models import person_table
from ..placements.models import placement_table
from ..streamlining.models import case_table
from .models import CareerEvent, Document, career_event_table, document_table
from .schemas import CareerEventFilter

CAREER_EVENT_LIST_ORDER = (career_event_table.c.effective_date, career_event_table.c.id)
# NOTE: rows a statement inserts at a time on SQLite (its bound-parameter limit is 32,766).
INSERT_BATCH = 1000


def _with_document() -> Select[Any]:
    """Career events with their document's size and type (an outer join: most have none)."""
    d = document_table.c
    return select(career_event_table, d.size.label("document_size"), d.content_type.label("document_content_type")).select_from(
        career_event_table.outerjoin(document_table, d.sha256 == career_event_table.c.document_sha256)
    )


async def page_events(
    session: AsyncSession, area: ColumnElement[bool], filters: CareerEventFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the career events in ``area`` matching ``filters``, by effective date, and the cursor of the next."""
    c = career_event_table.c
    stmt = _with_document().where(area)
    stmt = where_given(
        stmt,
        (c.person_id, filters.person_id),
        (c.type, filters.type),
        (c.province_code, filters.province),
        (c.commune_code, filters.commune),
    )
    if filters.effective_from is not None:
        stmt = stmt.where(c.effective_date >= filters.effective_from)
    if filters.effective_to is not None:
        stmt = stmt.where(c.effective_date <= filters.effective_to)
    return await fetch_page(session, stmt, order_by=CAREER_EVENT_LIST_ORDER, limit=limit, cursor=cursor)


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> CareerEvent | None:
    return await session.get(CareerEvent, event_id)


async def get_document(session: AsyncSession, sha256: str) -> Document | None:
    return await session.get(Document, sha256)


async def add_document(session: AsyncSession, sha256: str, size: int, content_type: str) -> None:
    """The document's row, unless it is there already (two requests attaching the same new file at once)."""
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(document_table).values(sha256=sha256, size=size, content_type=content_type, created_at=utcnow())
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]))


async def person_events(session: AsyncSession, person_id: uuid.UUID) -> Sequence[CareerEvent]:
    """The person's career events by effective date (one range scan of ``(person_id, effective_date)``)."""
    stmt = (
        select(CareerEvent)
        .where(CareerEvent.person_id == person_id)
        .order_by(CareerEvent.effective_date, CareerEvent.created_at, CareerEvent.id)
    )
    return (await session.scalars(stmt)).all()


async def records_made_by(session: AsyncSession, event_id: uuid.UUID) -> bool:
    """Whether a placement or a streamlining case names this event as the one that made it."""
    for linked in (placement_table, case_table):
        stmt = select(linked.c.id).where(linked.c.career_event_id == event_id).limit(1)
        if (await session.execute(stmt)).first() is not None:
            return True
    return False


async def delete_event(session: AsyncSession, event: CareerEvent) -> None:
    await session.delete(event)
    await session.flush()


async def event_rows(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    """These events' rows as they are now (Core; after a bulk write, for its events)."""
    found: list[RowMapping] = []
    for batch in in_batches(ids):
        found.extend((await session.execute(_with_document().where(career_event_table.c.id.in_(batch)))).mappings().all())
    return found


# --- bulk writes: the import and a bulk re-placement's transfers ----------------------------


async def people_by_national_id(session: AsyncSession, numbers: Sequence[str]) -> dict[str, RowMapping]:
    """The people with these national ids: what an event's row needs of them (id, birth date, category, area)."""
    p = person_table.c
    columns = (p.id, p.national_id, p.birth_date, p.category, p.agency_id, p.province_code, p.commune_code, p.agency_level)
    found: dict[str, RowMapping] = {}
    for batch in in_batches(numbers):
        stmt = select(*columns, p.unit_id, p.agency_valid_to).where(p.national_id.in_(batch))
        for row in (await session.execute(stmt)).mappings():
            found[row["national_id"]] = row
    return found


async def people_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RowMapping]:
    """The people with these ids (as :func:`people_by_national_id`)."""
    p = person_table.c
    columns = (p.id, p.national_id, p.birth_date, p.category, p.agency_id, p.province_code, p.commune_code, p.agency_level)
    found: dict[uuid.UUID, RowMapping] = {}
    for batch in in_batches(ids):
        stmt = select(*columns, p.unit_id, p.agency_valid_to).where(p.id.in_(batch))
        for row in (await session.execute(stmt)).mappings():
            found[row["id"]] = row
    return found


async def on_postgresql(session: AsyncSession) -> bool:
    """Whether rows can go in through COPY (PostgreSQL) or as batched inserts (SQLite)."""
    return (await session.connection()).dialect.name == "postgresql"


async def insert_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New career events written in bulk: COPY on PostgreSQL, batched Core inserts elsewhere.

    NOTE: COPY runs on the driver's connection, inside the request's transaction; every row
    carries every column (the import and the transfers build them whole).
    """
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # NOTE: the driver begins the transaction lazily; COPY must run inside it.
        await connection.execute(text("SELECT 1"))
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        columns = [c.name for c in career_event_table.columns]
        records = [tuple(_copy_value(row.get(name)) for name in columns) for row in rows]
        await raw.copy_records_to_table(career_event_table.name, records=records, columns=columns)
        return
    for batch in in_batches(rows, INSERT_BATCH):
        await session.execute(career_event_table.insert(), batch)


def _copy_value(value: Any) -> Any:
    """A value as asyncpg's binary COPY takes it (enums as their text)."""
    return value.value if hasattr(value, "value") and not isinstance(value, (str, int)) else value


async def event_people(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Event id -> its person's id, for those of these events that exist."""
    c = career_event_table.c
    found: dict[uuid.UUID, uuid.UUID] = {}
    for batch in in_batches(ids):
        found.update({row.id: row.person_id for row in await session.execute(select(c.id, c.person_id).where(c.id.in_(batch)))})
    return found
