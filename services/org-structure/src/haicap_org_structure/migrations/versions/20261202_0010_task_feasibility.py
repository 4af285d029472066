"""Task feasibility: the dated status of a task as its holding agency carries it out, with reasons,
proposal and the province's answer.

On PostgreSQL an exclusion constraint refuses two statuses of one (task, agency) sharing a day (as
procedure levels are kept), so two concurrent writers cannot slip past the service's own check.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def upgrade() -> None:
    op.create_table(
        "task_feasibility",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("status", _enum("feasibility_status", "normal", "with_difficulties", "cannot_carry_out"), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reason_text", sa.String(length=2000), nullable=True),
        sa.Column(
            "proposal",
            _enum("feasibility_proposal", "return_to_province", "reassign", "train", "amend_legal_basis"),
            nullable=True,
        ),
        sa.Column("proposal_text", sa.String(length=2000), nullable=True),
        sa.Column("answer_state", _enum("feasibility_answer_state", "open", "accepted", "rejected", "resolved"), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer_decision", sa.String(length=200), nullable=True),
        sa.Column("answer_note", sa.String(length=2000), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_task_feasibility_valid_interval")),
        sa.CheckConstraint("(proposal IS NULL) = (answer_state IS NULL)", name=op.f("ck_task_feasibility_answer_needs_proposal")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_feasibility_task_id_task"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_task_feasibility_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_feasibility")),
    )
    op.create_index(
        "ix_task_feasibility_task_id_agency_id_valid_from", "task_feasibility", ["task_id", "agency_id", "valid_from"]
    )
    op.create_index(
        "ix_task_feasibility_province_code_commune_code_valid_from",
        "task_feasibility",
        ["province_code", "commune_code", "valid_from"],
    )
    op.create_index("ix_task_feasibility_agency_id_valid_from", "task_feasibility", ["agency_id", "valid_from"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE task_feasibility ADD CONSTRAINT ex_task_feasibility_validity "
            "EXCLUDE USING gist (task_id WITH =, agency_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
        )


def downgrade() -> None:
    op.drop_index("ix_task_feasibility_agency_id_valid_from", table_name="task_feasibility")
    op.drop_index("ix_task_feasibility_province_code_commune_code_valid_from", table_name="task_feasibility")
    op.drop_index("ix_task_feasibility_task_id_agency_id_valid_from", table_name="task_feasibility")
    op.drop_table("task_feasibility")
