"""The relay in process: leases between replicas, NATS JetStream publishing, back-off, pruning.

NATS runs at 127.0.0.1:4222 (HAICAP_TEST_NATS_URL to change it); each test publishes to a
stream and subjects of its own, deleted after.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import pytest_asyncio
from fastapi import FastAPI
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from haicap_shared.db import create_engine, is_sqlite
from haicap_shared.events import destinations as store
from haicap_shared.events.jetstream import MSG_ID_HEADER, stream_name, subject_of
from haicap_shared.events.relay import Relay, backoff_seconds
from haicap_shared.events.settings import EventSettings
from haicap_shared.models import utcnow
from haicap_shared.testing import ServiceMigrations, TestTokens

from .events_sample import MIGRATIONS, SERVICE, create_events_app, event_tables

NATS_URL = os.environ.get("HAICAP_TEST_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture(scope="session")
def service_migrations() -> ServiceMigrations:
    return ServiceMigrations(SERVICE, MIGRATIONS)


@pytest.fixture
def service_app(db_url: str, tmp_path: Path, test_tokens: TestTokens) -> FastAPI:
    return create_events_app(db_url, tmp_path, test_tokens.jwks_json)


@pytest_asyncio.fixture
async def nats_service() -> AsyncIterator[tuple[str, EventSettings]]:
    """A service name and settings whose stream and subjects belong to this test only."""
    service = f"relaytest{uuid.uuid4().hex[:10]}"
    settings = EventSettings(nats_url=NATS_URL, nats_stream_prefix="TEST", relay_idle_seconds=0.01, relay_batch_size=50)
    yield service, settings
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().delete_stream(stream_name("TEST", service))
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await connection.close()


async def parcels(client: httpx.AsyncClient, count: int, **fields: Any) -> list[dict[str, Any]]:
    response = await client.post("/parcels/bulk", json={"items": [{"name": f"p{i}", **fields} for i in range(count)]})
    assert response.status_code == 201, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def stream_messages(service: str, expected: int) -> list[Any]:
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        info = await js.stream_info(stream_name("TEST", service))
        subscription = await js.pull_subscribe(
            f"haicap.{service}.>", durable=None, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        found: list[Any] = []
        while len(found) < info.state.messages:
            found += await subscription.fetch(min(500, info.state.messages - len(found)), timeout=5)
        assert info.state.messages == expected
        return found
    finally:
        await connection.close()


async def test_events_go_to_jetstream_in_order_once_each(
    client: httpx.AsyncClient, service_app: FastAPI, nats_service: tuple[str, EventSettings]
) -> None:
    service, settings = nats_service
    created = await parcels(client, 120, province_code="04")
    await parcels(client, 3)
    relay = Relay(service_app.state.database.sessionmaker, service_app.state.event_tables, service, settings, replica="a")
    await relay.run_until_idle()

    messages = await stream_messages(service, 123)
    events = [json.loads(m.data) for m in messages]
    assert [e["data"]["record"]["id"] for e in events[:120]] == [p["id"] for p in created]
    assert [int(e["sequence"]) for e in events] == sorted(int(e["sequence"]) for e in events)
    assert {m.subject for m in messages[:120]} == {f"haicap.{service}.04.parcel.created"}
    assert {m.subject for m in messages[120:]} == {f"haicap.{service}.national.parcel.created"}
    assert all(m.headers[MSG_ID_HEADER] == e["id"] for m, e in zip(messages, events, strict=True))

    # NOTE: a relay that sends again from an older cursor (it crashed before moving it) adds
    # nothing: JetStream drops a message id it has seen within the duplicate window.
    async with service_app.state.database.sessionmaker() as session:
        await session.execute(
            update(event_tables.destination).where(event_tables.destination.c.name == "nats").values(delivered_through=0)
        )
        await session.commit()
    await relay.run_until_idle()
    await relay.close()
    await stream_messages(service, 123)


async def test_one_replica_at_a_time_works_a_destination(
    client: httpx.AsyncClient, service_app: FastAPI, db_connection: AsyncConnection
) -> None:
    sessions = service_app.state.database.sessionmaker
    await client.post("/webhook-subscriptions", json={"url": "http://127.0.0.1:9/none"})
    await parcels(client, 2)
    now = utcnow()
    async with sessions() as session:
        first = await store.claim_destination(
            session, event_tables, replica="a", now=now, lease_until=now + timedelta(seconds=30), nats=False
        )
        await session.commit()
    assert first is not None
    assert first.leased_by == "a"
    async with sessions() as session:
        second = await store.claim_destination(
            session, event_tables, replica="b", now=now, lease_until=now + timedelta(seconds=30), nats=False
        )
        # NOTE: B may not move A's cursor.
        assert not await store.fenced_update(session, event_tables, first.name, "b", delivered_through=10**9)
        await session.commit()
    assert second is None

    # NOTE: once A's lease has run out (A was killed), B takes the destination, and A's late writes change nothing.
    later = now + timedelta(seconds=31)
    async with sessions() as session:
        taken = await store.claim_destination(
            session, event_tables, replica="b", now=later, lease_until=later + timedelta(seconds=30), nats=False
        )
        assert taken is not None
        assert taken.leased_by == "b"
        assert not await store.fenced_update(session, event_tables, first.name, "a", delivered_through=10**9)
        await session.commit()
    cursor = await db_connection.scalar(select(event_tables.destination.c.delivered_through))
    assert cursor == first.delivered_through


def test_back_off_doubles_with_full_jitter_up_to_the_cap() -> None:
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (5, 32.0), (30, 3600.0), (200, 3600.0)):
        delays = [backoff_seconds(attempt, 2.0, 3600.0) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2


def test_subjects_name_the_service_province_and_short_type() -> None:
    event = {"type": "vn.gov.haicap.personnel.placement.created", "provincecode": "04"}
    assert subject_of("personnel", event) == "haicap.personnel.04.placement.created"
    assert subject_of("org-structure", {"type": "vn.gov.haicap.org.unit.merged", "provincecode": None}) == (
        "haicap.org-structure.national.unit.merged"
    )


async def test_the_relay_prunes_events_past_the_retention(
    client: httpx.AsyncClient, service_app: FastAPI, db_connection: AsyncConnection
) -> None:
    await parcels(client, 3)
    outbox = event_tables.outbox
    sequences = list((await db_connection.scalars(select(outbox.c.sequence).order_by(outbox.c.sequence))).all())
    await db_connection.execute(
        update(outbox).where(outbox.c.sequence <= sequences[1]).values(occurred_at=utcnow() - timedelta(days=91))
    )
    relay = Relay(service_app.state.database.sessionmaker, event_tables, "sample", EventSettings(), replica="a")
    assert not await relay.step()
    await relay.close()
    assert list((await db_connection.scalars(select(outbox.c.sequence))).all()) == sequences[2:]
    pruned = await db_connection.scalar(select(event_tables.feed_state.c.pruned_through))
    assert pruned == sequences[1]


async def test_an_idle_relay_looks_for_work_once_per_idle_wait_whatever_its_loops(db_url: str) -> None:
    """Four loops with nothing to do ask the database between them once per idle wait, not four times."""
    idle_seconds, watched_seconds = 0.1, 1.5
    engine = create_engine(db_url)  # NOTE: its own pool: the relay's loops run at once
    looks: list[str] = []

    def count_looks(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and event_tables.destination.name in statement:
            looks.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count_looks)
    settings = EventSettings(relay_idle_seconds=idle_seconds, relay_workers=4)
    relay = Relay(async_sessionmaker(engine), event_tables, "sample", settings, replica="idle", sqlite=is_sqlite(db_url))
    try:
        running = asyncio.create_task(relay.run())
        await asyncio.sleep(watched_seconds)
        relay.stop()
        await running
    finally:
        await engine.dispose()
    # NOTE: one look per idle wait, and one more at most at each end; four loops each looking on
    # their own made 4 times as many.
    assert 1 <= len(looks) <= watched_seconds / idle_seconds + 2, len(looks)
