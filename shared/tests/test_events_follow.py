"""Following the feed while others write: long-poll, and no event ever skipped by a follower.

These tests need commits that other connections see, so each gets a fresh database of its
own (SQLite file or PostgreSQL database), migrated, and the app runs on it as in production.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.db import Database
from haicap_shared.events.outbox import OUTBOX_LOCK_KEY
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.testing import TestTokens, create_postgres_database, drop_postgres_database

from .events_sample import MIGRATIONS, create_events_app, event_tables

PARCEL_CREATED = "vn.gov.haicap.sample.parcel.created"


@pytest_asyncio.fixture
async def fresh_db_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database for this test alone, whose commits are real."""
    if db_backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'events-follow.db'}"
    else:
        url = await create_postgres_database("haicap_test_events_follow")
    try:
        await upgrade_to_head(MIGRATIONS, url)
        yield url
    finally:
        if db_backend == "postgresql":
            await drop_postgres_database(url)


@pytest_asyncio.fixture
async def live_app(fresh_db_url: str, tmp_path: Path, test_tokens: TestTokens) -> AsyncIterator[FastAPI]:
    app = create_events_app(fresh_db_url, tmp_path, test_tokens.jwks_json)
    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture
async def live(live_app: FastAPI, test_tokens: TestTokens) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=test_tokens.headers()) as client:
        yield client


async def _create(client: httpx.AsyncClient, name: str, **fields: Any) -> str:
    response = await client.post("/parcels", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_waiting_read_answers_as_soon_as_an_event_is_committed(live: httpx.AsyncClient) -> None:
    waiting = asyncio.ensure_future(live.get("/events", params={"wait": 10}))
    await asyncio.sleep(0.8)
    assert not waiting.done()
    parcel = await _create(live, "new")
    written = time.monotonic()
    response = await waiting
    assert time.monotonic() - written < 2.0
    assert response.status_code == 200
    assert [event["partitionkey"] for event in response.json()["events"]] == [parcel]


async def test_a_wait_without_a_matching_event_ends_empty_holding_no_connection(
    live: httpx.AsyncClient, live_app: FastAPI
) -> None:
    started = time.monotonic()
    waiting = asyncio.ensure_future(live.get("/events", params={"wait": 1.5, "type": "vn.gov.haicap.sample.survey"}))
    await asyncio.sleep(0.2)
    await _create(live, "not a survey")
    database: Database = live_app.state.database
    held = []
    while not waiting.done():
        held.append(database.engine.pool.checkedout())  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
    response = await waiting
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 3.5
    feed = response.json()
    assert feed["events"] == []
    # The wait moved the cursor over the parcel it was not shown.
    assert feed["next_after"] == feed["latest_sequence"] > 0
    # Between its looks at the outbox (a few milliseconds each half second), it holds no connection.
    assert held.count(0) >= len(held) - 2, held


async def test_a_follower_never_misses_a_concurrent_commit(live: httpx.AsyncClient, live_app: FastAPI) -> None:
    writers, writes = 8, 6
    done = asyncio.Event()

    async def writer(n: int) -> None:
        for m in range(writes):
            await _create(live, f"{n}-{m}", province_code=f"{n % 3 + 1:02d}")

    seen: list[int] = []

    async def follower() -> None:
        after = 0
        while True:
            finished = done.is_set()
            feed = (await live.get("/events", params={"after": after, "limit": 5})).json()
            seen.extend(int(event["sequence"]) for event in feed["events"])
            after = feed["next_after"]
            if finished and not feed["events"]:
                return
            await asyncio.sleep(0.005)

    following = asyncio.ensure_future(follower())
    await asyncio.gather(*(writer(n) for n in range(writers)))
    done.set()
    await following
    database: Database = live_app.state.database
    async with database.sessionmaker() as session:
        committed = list((await session.execute(select(event_tables.outbox.c.sequence))).scalars())
    assert len(committed) == writers * writes
    assert seen == sorted(committed)


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
async def test_sequence_order_is_commit_order(live: httpx.AsyncClient, live_app: FastAPI) -> None:
    trail: AuditTrail = live_app.state.audit
    database: Database = live_app.state.database
    actor = system_principal("test")

    async def write(session: AsyncSession, name: str) -> None:
        record = {
            "id": str(uuid.uuid4()),
            "name": name,
            "owner_name": None,
            "area_m2": 1,
            "province_code": None,
            "commune_code": None,
            "agency_id": None,
            "version": 1,
        }
        await trail.record(session, actor, entity_type="parcel", entity_id=record["id"], action="create", after=record)

    async def feed(after: int) -> dict[str, Any]:
        body: dict[str, Any] = (await live.get("/events", params={"after": after})).json()
        return body

    async with database.sessionmaker() as first, database.sessionmaker() as second, database.engine.connect() as holder:
        await write(first, "first")
        await write(second, "second")
        # Events are numbered at commit under the outbox lock: while someone holds it, a commit waits.
        await holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": OUTBOX_LOCK_KEY})
        committing = asyncio.ensure_future(second.commit())
        await asyncio.sleep(0.5)
        assert not committing.done()
        assert await feed(0) == {"events": [], "next_after": 0, "latest_sequence": 0}
        await holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": OUTBOX_LOCK_KEY})
        await asyncio.wait_for(committing, 5)
        seen = await feed(0)
        # Written first, committed second: numbered in commit order.
        assert [event["data"]["record"]["name"] for event in seen["events"]] == ["second"]
        await first.commit()
    rest = await feed(seen["next_after"])
    assert [event["data"]["record"]["name"] for event in rest["events"]] == ["first"]
    assert int(rest["events"][0]["sequence"]) > seen["next_after"]
