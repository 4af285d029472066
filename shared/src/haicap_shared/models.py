"""Column mixins and the infrastructure tables every service database holds."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Dialect, Enum, Index, Integer, MetaData, String, Table, TypeDecorator, Uuid, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on PostgreSQL and on SQLite alike.

    SQLite has no time zones and hands back naive values; without this the same row would
    serialise as ``...Z`` on one database and without a zone on the other.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Entity:
    """Internal id, creation and update times, and a version for optimistic locking.

    ``version`` is SQLAlchemy's version counter: every UPDATE checks and bumps it, so a
    concurrent writer that read an older row fails instead of overwriting silently. It is
    also the resource's ETag.
    """

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now(), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__dict__.get("version") or cls.version}


def string_enum(kind: type[enum.StrEnum], name: str, length: int = 30, *, checked: bool = True) -> Enum:
    """An enum column stored as its values, checked by a constraint named ``name`` (none when not ``checked``: a copy)."""
    # NOTE: plain strings with a CHECK, not a PostgreSQL enum type, so adding a value is a
    # one-line migration on both databases.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=checked,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


def define_audit_table(metadata: MetaData) -> Table:
    """``audit_event``: who changed what, when, with the values before and after."""
    return Table(
        "audit_event",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("actor_role", String(50), nullable=True),
        Column("request_id", String(128), nullable=True),
        # NOTE: the consuming system of a service account's call (haicap_shared.consumers), for
        # the data-sharing platform's tracing; null for a user's change.
        Column("consumer_system", String(100), nullable=True),
        Column("entity_type", String(100), nullable=False),
        Column("entity_id", String(100), nullable=False),
        Column("action", String(20), nullable=False),
        Column("before", JSON, nullable=True),
        Column("after", JSON, nullable=True),
        Index(None, "entity_type", "entity_id", "id"),
    )


def define_idempotency_table(metadata: MetaData) -> Table:
    """``idempotency_key``: the first response to each keyed POST, replayed on retry.

    A key belongs to the caller who sent it (``owner``: the token's subject), so another
    caller's key is a new key, never a replay of someone else's response.
    """
    return Table(
        "idempotency_key",
        metadata,
        Column("owner", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response_body", JSON, nullable=True),
        Column("response_headers", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("expires_at", UtcDateTime(), nullable=False, index=True),
    )
