"""Corrections of the reference package's unit codes and names by the official list.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_correction",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("package_value", sa.String(length=200), nullable=False),
        sa.Column("official_value", sa.String(length=200), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_unit_correction"),
        sa.ForeignKeyConstraint(["unit_id"], ["administrative_unit.id"], name="fk_unit_correction_unit_id_administrative_unit"),
        sa.CheckConstraint("field IN ('code', 'name')", name="ck_unit_correction_corrected_field"),
    )
    op.create_index("ix_unit_correction_unit_id", "unit_correction", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_unit_correction_unit_id", table_name="unit_correction")
    op.drop_table("unit_correction")
