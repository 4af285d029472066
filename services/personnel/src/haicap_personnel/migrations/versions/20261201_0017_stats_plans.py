"""The statistics' indexes: a province's qualification and gap figures without scanning every person.

On PostgreSQL each index carries (INCLUDE) the columns its statistic reads, so the planner can
answer from the index alone: the person's qualifications by id, the person's area by province
(the people lists' index, widened), and whether a person has a primary placement in force.
SQLite ignores INCLUDE.

Revision ID: 0017_stats_plans
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_stats_plans"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_person_id_qualifications",
        "person",
        ["id"],
        postgresql_include=["category", "education_level", "political_theory", "state_management"],
    )
    # NOTE: the person-by-province index (the lists' too) gains the area columns in place.
    op.drop_index("ix_person_province_code_id", table_name="person")
    op.create_index(
        "ix_person_province_code_id",
        "person",
        ["province_code", "id"],
        postgresql_include=["left_on", "agency_id", "commune_code", "agency_level", "unit_id", "category"],
    )
    op.create_index(
        "ix_placement_person_id_serving",
        "placement",
        ["person_id"],
        postgresql_include=["is_primary", "valid_from", "valid_to", "agency_valid_to"],
    )


def downgrade() -> None:
    op.drop_index("ix_placement_person_id_serving", table_name="placement")
    op.drop_index("ix_person_province_code_id", table_name="person")
    op.create_index("ix_person_province_code_id", "person", ["province_code", "id"])
    op.drop_index("ix_person_id_qualifications", table_name="person")
