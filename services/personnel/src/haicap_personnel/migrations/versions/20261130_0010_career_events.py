"""Career events with their decisions, documents; placements linked to them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_TYPES = (
    "recruitment",
    "election",
    "appointment",
    "reappointment",
    "transfer",
    "rotation",
    "secondment",
    "grade_change",
    "salary_step_change",
    "resignation",
    "retirement",
    "dismissal",
)


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_document_size_positive")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document")),
    )
    op.create_table(
        "career_event",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(*EVENT_TYPES, name="career_event_type", native_enum=False, create_constraint=True, length=30),
            nullable=False,
        ),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("from_agency_id", sa.Uuid(), nullable=True),
        sa.Column("to_agency_id", sa.Uuid(), nullable=True),
        sa.Column("position_code", sa.String(length=30), nullable=True),
        sa.Column("grade_code", sa.String(length=30), nullable=True),
        sa.Column("salary_step", sa.SmallInteger(), nullable=True),
        sa.Column("salary_coefficient", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("decision_signer", sa.String(length=200), nullable=False),
        sa.Column("decision_issuer", sa.String(length=300), nullable=False),
        *entity_columns_v1(),
        sa.CheckConstraint("end_date IS NULL OR effective_date <= end_date", name=op.f("ck_career_event_dates_ordered")),
        sa.CheckConstraint("salary_step IS NULL OR salary_step > 0", name=op.f("ck_career_event_salary_step_positive")),
        sa.CheckConstraint(
            "salary_coefficient IS NULL OR salary_coefficient > 0", name=op.f("ck_career_event_salary_coefficient_positive")
        ),
        sa.ForeignKeyConstraint(["document_sha256"], ["document.sha256"], name=op.f("fk_career_event_document_sha256_document")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_career_event_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_career_event")),
    )
    with op.batch_alter_table("career_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_career_event_person_id_effective_date"), ["person_id", "effective_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_career_event_province_code_effective_date_id"),
            ["province_code", "effective_date", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_career_event_commune_code_effective_date_id"),
            ["commune_code", "effective_date", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_career_event_document_sha256"), ["document_sha256"], unique=False)

    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("career_event_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_placement_career_event_id_career_event"), "career_event", ["career_event_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_placement_career_event_id"), ["career_event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_career_event_id"))
        batch_op.drop_constraint(batch_op.f("fk_placement_career_event_id_career_event"), type_="foreignkey")
        batch_op.drop_column("career_event_id")

    with op.batch_alter_table("career_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_career_event_document_sha256"))
        batch_op.drop_index(batch_op.f("ix_career_event_commune_code_effective_date_id"))
        batch_op.drop_index(batch_op.f("ix_career_event_province_code_effective_date_id"))
        batch_op.drop_index(batch_op.f("ix_career_event_person_id_effective_date"))

    op.drop_table("career_event")
    op.drop_table("document")
