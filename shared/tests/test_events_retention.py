"""Retention: old events deleted in bounded batches, and the feed's cursor floor raised with them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from haicap_shared.events import repository
from haicap_shared.events.retention import prune_events
from haicap_shared.models import utcnow
from haicap_shared.testing import ServiceMigrations, TestTokens, assert_problem

from .events_sample import MIGRATIONS, SERVICE, create_events_app, event_tables


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return create_events_app(db_url, tmp_path, test_tokens.jwks_json)


async def test_pruning_goes_oldest_first_in_bounded_calls(client: httpx.AsyncClient, db_connection: AsyncConnection) -> None:
    outbox = event_tables.outbox
    for _ in range(2):
        response = await client.post("/parcels/bulk", json={"items": [{"name": f"lot {n}"} for n in range(600)]})
        assert response.status_code == 201
    sequences = list((await db_connection.execute(select(outbox.c.sequence).order_by(outbox.c.sequence))).scalars())
    assert len(sequences) == 1200
    now = utcnow()
    old = sequences[1099]
    await db_connection.execute(update(outbox).where(outbox.c.sequence <= old).values(occurred_at=now - timedelta(days=30)))

    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint") as session:

        async def prune(**options: int) -> tuple[int, int]:
            deleted = await prune_events(session, event_tables, retention_days=options.pop("days", 20), now=now, **options)
            return deleted, await repository.pruned_through(session, event_tables)

        # Nothing older than the retention: nothing goes, nothing is recorded.
        assert await prune(days=31) == (0, 0)
        assert await prune(max_rows=700) == (700, sequences[699])
        assert await prune(max_rows=700) == (400, old)
        assert await prune() == (0, old)
        with pytest.raises(ValueError, match="at least"):
            await prune(days=0)
        await session.commit()
    left = await db_connection.scalar(select(func.count()).select_from(outbox))
    assert left == 100
    assert_problem(await client.get("/events", params={"after": old - 1}), 410, "cursor_expired")
    feed = (await client.get("/events", params={"after": old, "limit": 1000})).json()
    assert [int(event["sequence"]) for event in feed["events"]] == sequences[1100:]


async def test_the_recorded_floor_never_goes_down(db_connection: AsyncConnection) -> None:
    async with AsyncSession(bind=db_connection, join_transaction_mode="create_savepoint") as session:
        await repository.raise_pruned_through(session, event_tables, 40)
        await repository.raise_pruned_through(session, event_tables, 25)
        assert await repository.pruned_through(session, event_tables) == 40
        await repository.raise_pruned_through(session, event_tables, 41)
        assert await repository.pruned_through(session, event_tables) == 41
