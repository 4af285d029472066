"""Alembic glue shared by every service's migrations.

A service's ``migrations/env.py`` calls :func:`run_env` with its metadata; commands and
tests call :func:`upgrade_to_head`. Migrations are static: helpers here that create
tables are versioned (``..._v1``) and never change once released.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from .db import is_sqlite, null_pool_engine


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade_to_head(script_location: Path, url: str) -> None:
    """Apply every migration of one service to the database at ``url``."""
    await _run(script_location, url, "upgrade", "head")


async def downgrade_to_base(script_location: Path, url: str) -> None:
    await _run(script_location, url, "downgrade", "base")


async def _run(script_location: Path, url: str, action: str, revision: str) -> None:
    config = alembic_config(script_location, url)
    engine = null_pool_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_with_connection, config, action, revision)
    finally:
        await engine.dispose()


def _run_with_connection(connection: Connection, config: Config, action: str, revision: str) -> None:
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or ""
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=is_sqlite(url))
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, target_metadata)
        return

    async def run_async() -> None:
        engine = null_pool_engine(url)
        async with engine.begin() as async_connection:
            await async_connection.run_sync(_migrate, target_metadata)
        await engine.dispose()

    asyncio.run(run_async())


def _migrate(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def create_infrastructure_tables_v1() -> None:
    """``audit_event`` and ``idempotency_key``, as every service's first migration creates them."""
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(50), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
    )
    op.create_index("ix_audit_event_entity_type_entity_id_id", "audit_event", ["entity_type", "entity_id", "id"])
    op.create_table(
        "idempotency_key",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_key"),
    )
    op.create_index("ix_idempotency_key_expires_at", "idempotency_key", ["expires_at"])


def drop_infrastructure_tables_v1() -> None:
    op.drop_index("ix_idempotency_key_expires_at", table_name="idempotency_key")
    op.drop_table("idempotency_key")
    op.drop_index("ix_audit_event_entity_type_entity_id_id", table_name="audit_event")
    op.drop_table("audit_event")


def scope_idempotency_keys_v2() -> None:
    """``idempotency_key.owner``: keys belong to the caller who sent them (the key becomes ``(owner, key)``).

    Responses stored before have no owner and can no longer be replayed; they expire as before.
    """
    with op.batch_alter_table("idempotency_key") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=False, server_default=""))
        batch.drop_constraint("pk_idempotency_key", type_="primary")
        batch.create_primary_key("pk_idempotency_key", ["owner", "key"])
    with op.batch_alter_table("idempotency_key") as batch:
        batch.alter_column("owner", server_default=None, existing_type=sa.String(200), existing_nullable=False)


def unscope_idempotency_keys_v2() -> None:
    """Back to keys shared by every caller; the stored responses go (two callers may share a key)."""
    op.execute(sa.text("DELETE FROM idempotency_key"))
    with op.batch_alter_table("idempotency_key") as batch:
        batch.drop_constraint("pk_idempotency_key", type_="primary")
        batch.create_primary_key("pk_idempotency_key", ["key"])
        batch.drop_column("owner")


def entity_columns_v1() -> list[Any]:
    """The columns of :class:`haicap_shared.models.Entity`, for a migration's create_table."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def create_trigram_index_v1(name: str, table: str, column: str) -> None:
    """A trigram index for substring search on PostgreSQL; SQLite scans instead."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def drop_trigram_index_v1(name: str, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(name, table_name=table)
