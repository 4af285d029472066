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


def add_audit_consumer_system_v1() -> None:
    """``audit_event.consumer_system``: the consuming system of a service account's change (null before, and for users)."""
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("consumer_system", sa.String(100), nullable=True))


def drop_audit_consumer_system_v1() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("consumer_system")


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


def create_event_tables_v1() -> None:
    """The change feed's tables (:mod:`haicap_shared.events.tables`): outbox, retention, destinations, webhooks."""
    op.create_table(
        "event_outbox",
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("aggregatetype", sa.String(100), nullable=False),
        sa.Column("aggregateid", sa.String(100), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=True),
        sa.Column("commune_code", sa.String(5), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("sequence", name="pk_event_outbox"),
        sa.UniqueConstraint("id", name="uq_event_outbox_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_event_outbox_occurred_at", "event_outbox", ["occurred_at"])
    op.create_index("ix_event_outbox_province_code_sequence", "event_outbox", ["province_code", "sequence"])
    op.create_index("ix_event_outbox_commune_code_sequence", "event_outbox", ["commune_code", "sequence"])
    op.create_table(
        "event_feed_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pruned_through", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_feed_state"),
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=True),
        sa.Column("commune_code", sa.String(5), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paused_reason", sa.String(500), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscription"),
    )
    op.create_table(
        "event_destination",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=True),
        sa.Column("delivered_through", sa.BigInteger(), nullable=False),
        sa.Column("leased_by", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("head_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("head_failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("dead_letters_in_row", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name="fk_event_destination_subscription_id_webhook_subscription",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("name", name="pk_event_destination"),
        sa.UniqueConstraint("subscription_id", name="uq_event_destination_subscription_id"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("redelivery_of", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name="fk_webhook_delivery_subscription_id_webhook_subscription",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_delivery"),
    )
    op.create_index("ix_webhook_delivery_subscription_id_attempted_at", "webhook_delivery", ["subscription_id", "attempted_at"])
    op.create_index("ix_webhook_delivery_subscription_id_status", "webhook_delivery", ["subscription_id", "status"])


def drop_event_tables_v1() -> None:
    op.drop_index("ix_webhook_delivery_subscription_id_status", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_subscription_id_attempted_at", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_table("event_destination")
    op.drop_table("webhook_subscription")
    op.drop_table("event_feed_state")
    op.drop_table("event_outbox")


def create_procedure_tables_v1() -> None:
    """The procedure dossiers' tables (:mod:`haicap_shared.procedures.tables`): dossier, step, exchange log."""
    op.create_table(
        "procedure_dossier",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_code", sa.String(50), nullable=False),
        sa.Column("procedure_code", sa.String(40), nullable=False),
        sa.Column("procedure_name", sa.String(1000), nullable=False),
        sa.Column("sector", sa.String(300), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("applicant", sa.String(300), nullable=True),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_procedure_dossier"),
        sa.UniqueConstraint("province_code", "dossier_code", name="uq_procedure_dossier_province_code_dossier_code"),
    )
    op.create_index("ix_procedure_dossier_subject_kind_subject_id", "procedure_dossier", ["subject_kind", "subject_id"])
    op.create_index(
        "ix_procedure_dossier_province_code_procedure_code_received_at",
        "procedure_dossier",
        ["province_code", "procedure_code", "received_at"],
    )
    op.create_index("ix_procedure_dossier_commune_code_received_at", "procedure_dossier", ["commune_code", "received_at"])
    op.create_table(
        "procedure_dossier_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dossier_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(2000), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(40), nullable=True),
        sa.Column("push_status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("status_reason", sa.String(2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["procedure_dossier.id"],
            name="fk_procedure_dossier_step_dossier_id_procedure_dossier",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_procedure_dossier_step"),
        sa.UniqueConstraint("dossier_id", "position", name="uq_procedure_dossier_step_dossier_id_position"),
    )
    op.create_index(
        "ix_procedure_dossier_step_push_status_next_attempt_at", "procedure_dossier_step", ["push_status", "next_attempt_at"]
    )
    op.create_table(
        "procedure_exchange",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("adapter", sa.String(20), nullable=False),
        sa.Column("destination", sa.String(500), nullable=False),
        sa.Column("operation", sa.String(40), nullable=False),
        sa.Column("step_ids", sa.JSON(), nullable=False),
        sa.Column("transaction_code", sa.String(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_procedure_exchange"),
    )
    op.create_index("ix_procedure_exchange_started_at", "procedure_exchange", ["started_at"])


def drop_procedure_tables_v1() -> None:
    op.drop_index("ix_procedure_exchange_started_at", table_name="procedure_exchange")
    op.drop_table("procedure_exchange")
    op.drop_index("ix_procedure_dossier_step_push_status_next_attempt_at", table_name="procedure_dossier_step")
    op.drop_table("procedure_dossier_step")
    op.drop_index("ix_procedure_dossier_commune_code_received_at", table_name="procedure_dossier")
    op.drop_index("ix_procedure_dossier_province_code_procedure_code_received_at", table_name="procedure_dossier")
    op.drop_index("ix_procedure_dossier_subject_kind_subject_id", table_name="procedure_dossier")
    op.drop_table("procedure_dossier")


def _copy_triggers(table: str, source: str, source_column: str) -> tuple[str, str]:
    """The names of a copied column's triggers (and PostgreSQL functions): the row takes it; the source's change follows."""
    return f"{table}_takes_{source}_{source_column}", f"{source}_{source_column}_to_{table}"


def add_copied_column_v1(
    table: str, column: str, column_type: sa.types.TypeEngine[Any], *, source: str, source_column: str, key: str
) -> None:
    """``table.column``: a copy of ``source.source_column`` of the row ``table.key`` points at, filled here, kept by triggers.

    A row written without the copy takes it from its source (on insert, and when ``key`` moves it
    to another source row); a row written with it keeps what its writer gave (an import or a
    bulk load copies it from the same record it writes, and saves the lookup); a change of the
    source's value reaches every row copying it. The statistics read such copies to filter and
    group one table's rows by a value of another without a join (issue 19).
    """
    op.add_column(table, sa.Column(column, column_type))
    op.execute(f"UPDATE {table} SET {column} = (SELECT {source_column} FROM {source} WHERE {source}.id = {table}.{key})")
    takes, follows = _copy_triggers(table, source, source_column)
    if op.get_bind().dialect.name == "postgresql":
        # NOTE: one statement each (asyncpg prepares each, and takes one command at a time). The
        # conditions are the triggers' WHEN, which PostgreSQL checks without calling the function:
        # a bulk write that gives the copy (an import of 300,000 rows) pays no call per row.
        op.execute(
            f"""CREATE FUNCTION {takes}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {source_column} INTO NEW.{column} FROM {source} WHERE id = NEW.{key};
    RETURN NEW;
END $$"""
        )
        op.execute(
            f"CREATE TRIGGER {takes} BEFORE INSERT ON {table} FOR EACH ROW WHEN (NEW.{column} IS NULL) EXECUTE FUNCTION {takes}()"
        )
        op.execute(
            f"CREATE TRIGGER {takes}_moved BEFORE UPDATE OF {key} ON {table} FOR EACH ROW "
            f"WHEN (OLD.{key} IS DISTINCT FROM NEW.{key}) EXECUTE FUNCTION {takes}()"
        )
        op.execute(
            f"""CREATE FUNCTION {follows}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET {column} = NEW.{source_column} WHERE {key} = NEW.id;
    RETURN NULL;
END $$"""
        )
        op.execute(
            f"CREATE TRIGGER {follows} AFTER UPDATE OF {source_column} ON {source} FOR EACH ROW "
            f"WHEN (OLD.{source_column} IS DISTINCT FROM NEW.{source_column}) EXECUTE FUNCTION {follows}()"
        )
        return
    # NOTE: SQLite's triggers cannot set NEW: the row written is updated after it.
    take = f"UPDATE {table} SET {column} = (SELECT {source_column} FROM {source} WHERE id = NEW.{key}) WHERE id = NEW.id;"
    op.execute(f"CREATE TRIGGER {takes} AFTER INSERT ON {table} WHEN NEW.{column} IS NULL BEGIN {take} END")
    op.execute(f"CREATE TRIGGER {takes}_moved AFTER UPDATE OF {key} ON {table} WHEN OLD.{key} IS NOT NEW.{key} BEGIN {take} END")
    op.execute(
        f"CREATE TRIGGER {follows} AFTER UPDATE OF {source_column} ON {source} "
        f"WHEN OLD.{source_column} IS NOT NEW.{source_column} "
        f"BEGIN UPDATE {table} SET {column} = NEW.{source_column} WHERE {key} = NEW.id; END"
    )


def drop_copied_column_v1(table: str, column: str, *, source: str, source_column: str) -> None:
    """Undo :func:`add_copied_column_v1`."""
    takes, follows = _copy_triggers(table, source, source_column)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {follows} ON {source}")
        op.execute(f"DROP FUNCTION {follows}()")
        op.execute(f"DROP TRIGGER {takes}_moved ON {table}")
        op.execute(f"DROP TRIGGER {takes} ON {table}")
        op.execute(f"DROP FUNCTION {takes}()")
    else:
        for name in (follows, f"{takes}_moved", takes):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_column(table, column)
