"""Consent to reading a dossier, discrepancies a person flags.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NOTE: the groups as they are today (haicap_personnel.sync.groups.Group), written out: a
# migration does not change when the code does.
GROUPS = (
    "identity",
    "family",
    "history",
    "recruitment_and_movements",
    "education_and_training",
    "position_salary_and_evaluation",
    "memberships",
    "armed_forces",
    "assets_and_income",
    "health",
)
STATUSES = ("open", "corrected", "dismissed")


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_agency_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_name", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_role", sa.String(length=30), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("given_on <= expires_on", name=op.f("ck_consent_dates_ordered")),
        sa.CheckConstraint(
            "(revoked_at IS NULL AND revoked_reason IS NULL) OR (revoked_at IS NOT NULL AND revoked_reason IS NOT NULL)",
            name=op.f("ck_consent_revocation_has_reason"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_consent_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_person_id_id"), ["person_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_grantee_agency_id_person_id"), ["grantee_agency_id", "person_id"], unique=False
        )

    op.create_table(
        "discrepancy",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "group", sa.Enum(*GROUPS, name="dossier_group", native_enum=False, create_constraint=True, length=40), nullable=False
        ),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="discrepancy_status", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("reopened_changes", sa.Integer(), nullable=False),
        sa.Column("resolution_note", sa.String(length=2000), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("agency_level", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("agency_valid_to", sa.Date(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint(
            "(status = 'open' AND resolved_at IS NULL) OR (status <> 'open' AND resolved_at IS NOT NULL)",
            name=op.f("ck_discrepancy_resolved_when_closed"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_discrepancy_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancy")),
    )
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discrepancy_person_id_id"), ["person_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_discrepancy_province_code_status_id"), ["province_code", "status", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("discrepancy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discrepancy_province_code_status_id"))
        batch_op.drop_index(batch_op.f("ix_discrepancy_person_id_id"))
    op.drop_table("discrepancy")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_grantee_agency_id_person_id"))
        batch_op.drop_index(batch_op.f("ix_consent_person_id_id"))
    op.drop_table("consent")
