"""Retention: the outbox keeps events for ``HAICAP_EVENTS_RETENTION_DAYS`` (90 by default).

:func:`prune_events` deletes older events, the oldest first, in batches of bounded ``IN``
lists, and raises ``event_feed_state.pruned_through`` in the same transaction: a follower
whose cursor is below it has missed events and gets 410 ``cursor_expired`` from the feed
(it resynchronises from the lists, then follows from the latest sequence). The relay calls it
periodically (``prune_interval_seconds``).

Pruning goes by sequence: every event up to the newest one that occurred before the cutoff
goes, so "pruned through N" means exactly that no event up to N is left.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ..batching import BATCH_SIZE
from . import repository
from .tables import EventTables

MAX_ROWS_PER_CALL = 100_000
"""Most rows one call deletes, so one transaction stays bounded; call again while it returns this many."""


async def prune_events(
    session: AsyncSession,
    tables: EventTables,
    *,
    retention_days: int,
    now: datetime,
    max_rows: int = MAX_ROWS_PER_CALL,
) -> int:
    """Delete the events older than ``retention_days`` before ``now`` (at most ``max_rows``); returns how many.

    Flushes, never commits: the caller's transaction holds the deletions and the raised
    ``pruned_through`` together.
    """
    if retention_days < 1 or max_rows < 1:
        raise ValueError("retention is at least a day, and a pruning deletes at least one row")
    through = await repository.last_sequence_before(session, tables, now - timedelta(days=retention_days))
    if through is None:
        return 0
    deleted = seen = 0
    pruned = await repository.pruned_through(session, tables)
    while seen < max_rows:
        batch = await repository.sequences_between(session, tables, pruned, through, limit=min(BATCH_SIZE, max_rows - seen))
        if not batch:
            pruned = max(pruned, through)
            break
        deleted += await repository.delete_events(session, tables, batch)
        seen += len(batch)
        pruned = batch[-1]
    await repository.raise_pruned_through(session, tables, pruned)
    return deleted
