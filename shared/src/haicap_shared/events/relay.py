"""The relay: delivers a service's outbox to NATS JetStream and to its webhook subscriptions.

One relay process per service (``haicap-<service> relay``, or ``python -m
haicap_shared.events.relay --database-url URL --service NAME``), any number of replicas. Each
destination (``nats`` when ``HAICAP_EVENTS_NATS_URL`` is set, ``webhook:<id>`` per active
subscription) is worked by one replica at a time under a lease
(:func:`.destinations.claim_destination`): a turn delivers the events after the destination's
cursor in sequence order, moves the cursor only past what was delivered (or dead-lettered),
then releases the lease. Order is therefore the commit order per destination; a replica
killed mid-turn leaves its lease to expire, and the next turn sends again from the cursor:
delivery is at least once, so consumers deduplicate on the event id (JetStream does it
itself, by ``Nats-Msg-Id``).

Webhooks: a failing endpoint gets its head event retried with exponential back-off and full
jitter (``webhook_retry_base_seconds`` doubling up to ``webhook_retry_cap_seconds``) for
``webhook_retry_window_seconds``; the event is then dead-lettered and the next one tried. After
``webhook_pause_after_dead_letters`` dead letters in a row, or failing without a success for
``webhook_pause_after_failing_seconds``, the subscription is paused (nothing is sent, the
cursor stays) until an admin resumes it. A dead letter an admin asks to send again gets one
attempt, out of the feed's order.

The relay also prunes the outbox past the retention (``prune_interval_seconds``). SIGTERM (or
SIGINT) ends it after the current turn, its leases released.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import random
import signal
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import MetaData, Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..db import IMMEDIATE_OPTION, create_engine
from ..logs import configure_logging
from ..models import utcnow
from ..settings import async_database_url
from . import destinations as store
from .jetstream import JetStreamPublisher
from .repository import cloud_event, events_after, latest_sequence
from .retention import prune_events
from .settings import EventSettings
from .tables import EventTables, define_event_tables
from .webhooks import Attempt, post_event

logger = logging.getLogger("haicap.events.relay")

FLUSH_EVERY = 100
"""Webhook deliveries recorded (and the cursor moved) together, at most."""


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Full jitter: a delay drawn uniformly below ``min(cap, base * 2 ** (attempt - 1))``."""
    ceiling = min(cap, base * 2 ** min(attempt - 1, 60))
    return random.uniform(0, ceiling)


def default_replica() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaseLost(Exception):
    """Another replica took the destination (this one stalled past its lease): stop the turn."""


class Relay:
    """Delivers the outbox of one service database; :meth:`run` until stopped, or :meth:`step` by step."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: EventTables,
        service: str,
        settings: EventSettings,
        *,
        replica: str | None = None,
        http: httpx.AsyncClient | None = None,
        sqlite: bool = False,
    ) -> None:
        self.sessions = sessions
        self.tables = tables
        self.service = service
        self.settings = settings
        self.replica = replica or default_replica()
        self.sqlite = sqlite
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(
            follow_redirects=False, limits=httpx.Limits(max_connections=50, max_keepalive_connections=20), trust_env=False
        )
        self.nats = (
            JetStreamPublisher(
                settings.nats_url,
                service,
                stream_prefix=settings.nats_stream_prefix,
                duplicate_window_seconds=settings.nats_duplicate_window_seconds,
            )
            if settings.nats_url
            else None
        )
        self.stopping = asyncio.Event()
        self._next_prune = 0.0
        self._next_look = -math.inf
        self._wait = settings.relay_idle_seconds
        self._nats_ready = False
        self._nats_setup = asyncio.Lock()

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Work destinations until :meth:`stop`; then release this replica's leases and close.

        ``relay_workers`` loops share the process, each holding the lease of a different
        destination: a webhook endpoint that answers slowly holds up its own deliveries, not
        JetStream's or another subscription's.
        """
        logger.info("relay started", extra={"replica": self.replica, "nats": bool(self.nats)})
        try:
            await asyncio.gather(*(self._work_loop() for _ in range(self.settings.relay_workers)))
        finally:
            await self.close()
            logger.info("relay stopped", extra={"replica": self.replica})

    async def _work_loop(self) -> None:
        while not self.stopping.is_set():
            worked = False
            if time.monotonic() >= self._next_look:
                # NOTE: the loops take turns to look for work: one looks, the others wait for the
                # next turn, so an idle relay asks the database once per idle wait, not once per
                # loop (four loops each looking cost it 2-4 % of a core). After work the turns
                # come quickly again, the wait doubling from a 32nd of the idle wait at each look
                # that finds nothing: events written a few at a time go out within milliseconds.
                self._next_look = time.monotonic() + self._wait
                try:
                    worked = await self.step()
                except Exception:  # NOTE: a database hiccup must not end the relay; the step is retried
                    logger.exception("relay step failed")
                if worked:
                    self._wait = self.settings.relay_idle_seconds / 32
                    self._next_look = time.monotonic()
                else:
                    self._wait = min(self._wait * 2, self.settings.relay_idle_seconds)
                    self._next_look = time.monotonic() + self._wait
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), timeout=max(self._next_look - time.monotonic(), 0.0))

    def stop(self) -> None:
        self.stopping.set()

    async def close(self) -> None:
        try:
            async with self._transaction() as session:
                await store.release_leases(session, self.tables, self.replica, utcnow())
        except Exception:  # NOTE: the leases expire anyway
            logger.warning("could not release the relay's leases", exc_info=True)
        if self.nats is not None:
            await self.nats.close()
        if self._own_http:
            await self.http.aclose()

    async def step(self) -> bool:
        """Prune when due, then claim one destination with work and work it; False when none had any."""
        await self._prune_when_due()
        if self.nats is not None and not self._nats_ready:
            async with self._nats_setup:
                if not self._nats_ready:
                    async with self._transaction() as session:
                        await store.ensure_destination(session, self.tables, store.NATS, utcnow())
                    self._nats_ready = True
        now = utcnow()
        async with self._transaction(reads_only=True) as session:
            if not await store.work_waiting(session, self.tables, now=now, nats=self.nats is not None):
                return False
        async with self._transaction() as session:
            claimed = await store.claim_destination(
                session,
                self.tables,
                replica=self.replica,
                now=now,
                lease_until=now + timedelta(seconds=self.settings.relay_lease_seconds),
                nats=self.nats is not None,
            )
        if claimed is None:
            return False
        try:
            if claimed.name == store.NATS:
                await self._work_nats(claimed)
            else:
                await self._work_webhook(claimed)
        except LeaseLost:
            logger.warning("lease lost", extra={"destination": claimed.name})
        finally:
            async with self._transaction() as session:
                await store.fenced_update(
                    session, self.tables, claimed.name, self.replica, leased_by=None, lease_until=None, updated_at=utcnow()
                )
        return True

    async def run_until_idle(self, within_seconds: float = 30.0) -> None:
        """Step until no destination has work that is due (tests, one-shot runs); TimeoutError past ``within_seconds``."""
        deadline = time.monotonic() + within_seconds
        while await self.step():
            if time.monotonic() > deadline:
                raise TimeoutError("the relay still had work")

    def _transaction(self, *, reads_only: bool = False) -> Transaction:
        # NOTE: on SQLite a writing transaction takes the write lock up front; a reading one
        # leaves it to the API's writers.
        return Transaction(self.sessions, immediate=self.sqlite and not reads_only)

    async def _prune_when_due(self) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + self.settings.prune_interval_seconds
        async with self._transaction() as session:
            pruned = await prune_events(session, self.tables, retention_days=self.settings.retention_days, now=utcnow())
        if pruned:
            logger.info("outbox pruned", extra={"events": pruned, "retention_days": self.settings.retention_days})

    def _turn_over(self, started: float) -> bool:
        return self.stopping.is_set() or time.monotonic() - started > self.settings.relay_lease_seconds / 2

    async def _fenced(self, session: AsyncSession, name: str, **values: Any) -> None:
        lease_until = utcnow() + timedelta(seconds=self.settings.relay_lease_seconds)
        if not await store.fenced_update(session, self.tables, name, self.replica, lease_until=lease_until, **values):
            raise LeaseLost(name)

    # --- NATS -------------------------------------------------------------------------------

    async def _work_nats(self, destination: Row[Any]) -> None:
        assert self.nats is not None
        started = time.monotonic()
        cursor = int(destination.delivered_through)
        while not self._turn_over(started):
            async with self._transaction(reads_only=True) as session:
                rows = await events_after(session, self.tables, cursor, limit=self.settings.relay_batch_size)
            if not rows:
                return
            try:
                await self.nats.publish([cloud_event(row) for row in rows])
            except Exception as exc:  # noqa: BLE001 - NATS down, a nack, a timeout: retried with back-off
                await self.nats.close()
                await self._nats_failed(destination, exc)
                return
            cursor = int(rows[-1].sequence)
            async with self._transaction() as session:
                await self._fenced(
                    session,
                    store.NATS,
                    delivered_through=cursor,
                    head_attempts=0,
                    next_attempt_at=None,
                    head_failing_since=None,
                    failing_since=None,
                    last_error=None,
                )
            logger.debug("published to NATS", extra={"events": len(rows), "through": cursor})

    async def _nats_failed(self, destination: Row[Any], exc: Exception) -> None:
        attempts = int(destination.head_attempts) + 1
        now = utcnow()
        delay = backoff_seconds(attempts, self.settings.webhook_retry_base_seconds, self.settings.webhook_retry_cap_seconds)
        logger.warning("NATS publish failed", extra={"attempt": attempts, "retry_in_seconds": round(delay, 2), "error": str(exc)})
        async with self._transaction() as session:
            await self._fenced(
                session,
                store.NATS,
                head_attempts=attempts,
                next_attempt_at=now + timedelta(seconds=delay),
                failing_since=destination.failing_since or now,
                last_error=f"{type(exc).__name__}: {exc}"[:500],
            )

    # --- webhooks ---------------------------------------------------------------------------

    async def _work_webhook(self, destination: Row[Any]) -> None:
        async with self._transaction(reads_only=True) as session:
            subscription = await store.subscription_with_secret(session, self.tables, destination.subscription_id)
        if subscription is None or subscription.status != "active":
            return
        started = time.monotonic()
        await self._redeliver(subscription)
        now = utcnow()
        if destination.next_attempt_at is not None and destination.next_attempt_at > now:
            return
        turn = _WebhookTurn(self, destination, subscription)
        await turn.deliver(started)

    async def _redeliver(self, subscription: Row[Any]) -> None:
        async with self._transaction(reads_only=True) as session:
            pending = await store.pending_redeliveries(session, self.tables, subscription.id, self.settings.relay_batch_size)
        for dead in pending:
            if self.stopping.is_set():
                return
            async with self._transaction(reads_only=True) as session:
                row = await store.outbox_event(session, self.tables, dead.event_id)
            if row is None:
                attempt = Attempt(False, None, 0, "the event is no longer in the outbox (past the retention)")
            else:
                attempt = await self.post(subscription, cloud_event(row))
            async with self._transaction() as session:
                await store.record_attempts(
                    session, self.tables, [attempt_row(subscription.id, dead, dead.attempt + 1, attempt, redelivery_of=dead.id)]
                )
                await store.set_delivery_status(
                    session, self.tables, dead.id, "redelivered" if attempt.delivered else "dead_lettered"
                )
            logger.info(
                "dead letter sent again",
                extra={"subscription": str(subscription.id), "event_id": str(dead.event_id), "delivered": attempt.delivered},
            )

    async def post(self, subscription: Row[Any], event: dict[str, Any]) -> Attempt:
        return await post_event(
            self.http,
            subscription.url,
            subscription.secret,
            event,
            allow_private=self.settings.allow_private_webhook_urls,
            timeout_seconds=self.settings.webhook_timeout_seconds,
        )


class _WebhookTurn:
    """One turn of one subscription: its events in order, successes recorded in groups, a failure at once."""

    def __init__(self, relay: Relay, destination: Row[Any], subscription: Row[Any]) -> None:
        self.relay = relay
        self.name = destination.name
        self.subscription = subscription
        self.cursor = int(destination.delivered_through)
        self.head_attempts = int(destination.head_attempts)
        self.head_failing_since: datetime | None = destination.head_failing_since
        self.failing_since: datetime | None = destination.failing_since
        self.dead_in_row = int(destination.dead_letters_in_row)
        self.next_attempt: datetime | None = None
        self.last_error: str | None = destination.last_error
        self.pending: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()

    async def deliver(self, started: float) -> None:
        relay, tables, settings = self.relay, self.relay.tables, self.relay.settings
        condition = store.subscription_condition(
            tables, self.subscription.event_types or [], self.subscription.province_code, self.subscription.commune_code
        )
        async with relay._transaction(reads_only=True) as session:
            latest = await latest_sequence(session, tables)
            rows = await events_after(
                session,
                tables,
                self.cursor,
                limit=settings.relay_batch_size,
                condition=condition & (tables.outbox.c.sequence <= latest),
            )
        finished = True
        for row in rows:
            if relay._turn_over(started):
                finished = False
                break
            attempt = await relay.post(self.subscription, cloud_event(row))
            if attempt.delivered:
                self._delivered(row, attempt)
                if len(self.pending) >= FLUSH_EVERY or time.monotonic() - self.last_flush > 1.0:
                    await self.flush()
                continue
            await self.flush()
            if not await self._failed(row, attempt):
                finished = False
                break
        if finished and len(rows) < settings.relay_batch_size:
            # NOTE: every matching event up to ``latest`` was handled: skip the rest up to it,
            # so a narrow subscription does not scan the same rows at every turn.
            self.cursor = max(self.cursor, latest)
        await self.flush(force=True)

    def _delivered(self, row: Row[Any], attempt: Attempt) -> None:
        self.pending.append(attempt_row(self.subscription.id, row, self.head_attempts + 1, attempt, status="delivered"))
        self.cursor = int(row.sequence)
        self.head_attempts = 0
        self.head_failing_since = self.failing_since = None
        self.dead_in_row = 0
        self.next_attempt = self.last_error = None

    async def flush(self, *, force: bool = False) -> None:
        if not self.pending and not force:
            return
        async with self.relay._transaction() as session:
            await store.record_attempts(session, self.relay.tables, self.pending)
            await self.relay._fenced(session, self.name, **self._state())
        self.pending = []
        self.last_flush = time.monotonic()

    def _state(self) -> dict[str, Any]:
        return {
            "delivered_through": self.cursor,
            "head_attempts": self.head_attempts,
            "head_failing_since": self.head_failing_since,
            "failing_since": self.failing_since,
            "dead_letters_in_row": self.dead_in_row,
            "next_attempt_at": self.next_attempt,
            "last_error": self.last_error,
        }

    async def _failed(self, row: Row[Any], attempt: Attempt) -> bool:
        """Record a failed attempt; True when the event was dead-lettered and the turn goes on."""
        relay, settings = self.relay, self.relay.settings
        now = utcnow()
        self.head_attempts += 1
        self.head_failing_since = self.head_failing_since or now
        self.failing_since = self.failing_since or now
        give_up = now - self.head_failing_since >= timedelta(seconds=settings.webhook_retry_window_seconds)
        log = {"subscription": str(self.subscription.id), "event_id": str(row.id), "attempt": self.head_attempts}
        status = "dead_lettered" if give_up else "failed"
        record = attempt_row(self.subscription.id, row, self.head_attempts, attempt, status=status)
        pause: str | None = None
        self.next_attempt = None
        self.last_error = (attempt.error or "failed")[:500]
        if give_up:
            self.cursor = int(row.sequence)
            self.head_attempts = 0
            self.head_failing_since = None
            self.dead_in_row += 1
            if self.dead_in_row >= settings.webhook_pause_after_dead_letters:
                pause = f"paused by the relay: {self.dead_in_row} events dead-lettered in a row (last error: {attempt.error})"
            logger.warning("webhook event dead-lettered", extra={**log, "error": attempt.error})
        else:
            delay = backoff_seconds(self.head_attempts, settings.webhook_retry_base_seconds, settings.webhook_retry_cap_seconds)
            self.next_attempt = now + timedelta(seconds=delay)
            logger.info("webhook delivery failed", extra={**log, "error": attempt.error, "retry_in_seconds": round(delay, 3)})
        if pause is None and now - self.failing_since >= timedelta(seconds=settings.webhook_pause_after_failing_seconds):
            pause = f"paused by the relay: failing since {self.failing_since.isoformat()} (last error: {attempt.error})"
        async with relay._transaction() as session:
            await store.record_attempts(session, relay.tables, [record])
            await relay._fenced(session, self.name, **self._state())
            if pause is not None:
                await store.pause_subscription(session, relay.tables, self.subscription.id, pause, now)
                logger.warning("webhook subscription paused", extra={**log, "reason": pause})
        return give_up and pause is None


def attempt_row(
    subscription_id: uuid.UUID,
    event: Row[Any],
    attempt_number: int,
    attempt: Attempt,
    *,
    status: str | None = None,
    redelivery_of: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A ``webhook_delivery`` row (``event``: an outbox row, or the dead letter sent again)."""
    return {
        "id": uuid.uuid4(),
        "subscription_id": subscription_id,
        "event_id": event.event_id if redelivery_of is not None else event.id,
        "sequence": event.sequence,
        "event_type": event.event_type if redelivery_of is not None else event.type,
        "attempt": attempt_number,
        "attempted_at": utcnow(),
        "status": status or ("delivered" if attempt.delivered else "failed"),
        "response_status": attempt.response_status,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "redelivery_of": redelivery_of,
    }


class Transaction:
    """A session in a transaction, committed on success; on SQLite, the write lock taken up front.

    For the processes that work a database outside a request (the relay, personnel's sync worker).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, immediate: bool) -> None:
        self.sessions = sessions
        self.immediate = immediate
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> AsyncSession:
        self.session = self.sessions()
        if self.immediate:
            await self.session.connection(execution_options={IMMEDIATE_OPTION: True})
        return self.session

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        assert self.session is not None
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()


# --- entry points ---------------------------------------------------------------------------


def event_tables() -> EventTables:
    """The event tables as every service database holds them (the relay needs no service's models)."""
    return define_event_tables(MetaData())


async def serve_relay(
    database_url: str, service: str, settings: EventSettings | None = None, *, replica: str | None = None
) -> None:
    """Run a relay on ``database_url`` until SIGTERM or SIGINT."""
    url = async_database_url(database_url)
    engine = create_engine(url, pool_size=5) if not url.startswith("sqlite") else create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    relay = Relay(
        sessions, event_tables(), service, settings or EventSettings(), replica=replica, sqlite=url.startswith("sqlite")
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, relay.stop)
    try:
        await relay.run()
    finally:
        await engine.dispose()


def relay_arguments(parser: argparse.ArgumentParser, *, service: str | None = None) -> None:
    """The relay command's options (the shared CLI's ``relay`` and ``python -m``)."""
    parser.add_argument(
        "--service",
        default=service,
        required=service is None,
        help="the service's name in NATS subjects and its stream (default: the one its event types carry)",
    )
    parser.add_argument("--replica", default=None, help="this replica's name in leases (default: host:pid:random)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m haicap_shared.events.relay", description="deliver a service's outbox to NATS and webhooks"
    )
    parser.add_argument("--database-url", required=True, help="the service's database (SQLAlchemy URL)")
    parser.add_argument("--log-level", default=os.environ.get("HAICAP_LOG_LEVEL", "INFO"))
    relay_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging(args.log_level, f"{args.service}-relay")
    asyncio.run(serve_relay(args.database_url, args.service, EventSettings(), replica=args.replica))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
