"""People (cadres, civil servants, public employees, workers), with a trigram index on names on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import create_trigram_index_v1, drop_trigram_index_v1, entity_columns_v1

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column(
            "category",
            sa.Enum(
                "cadre",
                "civil_servant",
                "public_employee",
                "non_specialised",
                "contract",
                name="person_category",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("search_key", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum("male", "female", name="person_sex", native_enum=False, create_constraint=True, length=30),
            nullable=False,
        ),
        sa.Column("ethnicity", sa.String(length=50), nullable=True),
        sa.Column("national_id", sa.String(length=12), nullable=False),
        sa.Column(
            "education_level",
            sa.Enum(
                "none",
                "vocational",
                "college",
                "university",
                "master",
                "doctorate",
                name="person_education",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("field_of_study", sa.String(length=200), nullable=True),
        sa.Column("field_key", sa.String(length=200), nullable=True),
        sa.Column(
            "political_theory",
            sa.Enum(
                "none",
                "elementary",
                "intermediate",
                "advanced",
                name="person_political_theory",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "state_management",
            sa.Enum(
                "none",
                "officer",
                "principal",
                "senior",
                name="person_state_management",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("certificates", sa.String(length=1000), nullable=True),
        sa.Column("social_insurance_start_date", sa.Date(), nullable=True),
        sa.Column("salary_coefficient", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("position_allowance", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("seniority_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("allowance_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("national_id", name=op.f("uq_person_national_id")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_agency_id_id"), ["agency_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_commune_code_id"), ["commune_code", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_province_code_id"), ["province_code", "id"], unique=False)
    create_trigram_index_v1("ix_person_search_key_trgm", "person", "search_key")


def downgrade() -> None:
    drop_trigram_index_v1("ix_person_search_key_trgm", "person")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_province_code_id"))
        batch_op.drop_index(batch_op.f("ix_person_commune_code_id"))
        batch_op.drop_index(batch_op.f("ix_person_agency_id_id"))

    op.drop_table("person")
