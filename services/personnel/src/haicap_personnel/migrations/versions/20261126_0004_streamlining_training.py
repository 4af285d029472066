"""Streamlining cases and training records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "streamlining_case",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "policy",
            sa.Enum(
                "early_retirement",
                "resignation",
                "non_specialised_leave",
                "leadership_relinquished",
                "other",
                name="streamlining_policy",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "approved",
                "paid",
                "withdrawn",
                name="streamlining_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("leave_date", sa.Date(), nullable=False),
        sa.Column("rule_version", sa.String(length=100), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("amount_vnd", sa.Numeric(precision=18, scale=0), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_streamlining_case_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streamlining_case")),
    )
    with op.batch_alter_table("streamlining_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_streamlining_case_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_streamlining_case_province_code_proposed_on_id"), ["province_code", "proposed_on", "id"], unique=False
        )

    op.create_table(
        "training_record",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("course", sa.String(length=300), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(
                "it_skills",
                "political_theory",
                "state_management",
                "professional",
                "foreign_language",
                "other",
                name="training_topic",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("hours", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "in_progress", "passed", "failed", name="training_result", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column("certificate", sa.String(length=200), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("end_date IS NULL OR start_date <= end_date", name=op.f("ck_training_record_dates_ordered")),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_training_record_hours_not_negative")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_training_record_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_record")),
    )
    with op.batch_alter_table("training_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_record_person_id_start_date"), ["person_id", "start_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_training_record_province_code_start_date_id"), ["province_code", "start_date", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("training_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_record_province_code_start_date_id"))
        batch_op.drop_index(batch_op.f("ix_training_record_person_id_start_date"))

    op.drop_table("training_record")
    with op.batch_alter_table("streamlining_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streamlining_case_province_code_proposed_on_id"))
        batch_op.drop_index(batch_op.f("ix_streamlining_case_person_id"))

    op.drop_table("streamlining_case")
