"""The procedure catalogue: procedures, their dated levels, and the tasks linked to them.

On PostgreSQL an exclusion constraint refuses two versions of one procedure sharing a day (as
units' codes are kept), so two concurrent writers cannot slip past the service's own check.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procedure",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("sector", sa.String(length=200), nullable=False),
        sa.Column("search_key", sa.String(length=1300), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure")),
        sa.UniqueConstraint("code", name=op.f("uq_procedure_code")),
    )
    op.create_index("ix_procedure_code_id", "procedure", ["code", "id"])
    op.create_index("ix_procedure_sector_code", "procedure", ["sector", "code"])
    op.create_table(
        "procedure_level",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "province", "district", "commune", name="procedure_level", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column("agency_in_charge", sa.String(length=300), nullable=True),
        sa.Column("processing_days", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_procedure_level_valid_interval")),
        sa.CheckConstraint(
            "processing_days >= 0 AND processing_days <= 366", name=op.f("ck_procedure_level_processing_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedure.id"], name=op.f("fk_procedure_level_procedure_id_procedure"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_level")),
    )
    op.create_index("ix_procedure_level_procedure_id_valid_from", "procedure_level", ["procedure_id", "valid_from"])
    op.create_index("ix_procedure_level_level_valid_from_valid_to", "procedure_level", ["level", "valid_from", "valid_to"])
    op.create_table(
        "task_procedure",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("procedure_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_procedure_task_id_task"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["procedure_id"], ["procedure.id"], name=op.f("fk_task_procedure_procedure_id_procedure"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "procedure_id", name=op.f("pk_task_procedure")),
    )
    op.create_index("ix_task_procedure_procedure_id_task_id", "task_procedure", ["procedure_id", "task_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE procedure_level ADD CONSTRAINT ex_procedure_level_validity "
            "EXCLUDE USING gist (procedure_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
        )


def downgrade() -> None:
    op.drop_index("ix_task_procedure_procedure_id_task_id", table_name="task_procedure")
    op.drop_table("task_procedure")
    op.drop_index("ix_procedure_level_level_valid_from_valid_to", table_name="procedure_level")
    op.drop_index("ix_procedure_level_procedure_id_valid_from", table_name="procedure_level")
    op.drop_table("procedure_level")
    op.drop_index("ix_procedure_sector_code", table_name="procedure")
    op.drop_index("ix_procedure_code_id", table_name="procedure")
    op.drop_table("procedure")
