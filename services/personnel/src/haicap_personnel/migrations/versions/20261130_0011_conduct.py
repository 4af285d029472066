"""Yearly evaluations, commendations and discipline.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _agency_columns() -> list[Any]:
    return [
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
    ]


def _decision_columns() -> list[Any]:
    return [
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("decision_signer", sa.String(length=200), nullable=False),
        sa.Column("decision_issuer", sa.String(length=300), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "grade",
            sa.Enum(
                "excellent",
                "good",
                "completed",
                "not_completed",
                name="evaluation_grade",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("evaluator", sa.String(length=300), nullable=False),
        sa.Column("evaluation_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        *_agency_columns(),
        *entity_columns_v1(),
        sa.CheckConstraint("year >= 1945 AND year <= 9999", name=op.f("ck_evaluation_year_range")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_evaluation_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
        sa.UniqueConstraint("person_id", "year", name=op.f("uq_evaluation_person_id_year")),
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_province_code_year_id"), ["province_code", "year", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_grade_year_person_id"), ["grade", "year", "person_id"], unique=False)

    op.create_table(
        "commendation",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("form_code", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_decision_columns(),
        *_agency_columns(),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_commendation_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commendation")),
    )
    with op.batch_alter_table("commendation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commendation_person_id_decision_date"), ["person_id", "decision_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commendation_province_code_decision_date_id"), ["province_code", "decision_date", "id"], unique=False
        )

    op.create_table(
        "discipline",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("form_code", sa.String(length=20), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("effect_end_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        *_decision_columns(),
        *_agency_columns(),
        *entity_columns_v1(),
        sa.CheckConstraint(
            "effect_end_date IS NULL OR effective_date <= effect_end_date", name=op.f("ck_discipline_effect_ordered")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_discipline_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discipline")),
    )
    with op.batch_alter_table("discipline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discipline_person_id_effective_date"), ["person_id", "effective_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_discipline_province_code_effective_date_id"), ["province_code", "effective_date", "id"], unique=False
        )

    with op.batch_alter_table("streamlining_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("career_event_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_streamlining_case_career_event_id_career_event"), "career_event", ["career_event_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_streamlining_case_career_event_id"), ["career_event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("streamlining_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streamlining_case_career_event_id"))
        batch_op.drop_constraint(batch_op.f("fk_streamlining_case_career_event_id_career_event"), type_="foreignkey")
        batch_op.drop_column("career_event_id")

    with op.batch_alter_table("discipline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discipline_province_code_effective_date_id"))
        batch_op.drop_index(batch_op.f("ix_discipline_person_id_effective_date"))

    op.drop_table("discipline")
    with op.batch_alter_table("commendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commendation_province_code_decision_date_id"))
        batch_op.drop_index(batch_op.f("ix_commendation_person_id_decision_date"))

    op.drop_table("commendation")
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_grade_year_person_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_province_code_year_id"))

    op.drop_table("evaluation")
