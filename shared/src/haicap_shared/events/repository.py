"""Reading the outbox: events after a cursor, as CloudEvents (the feed's and the relay's one way in)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select, true
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
) -> Sequence[Row[Any]]:
    """Outbox rows with a sequence above ``after`` (matching ``condition``), in sequence order."""
    outbox = tables.outbox
    stmt = select(outbox).where(outbox.c.sequence > after, condition if condition is not None else true())
    return (await session.execute(stmt.order_by(outbox.c.sequence).limit(limit))).all()


async def latest_sequence(session: AsyncSession, tables: EventTables, condition: ColumnElement[bool] | None = None) -> int:
    """The newest sequence (matching ``condition``); 0 when there is none."""
    outbox = tables.outbox
    stmt = select(func.coalesce(func.max(outbox.c.sequence), 0)).where(condition if condition is not None else true())
    return int((await session.execute(stmt)).scalar_one())
