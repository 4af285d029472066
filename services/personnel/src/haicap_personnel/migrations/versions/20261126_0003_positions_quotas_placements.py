"""Job positions and their approval history, staffing quotas, placements, recruitments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
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
        "job_position",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("search_key", sa.String(length=300), nullable=False),
        sa.Column(
            "group",
            sa.Enum(
                "leadership",
                "professional",
                "support",
                name="position_group",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("rank", sa.String(length=100), nullable=True),
        sa.Column(
            "required_education",
            sa.Enum(
                "none",
                "vocational",
                "college",
                "university",
                "master",
                "doctorate",
                name="position_required_education",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("required_fields", sa.JSON(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "drafting",
                "submitted",
                "appraised",
                "approved",
                "returned",
                name="position_status",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("returned_reason", sa.Text(), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("posts >= 1", name=op.f("ck_job_position_posts_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_position")),
    )
    with op.batch_alter_table("job_position", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_position_agency_id_title_id"), ["agency_id", "title", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_job_position_province_code_title_id"), ["province_code", "title", "id"], unique=False
        )

    op.create_table(
        "position_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("position_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "drafting",
                "submitted",
                "appraised",
                "approved",
                "returned",
                name="position_event_from",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "drafting",
                "submitted",
                "appraised",
                "approved",
                "returned",
                name="position_event_to",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["position_id"], ["job_position.id"], name=op.f("fk_position_event_position_id_job_position")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_event")),
    )
    with op.batch_alter_table("position_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_event_position_id_id"), ["position_id", "id"], unique=False)

    op.create_table(
        "staffing_quota",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("posts >= 0", name=op.f("ck_staffing_quota_posts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staffing_quota")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_staffing_quota_agency_id_year")),
    )
    with op.batch_alter_table("staffing_quota", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staffing_quota_province_code_year_id"), ["province_code", "year", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_staffing_quota_unit_id_year"), ["unit_id", "year"], unique=False)

    op.create_table(
        "placement",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("position_id", sa.Uuid(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "suitability",
            sa.Enum(
                "suitable",
                "partly",
                "unsuitable",
                name="placement_suitability",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("suitability_reasons", sa.JSON(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_placement_valid_interval")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_placement_person_id_person")),
        sa.ForeignKeyConstraint(["position_id"], ["job_position.id"], name=op.f("fk_placement_position_id_job_position")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement")),
    )
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_agency_id_valid_from"), ["agency_id", "valid_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_person_id_valid_from"), ["person_id", "valid_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_position_id"), ["position_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_placement_province_code_valid_from_id"), ["province_code", "valid_from", "id"], unique=False
        )

    op.create_table(
        "recruitment",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_category",
            sa.Enum(
                "cadre",
                "civil_servant",
                "public_employee",
                "non_specialised",
                "contract",
                name="recruitment_from_category",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_category",
            sa.Enum(
                "cadre",
                "civil_servant",
                "public_employee",
                "non_specialised",
                "contract",
                name="recruitment_to_category",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("placement_id", sa.Uuid(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_recruitment_person_id_person")),
        sa.ForeignKeyConstraint(["placement_id"], ["placement.id"], name=op.f("fk_recruitment_placement_id_placement")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recruitment")),
    )
    with op.batch_alter_table("recruitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recruitment_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recruitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recruitment_person_id"))

    op.drop_table("recruitment")
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_province_code_valid_from_id"))
        batch_op.drop_index(batch_op.f("ix_placement_position_id"))
        batch_op.drop_index(batch_op.f("ix_placement_person_id_valid_from"))
        batch_op.drop_index(batch_op.f("ix_placement_agency_id_valid_from"))

    op.drop_table("placement")
    with op.batch_alter_table("staffing_quota", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffing_quota_unit_id_year"))
        batch_op.drop_index(batch_op.f("ix_staffing_quota_province_code_year_id"))

    op.drop_table("staffing_quota")
    with op.batch_alter_table("position_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_event_position_id_id"))

    op.drop_table("position_event")
    with op.batch_alter_table("job_position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_position_province_code_title_id"))
        batch_op.drop_index(batch_op.f("ix_job_position_agency_id_title_id"))

    op.drop_table("job_position")
