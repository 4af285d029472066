"""Reconciliations of a national-side export with haicap's records: the run, its differences, its staged lines.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIFFERENCE_KINDS = ("missing_nationally", "missing_in_haicap", "field_differs", "acknowledged_not_held")


def upgrade() -> None:
    op.create_table(
        "sync_reconciliation",
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("people_in_file", sa.Integer(), nullable=False),
        sa.Column("changes_in_file", sa.Integer(), nullable=False),
        sa.Column("missing_nationally", sa.Integer(), nullable=False),
        sa.Column("missing_in_haicap", sa.Integer(), nullable=False),
        sa.Column("field_differences", sa.Integer(), nullable=False),
        sa.Column("acknowledged_not_held", sa.Integer(), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_reconciliation")),
    )
    op.create_index("ix_sync_reconciliation_created_at_id", "sync_reconciliation", ["created_at", "id"])

    op.create_table(
        "sync_reconciliation_difference",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reconciliation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *DIFFERENCE_KINDS, name="reconciliation_difference_kind", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column("national_id", sa.String(length=12), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("change_id", sa.Uuid(), nullable=True),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("haicap_value", sa.Text(), nullable=True),
        sa.Column("national_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["sync_reconciliation.id"],
            name=op.f("fk_sync_reconciliation_difference_reconciliation_id_sync_reconciliation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_reconciliation_difference")),
    )
    op.create_index(
        "ix_sync_reconciliation_difference_reconciliation_id_kind_id",
        "sync_reconciliation_difference",
        ["reconciliation_id", "kind", "id"],
    )

    op.create_table(
        "sync_reconciliation_line",
        sa.Column("reconciliation_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=12), nullable=False),
        sa.Column("change_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["sync_reconciliation.id"],
            name=op.f("fk_sync_reconciliation_line_reconciliation_id_sync_reconciliation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reconciliation_id", "line", name=op.f("pk_sync_reconciliation_line")),
    )
    op.create_index(
        "ix_sync_reconciliation_line_reconciliation_id_national_id",
        "sync_reconciliation_line",
        ["reconciliation_id", "national_id"],
    )
    op.create_index(
        "ix_sync_reconciliation_line_reconciliation_id_change_id", "sync_reconciliation_line", ["reconciliation_id", "change_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_sync_reconciliation_line_reconciliation_id_change_id", table_name="sync_reconciliation_line")
    op.drop_index("ix_sync_reconciliation_line_reconciliation_id_national_id", table_name="sync_reconciliation_line")
    op.drop_table("sync_reconciliation_line")
    op.drop_index("ix_sync_reconciliation_difference_reconciliation_id_kind_id", table_name="sync_reconciliation_difference")
    op.drop_table("sync_reconciliation_difference")
    op.drop_index("ix_sync_reconciliation_created_at_id", table_name="sync_reconciliation")
    op.drop_table("sync_reconciliation")
