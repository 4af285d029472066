"""Dossier changes, exchanges with the national side, calendar days.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_change",
        sa.Column("event_sequence", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("changed_fields", sa.JSON(), nullable=True),
        sa.Column("decision_number", sa.String(length=100), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("arose_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending_verification",
                "returned",
                "queued",
                "sent",
                "acknowledged",
                "rejected",
                name="dossier_change_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("national_reference", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_change")),
        sa.UniqueConstraint("event_sequence", name=op.f("uq_dossier_change_event_sequence")),
    )
    with op.batch_alter_table("dossier_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_change_status_next_attempt_at"), ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dossier_change_person_id_event_sequence"), ["person_id", "event_sequence"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dossier_change_province_code_commune_code_due_date"),
            ["province_code", "commune_code", "due_date"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_dossier_change_due_date_id"), ["due_date", "id"], unique=False)

    op.create_table(
        "sync_exchange",
        sa.Column("adapter", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("change_ids", sa.JSON(), nullable=False),
        sa.Column("transaction_code", sa.String(length=100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_exchange")),
    )
    with op.batch_alter_table("sync_exchange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_exchange_started_at_id"), ["started_at", "id"], unique=False)

    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_day")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_day_day")),
    )


def downgrade() -> None:
    op.drop_table("calendar_day")
    with op.batch_alter_table("sync_exchange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_exchange_started_at_id"))

    op.drop_table("sync_exchange")
    with op.batch_alter_table("dossier_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_change_due_date_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_change_province_code_commune_code_due_date"))
        batch_op.drop_index(batch_op.f("ix_dossier_change_person_id_event_sequence"))
        batch_op.drop_index(batch_op.f("ix_dossier_change_status_next_attempt_at"))

    op.drop_table("dossier_change")
