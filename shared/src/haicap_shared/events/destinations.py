"""Every query of the relay and the subscriptions API: destinations, subscriptions, deliveries.

A destination is a place the relay delivers the outbox to (``nats``, ``webhook:<subscription
id>``), with its cursor (``delivered_through``) and the lease of the replica working it. A
replica claims one destination at a time: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (two
replicas never wait on each other nor take the same one), on SQLite in a ``BEGIN IMMEDIATE``
transaction (one writer at a time), and every later write is fenced by the lease
(``WHERE leased_by = me``): a replica that lost its lease (it stalled past it) changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, exists, false, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import EventTables

NATS = "nats"
WEBHOOK_PREFIX = "webhook:"

DEAD = ("dead_lettered", "redelivering")
"""Statuses of a dead letter (one being sent again included)."""


def webhook_destination(subscription_id: uuid.UUID) -> str:
    return f"{WEBHOOK_PREFIX}{subscription_id}"


def subscription_condition(
    tables: EventTables, event_types: Sequence[str], province_code: str | None, commune_code: str | None
) -> ColumnElement[bool]:
    """The outbox rows a subscription receives: its types (exact or a kind prefix; none: all) and area."""
    outbox = tables.outbox
    conditions: list[ColumnElement[bool]] = []
    if event_types:
        conditions.append(
            or_(*[or_(outbox.c.type == name, outbox.c.type.startswith(f"{name}.", autoescape=True)) for name in event_types])
        )
    if province_code is not None:
        conditions.append(outbox.c.province_code == province_code)
    if commune_code is not None:
        conditions.append(outbox.c.commune_code == commune_code)
    return and_(true(), *conditions)


# --- destinations: claim, fence, release -------------------------------------------------


async def ensure_destination(session: AsyncSession, tables: EventTables, name: str, now: datetime, start: int = 0) -> None:
    """Create a destination row unless it exists (NATS starts from the oldest retained event)."""
    found = await session.scalar(select(tables.destination.c.name).where(tables.destination.c.name == name))
    if found is None:
        await session.execute(
            insert(tables.destination),
            {"name": name, "delivered_through": start, "head_attempts": 0, "dead_letters_in_row": 0, "updated_at": now},
        )


async def claim_destination(
    session: AsyncSession, tables: EventTables, *, replica: str, now: datetime, lease_until: datetime, nats: bool
) -> Row[Any] | None:
    """Lease one destination with work to this replica (the least recently worked first), or None.

    Work: events after its cursor, or (for a webhook) a dead letter to send again. A webhook
    destination is eligible while its subscription is active; one waiting to retry its head
    event only once that time has come (a redelivery does not wait).
    """
    d = tables.destination
    stmt = _claimable(tables, now, nats=nats)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=d)
    name = await session.scalar(stmt)
    if name is None:
        return None
    await session.execute(update(d).where(d.c.name == name).values(leased_by=replica, lease_until=lease_until))
    return (await session.execute(select(d).where(d.c.name == name))).one()


async def work_waiting(session: AsyncSession, tables: EventTables, *, now: datetime, nats: bool) -> bool:
    """Whether some destination has work a replica could claim now (a read, no lock: checked before claiming)."""
    return await session.scalar(_claimable(tables, now, nats=nats)) is not None


def _claimable(tables: EventTables, now: datetime, *, nats: bool) -> Any:
    d, s, delivery = tables.destination, tables.subscription, tables.delivery
    latest = select(func.coalesce(func.max(tables.outbox.c.sequence), 0)).scalar_subquery()
    redeliveries = exists().where(delivery.c.subscription_id == d.c.subscription_id, delivery.c.status == "redelivering")
    head_due = or_(d.c.next_attempt_at.is_(None), d.c.next_attempt_at <= now)
    return (
        select(d.c.name)
        .outerjoin(s, s.c.id == d.c.subscription_id)
        .where(
            or_(d.c.lease_until.is_(None), d.c.lease_until < now),
            or_(d.c.name == NATS if nats else false(), s.c.status == "active"),
            or_(and_(d.c.delivered_through < latest, head_due), redeliveries),
        )
        .order_by(d.c.updated_at, d.c.name)
        .limit(1)
    )


async def fenced_update(session: AsyncSession, tables: EventTables, name: str, replica: str, **values: Any) -> bool:
    """Change a destination this replica still leases; False when the lease is lost (nothing changed)."""
    d = tables.destination
    result = await session.execute(update(d).where(d.c.name == name, d.c.leased_by == replica).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def release_leases(session: AsyncSession, tables: EventTables, replica: str, now: datetime) -> None:
    d = tables.destination
    await session.execute(update(d).where(d.c.leased_by == replica).values(leased_by=None, lease_until=None, updated_at=now))


async def destinations(session: AsyncSession, tables: EventTables) -> Sequence[Row[Any]]:
    """Every destination with its subscription's status (None for NATS), by name."""
    d, s = tables.destination, tables.subscription
    stmt = select(d, s.c.status.label("subscription_status")).outerjoin(s, s.c.id == d.c.subscription_id)
    return (await session.execute(stmt.order_by(d.c.name))).all()


async def oldest_after(session: AsyncSession, tables: EventTables, sequence: int) -> datetime | None:
    """When the oldest event after ``sequence`` was written (None: nothing is waiting)."""
    outbox = tables.outbox
    stmt = select(outbox.c.occurred_at).where(outbox.c.sequence > sequence).order_by(outbox.c.sequence).limit(1)
    found: datetime | None = await session.scalar(stmt)
    return found


async def delivery_counts(session: AsyncSession, tables: EventTables) -> list[tuple[uuid.UUID, str, int]]:
    """Attempts per subscription and status."""
    delivery = tables.delivery
    stmt = select(delivery.c.subscription_id, delivery.c.status, func.count()).group_by(
        delivery.c.subscription_id, delivery.c.status
    )
    return [(row[0], str(row[1]), int(row[2])) for row in (await session.execute(stmt)).all()]


async def outbox_event(session: AsyncSession, tables: EventTables, event_id: uuid.UUID) -> Row[Any] | None:
    return (await session.execute(select(tables.outbox).where(tables.outbox.c.id == event_id))).one_or_none()


# --- subscriptions -----------------------------------------------------------------------


async def insert_subscription(session: AsyncSession, tables: EventTables, values: dict[str, Any], start: int) -> None:
    """A subscription and its destination, whose cursor starts at ``start`` (the newest event then)."""
    await session.execute(insert(tables.subscription), values)
    await session.execute(
        insert(tables.destination),
        {
            "name": webhook_destination(values["id"]),
            "subscription_id": values["id"],
            "delivered_through": start,
            "head_attempts": 0,
            "dead_letters_in_row": 0,
            "updated_at": values["created_at"],
        },
    )


async def subscription_count(session: AsyncSession, tables: EventTables) -> int:
    return int(await session.scalar(select(func.count()).select_from(tables.subscription)) or 0)


def subscription_view(tables: EventTables) -> Any:
    """The subscription columns the API shows (never the secret), with its destination's cursor and state."""
    s, d = tables.subscription, tables.destination
    shown = [column for column in s.c if column.key != "secret"]
    return select(*shown, d.c.delivered_through, d.c.last_error, d.c.failing_since).outerjoin(d, d.c.subscription_id == s.c.id)


async def subscription(session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID) -> Row[Any] | None:
    stmt = subscription_view(tables).where(tables.subscription.c.id == subscription_id)
    return (await session.execute(stmt)).one_or_none()


async def subscription_with_secret(session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID) -> Row[Any] | None:
    s = tables.subscription
    return (await session.execute(select(s).where(s.c.id == subscription_id))).one_or_none()


async def update_subscription(session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID, **values: Any) -> None:
    s = tables.subscription
    await session.execute(update(s).where(s.c.id == subscription_id).values(version=s.c.version + 1, **values))


async def delete_subscription(session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID) -> None:
    # NOTE: explicit, not only ON DELETE CASCADE: the same on every backend whatever its pragmas.
    await session.execute(delete(tables.delivery).where(tables.delivery.c.subscription_id == subscription_id))
    await session.execute(delete(tables.destination).where(tables.destination.c.subscription_id == subscription_id))
    await session.execute(delete(tables.subscription).where(tables.subscription.c.id == subscription_id))


async def reset_destination(session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID, now: datetime) -> None:
    """A resumed subscription: its head event gets a whole retry window again, no dead letters in a row."""
    d = tables.destination
    await session.execute(
        update(d)
        .where(d.c.subscription_id == subscription_id)
        .values(
            head_attempts=0,
            next_attempt_at=None,
            head_failing_since=None,
            failing_since=None,
            dead_letters_in_row=0,
            updated_at=now,
        )
    )


async def pause_subscription(
    session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID, reason: str, now: datetime
) -> None:
    s = tables.subscription
    await session.execute(
        update(s)
        .where(s.c.id == subscription_id, s.c.status == "active")
        .values(status="paused", paused_reason=reason[:500], paused_at=now, updated_at=now, version=s.c.version + 1)
    )


# --- deliveries --------------------------------------------------------------------------


def deliveries_query(tables: EventTables, subscription_id: uuid.UUID, statuses: Sequence[str] = ()) -> Any:
    delivery = tables.delivery
    stmt = select(delivery).where(delivery.c.subscription_id == subscription_id)
    if statuses:
        stmt = stmt.where(delivery.c.status.in_(statuses))
    return stmt


async def delivery(
    session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> Row[Any] | None:
    d = tables.delivery
    stmt = select(d).where(d.c.id == delivery_id, d.c.subscription_id == subscription_id)
    return (await session.execute(stmt)).one_or_none()


async def request_redelivery(
    session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID, delivery_id: uuid.UUID | None = None
) -> int:
    """Mark dead letters (one, or all of the subscription's) to be sent again by the relay; how many."""
    d = tables.delivery
    stmt = update(d).where(d.c.subscription_id == subscription_id, d.c.status == "dead_lettered")
    if delivery_id is not None:
        stmt = stmt.where(d.c.id == delivery_id)
    result = await session.execute(stmt.values(status="redelivering"))
    return int(getattr(result, "rowcount", 0))


async def pending_redeliveries(
    session: AsyncSession, tables: EventTables, subscription_id: uuid.UUID, limit: int
) -> Sequence[Row[Any]]:
    d = tables.delivery
    stmt = (
        select(d)
        .where(d.c.subscription_id == subscription_id, d.c.status == "redelivering")
        .order_by(d.c.sequence, d.c.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def record_attempts(session: AsyncSession, tables: EventTables, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(tables.delivery), list(rows))


async def set_delivery_status(session: AsyncSession, tables: EventTables, delivery_id: uuid.UUID, status: str) -> None:
    d = tables.delivery
    await session.execute(update(d).where(d.c.id == delivery_id).values(status=status))
