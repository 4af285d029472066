"""The outbox's queries: events after a cursor, as CloudEvents (the feed's and the relay's one way in), and retention.

Every query of :mod:`.feed` and :mod:`.retention` is here; the conditions (area, types) come
from the callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, case, delete, func, select, true, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .catalogue import padded_sequence
from .tables import EventTables


def cloud_event(row: Row[Any]) -> dict[str, Any]:
    """The structured-mode CloudEvent of an outbox row (its payload with the sequence it got on insert)."""
    return {**row.payload, "sequence": padded_sequence(row.sequence)}


async def events_after(
    session: AsyncSession,
    tables: EventTables,
    after: int,
    *,
    limit: int,
    condition: ColumnElement[bool] | None = None,
    through: int | None = None,
) -> Sequence[Row[Any]]:
    """Outbox rows with a sequence above ``after`` (and at most ``through``, matching ``condition``), in sequence order."""
    outbox = tables.outbox
    stmt = select(outbox).where(outbox.c.sequence > after, condition if condition is not None else true())
    if through is not None:
        stmt = stmt.where(outbox.c.sequence <= through)
    return (await session.execute(stmt.order_by(outbox.c.sequence).limit(limit))).all()


async def latest_sequence(session: AsyncSession, tables: EventTables, condition: ColumnElement[bool] | None = None) -> int:
    """The newest sequence (matching ``condition``); 0 when there is none."""
    outbox = tables.outbox
    stmt = select(func.coalesce(func.max(outbox.c.sequence), 0)).where(condition if condition is not None else true())
    return int((await session.execute(stmt)).scalar_one())


FEED_STATE_ID = 1
"""The one row of ``event_feed_state`` (absent until the first pruning: nothing pruned)."""


async def pruned_through(session: AsyncSession, tables: EventTables) -> int:
    """The last sequence retention may have deleted (0: none); a cursor below it has missed events."""
    state = tables.feed_state
    stmt = select(state.c.pruned_through).where(state.c.id == FEED_STATE_ID)
    return int((await session.execute(stmt)).scalar_one_or_none() or 0)


async def last_sequence_before(session: AsyncSession, tables: EventTables, cutoff: datetime) -> int | None:
    """The newest sequence of an event that occurred before ``cutoff``; None when there is none."""
    outbox = tables.outbox
    found = (await session.execute(select(func.max(outbox.c.sequence)).where(outbox.c.occurred_at < cutoff))).scalar_one()
    return None if found is None else int(found)


async def sequences_between(session: AsyncSession, tables: EventTables, after: int, through: int, *, limit: int) -> list[int]:
    """The first ``limit`` sequences in the outbox above ``after`` and at most ``through``, in order."""
    outbox = tables.outbox
    stmt = (
        select(outbox.c.sequence)
        .where(outbox.c.sequence > after, outbox.c.sequence <= through)
        .order_by(outbox.c.sequence)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def delete_events(session: AsyncSession, tables: EventTables, sequences: Sequence[int]) -> int:
    """Delete these outbox rows (one batch: a bounded ``IN`` list); returns how many went."""
    outbox = tables.outbox
    result = await session.execute(delete(outbox).where(outbox.c.sequence.in_(sequences)))
    return int(getattr(result, "rowcount", 0) or 0)


async def raise_pruned_through(session: AsyncSession, tables: EventTables, through: int) -> None:
    """Record that sequences up to ``through`` are pruned (never lowering what is recorded)."""
    state = tables.feed_state
    dialect = session.get_bind().dialect.name
    first = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(state).values(id=FEED_STATE_ID, pruned_through=0)
    # NOTE: the row exists from the first pruning on; two relays pruning at once must not both insert it.
    await session.execute(first.on_conflict_do_nothing(index_elements=[state.c.id]))
    await session.execute(
        update(state)
        .where(state.c.id == FEED_STATE_ID)
        .values(pruned_through=case((state.c.pruned_through < through, through), else_=state.c.pruned_through))
    )
