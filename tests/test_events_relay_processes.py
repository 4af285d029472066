"""The relay as real processes: 2,000 events to a webhook receiver process and to NATS JetStream.

The events are written through the audit trail's outbox (the service code path) into a database
migrated with the events sample's migrations, 10 per transaction, 40 updates for each of 50
records. The relay (``python -m haicap_shared.events.relay``) is SIGKILLed mid-way and started
again: the receiver's set of event ids is exactly the 2,000 (some twice: delivery is at least
once), each record's events arrive in commit order, and the stream holds each event once (its
message id). With two replicas at once (PostgreSQL), the same.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from haicap_shared.audit import AuditTrail
from haicap_shared.auth import system_principal
from haicap_shared.db import create_engine, new_metadata
from haicap_shared.events import destinations as store
from haicap_shared.events.catalogue import EventCatalogue, EventKind
from haicap_shared.events.jetstream import stream_name
from haicap_shared.events.outbox import Outbox
from haicap_shared.events.tables import define_event_tables
from haicap_shared.migrations import upgrade_to_head
from haicap_shared.models import define_audit_table, utcnow
from haicap_shared.testing import create_postgres_database, drop_postgres_database

from .stack_support import isolated_env

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "shared" / "tests" / "events_sample_migrations"
NATS_URL = os.environ.get("HAICAP_TEST_NATS_URL", "nats://127.0.0.1:4222")
EVENTS, RECORDS, PER_TRANSACTION = 2000, 50, 10
STREAM_PREFIX = "TEST"


def _receiver_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "haicap_test_webhook_receiver", ROOT / "shared" / "tests" / "webhook_receiver.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


receiver_module = _receiver_module()


class Parcel(BaseModel):
    id: uuid.UUID
    name: str
    province_code: str | None
    commune_code: str | None
    version: int


metadata = new_metadata()
audit_table = define_audit_table(metadata)
tables = define_event_tables(metadata)
CATALOGUE = EventCatalogue("sample", "/api/v1/sample", [EventKind("parcel", Parcel, "/api/v1/sample/parcels/{id}")])


async def _write_events(url: str) -> list[str]:
    """2,000 events of 50 parcels (a create, then updates), 10 per transaction; their ids in commit order."""
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    trail = AuditTrail(audit_table)
    trail.outbox = Outbox(tables.outbox, CATALOGUE, {}, public_base_url="http://127.0.0.1")
    principal = system_principal("relay-test")
    ids = [uuid.uuid4() for _ in range(RECORDS)]
    try:
        for start in range(0, EVENTS, PER_TRANSACTION):
            async with sessions() as session:
                for n in range(start, start + PER_TRANSACTION):
                    parcel_id, version = ids[n % RECORDS], n // RECORDS + 1
                    after = {
                        "id": str(parcel_id),
                        "name": f"p{n}",
                        "province_code": "04",
                        "commune_code": None,
                        "version": version,
                    }
                    await trail.record(
                        session,
                        principal,
                        entity_type="parcel",
                        entity_id=parcel_id,
                        action="create" if version == 1 else "update",
                        before=None if version == 1 else {**after, "version": version - 1},
                        after=after,
                    )
                await session.commit()
        async with sessions() as session:
            rows = await session.execute(tables.outbox.select().order_by(tables.outbox.c.sequence))
            return [str(row.id) for row in rows]
    finally:
        await engine.dispose()


async def _subscribe(url: str, receiver_url: str) -> None:
    engine = create_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            now = utcnow()
            values = {
                "id": uuid.uuid4(),
                "url": f"{receiver_url}/ok/relay",
                "description": "",
                "event_types": [],
                "province_code": None,
                "commune_code": None,
                "status": "active",
                "secret": "whsec_" + "A" * 43 + "=",
                "created_by": "test",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            await store.insert_subscription(session, tables, values, start=0)
            await session.commit()
    finally:
        await engine.dispose()


@contextmanager
def _database(backend: str, tmp_path: Path) -> Iterator[str]:
    url = (
        asyncio.run(create_postgres_database("relayproc"))
        if backend == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path / 'relay.db'}"
    )
    try:
        asyncio.run(upgrade_to_head(MIGRATIONS, url))
        yield url
    finally:
        if backend == "postgresql":
            asyncio.run(drop_postgres_database(url))


class RelayProcesses:
    def __init__(self, url: str, service: str, tmp_path: Path) -> None:
        self.url = url
        self.service = service
        self.tmp_path = tmp_path
        self.env = isolated_env(
            {
                "HAICAP_EVENTS_NATS_URL": NATS_URL,
                "HAICAP_EVENTS_NATS_STREAM_PREFIX": STREAM_PREFIX,
                "HAICAP_EVENTS_RELAY_LEASE_SECONDS": "2",
                "HAICAP_EVENTS_RELAY_BATCH_SIZE": "200",
                "HAICAP_EVENTS_RELAY_IDLE_SECONDS": "0.05",
            }
        )
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, replica: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"relay-{replica}.log").open("ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haicap_shared.events.relay",
                "--database-url",
                self.url,
                "--service",
                self.service,
                "--replica",
                replica,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.kill()
        process.wait(timeout=10)
        self.running.remove(process)

    def stop_all(self) -> None:
        """SIGTERM to every relay still running: each ends by itself, with 0."""
        running, self.running = self.running, []
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                assert process.wait(timeout=20) == 0, f"a relay ended with {process.returncode}"
            except subprocess.TimeoutExpired:
                process.kill()
                raise


def _wait(what: str, done: Callable[[], bool], within: float) -> float:
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within} s")
        time.sleep(0.2)
    return time.monotonic() - started


async def _stream(service: str) -> list[Any]:
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        subscription = await js.pull_subscribe(
            f"haicap.{service}.>", durable=None, config=ConsumerConfig(ack_policy=AckPolicy.NONE, max_ack_pending=-1)
        )
        found: list[Any] = []
        total = (await js.stream_info(stream_name(STREAM_PREFIX, service))).state.messages
        while len(found) < total:
            found += await subscription.fetch(min(1000, total - len(found)), timeout=5)
        return found
    finally:
        await connection.close()


async def _stream_count(service: str) -> int:
    connection = await nats.connect(NATS_URL)
    try:
        return int((await connection.jetstream().stream_info(stream_name(STREAM_PREFIX, service))).state.messages)
    except nats.js.errors.NotFoundError:
        return 0
    finally:
        await connection.close()


async def _destinations(url: str) -> tuple[int, list[tuple[str, int, str | None]]]:
    """The last event's sequence, and each destination's name, cursor and leaseholder."""
    engine = create_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            d = tables.destination
            rows = await session.execute(select(d.c.name, d.c.delivered_through, d.c.leased_by).order_by(d.c.name))
            last = await session.scalar(select(func.max(tables.outbox.c.sequence)))
            return int(last or 0), [(row.name, int(row.delivered_through), row.leased_by) for row in rows]
    finally:
        await engine.dispose()


async def _delete_stream(service: str) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().delete_stream(stream_name(STREAM_PREFIX, service))
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await connection.close()


def _assert_released_at_the_end(url: str) -> None:
    """Stopped by SIGTERM, the relays released their leases, both cursors at the last event."""
    last, destinations = asyncio.run(_destinations(url))
    assert [(cursor, holder) for _name, cursor, holder in destinations] == [(last, None), (last, None)]


def _assert_exactly_the_events_in_order(written: list[str], received: list[dict[str, Any]]) -> None:
    assert {e["id"] for e in received} == set(written)
    commit_order = {event_id: n for n, event_id in enumerate(written)}
    by_record: dict[str, list[int]] = {}
    for event in received:
        by_record.setdefault(event["partitionkey"], []).append(commit_order[event["id"]])
    assert len(by_record) == RECORDS
    for positions in by_record.values():
        firsts = list(dict.fromkeys(positions))
        assert firsts == sorted(firsts), "a record's events arrived out of commit order"


@contextmanager
def _scenario(backend: str, tmp_path: Path) -> Iterator[tuple[RelayProcesses, Any, list[str]]]:
    service = f"relayproc{uuid.uuid4().hex[:10]}"
    with ExitStack() as exits:
        url = exits.enter_context(_database(backend, tmp_path))
        receiver = exits.enter_context(receiver_module.running_receiver(tmp_path))
        exits.callback(lambda: asyncio.run(_delete_stream(service)))
        asyncio.run(_subscribe(url, receiver.url))
        started = time.monotonic()
        written = asyncio.run(_write_events(url))
        assert len(written) == EVENTS
        print(f"{backend}: {EVENTS} events written in {time.monotonic() - started:.1f} s")
        relays = RelayProcesses(url, service, tmp_path)
        exits.callback(relays.stop_all)
        yield relays, receiver, written


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_killed_relay_is_restarted_and_every_event_arrives_in_order(backend: str, tmp_path: Path) -> None:
    with _scenario(backend, tmp_path) as (relays, receiver, written):
        first = relays.start("first")
        _wait("a quarter of the webhooks", lambda: len(receiver.requests()) >= EVENTS // 4, 60)
        relays.kill(first)
        killed_at = len(receiver.requests())
        assert killed_at < EVENTS, "the relay finished before it was killed"

        relays.start("second")
        took = _wait("every webhook", lambda: {e["id"] for e in receiver.delivered()} >= set(written), 120)
        took += _wait("every event in the stream", lambda: asyncio.run(_stream_count(relays.service)) >= EVENTS, 60)
        print(f"{backend}: killed after {killed_at} webhooks; the restarted relay finished in {took:.1f} s")
        relays.stop_all()

        _assert_released_at_the_end(relays.url)
        _assert_exactly_the_events_in_order(written, receiver.delivered())
        messages = asyncio.run(_stream(relays.service))
        assert [json.loads(m.data)["id"] for m in messages] == written


def test_two_replicas_at_once_deliver_every_event_in_order(tmp_path: Path) -> None:
    with _scenario("postgresql", tmp_path) as (relays, receiver, written):
        started = time.monotonic()
        relays.start("left")
        relays.start("right")
        _wait("every webhook", lambda: {e["id"] for e in receiver.delivered()} >= set(written), 120)
        _wait("every event in the stream", lambda: asyncio.run(_stream_count(relays.service)) >= EVENTS, 60)
        print(f"two replicas: {EVENTS} events to a webhook and to JetStream in {time.monotonic() - started:.1f} s")
        relays.stop_all()

        _assert_released_at_the_end(relays.url)
        _assert_exactly_the_events_in_order(written, receiver.delivered())
        messages = asyncio.run(_stream(relays.service))
        assert [json.loads(m.data)["id"] for m in messages] == written
