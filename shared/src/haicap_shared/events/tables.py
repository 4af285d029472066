"""The change feed's tables, as every service database with events holds them.

- ``event_outbox``: Debezium's outbox shape (``id``, ``aggregatetype``, ``aggregateid``,
  ``type``, ``payload``) plus ``occurred_at``, the service's ``sequence`` (commit order, the
  feed's cursor) and the area of the record (for filters). ``payload`` is the CloudEvent
  without its ``sequence`` (the database assigns it on insert).
- ``event_feed_state``: one row, how far retention has pruned the outbox (an older cursor is 410).
- ``event_destination``: one row per place the relay delivers to (``nats``,
  ``webhook:<subscription id>``): the last sequence delivered there, the lease of the relay
  replica working it, the retry state of its head event (attempts, next attempt, when it first
  failed, last error), since when it has failed without a success, and the dead letters in a
  row (a subscription's auto-pause). A subscription's destination goes with it.
- ``webhook_subscription`` and ``webhook_delivery``: subscriptions and every delivery attempt
  (``status``: ``delivered``, ``failed`` (retried), ``dead_lettered``, ``redelivering`` (a dead
  letter an admin asked to send again), ``redelivered``; ``redelivery_of``: the dead letter an
  out-of-band attempt sends again).

The migration that creates them is :func:`haicap_shared.migrations.create_event_tables_v1`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

from ..models import UtcDateTime

# NOTE: SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SequenceNumber = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True, slots=True)
class EventTables:
    outbox: Table
    feed_state: Table
    destination: Table
    subscription: Table
    delivery: Table


def define_event_tables(metadata: MetaData) -> EventTables:
    """Register the change feed's tables on a service's metadata."""
    outbox = Table(
        "event_outbox",
        metadata,
        Column("sequence", SequenceNumber, primary_key=True, autoincrement=True),
        Column("id", Uuid, nullable=False, unique=True),
        Column("aggregatetype", String(100), nullable=False),
        Column("aggregateid", String(100), nullable=False),
        Column("type", String(200), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("occurred_at", UtcDateTime(), nullable=False, index=True),
        Column("province_code", String(2), nullable=True),
        Column("commune_code", String(5), nullable=True),
        Column("agency_id", Uuid, nullable=True),
        Index(None, "province_code", "sequence"),
        Index(None, "commune_code", "sequence"),
        sqlite_autoincrement=True,
    )
    feed_state = Table(
        "event_feed_state",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("pruned_through", BigInteger, nullable=False, default=0),
    )
    destination = Table(
        "event_destination",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("subscription_id", Uuid, ForeignKey("webhook_subscription.id", ondelete="CASCADE"), nullable=True, unique=True),
        Column("delivered_through", BigInteger, nullable=False, default=0),
        Column("leased_by", String(200), nullable=True),
        Column("lease_until", UtcDateTime(), nullable=True),
        Column("head_attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=True),
        Column("head_failing_since", UtcDateTime(), nullable=True),
        Column("failing_since", UtcDateTime(), nullable=True),
        Column("last_error", String(500), nullable=True),
        Column("dead_letters_in_row", Integer, nullable=False, default=0),
        Column("updated_at", UtcDateTime(), nullable=False),
    )
    subscription = Table(
        "webhook_subscription",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("url", String(2000), nullable=False),
        Column("description", String(500), nullable=False, default=""),
        Column("event_types", JSON, nullable=False),
        Column("province_code", String(2), nullable=True),
        Column("commune_code", String(5), nullable=True),
        Column("status", String(20), nullable=False),
        Column("paused_reason", String(500), nullable=True),
        Column("paused_at", UtcDateTime(), nullable=True),
        Column("secret", String(200), nullable=False),
        Column("created_by", String(200), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        Column("version", Integer, nullable=False, default=1),
    )
    delivery = Table(
        "webhook_delivery",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("subscription_id", Uuid, ForeignKey("webhook_subscription.id", ondelete="CASCADE"), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("sequence", BigInteger, nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("attempt", Integer, nullable=False),
        Column("attempted_at", UtcDateTime(), nullable=False),
        Column("status", String(20), nullable=False),
        Column("response_status", Integer, nullable=True),
        Column("latency_ms", Integer, nullable=True),
        Column("error", String(500), nullable=True),
        Column("redelivery_of", Uuid, nullable=True),
        Index(None, "subscription_id", "attempted_at"),
        Index(None, "subscription_id", "status"),
    )
    return EventTables(outbox, feed_state, destination, subscription, delivery)
