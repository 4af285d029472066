"""Agencies, function decisions, tasks, their ownership over time and transfers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task",
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("sector", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=True),
        sa.Column("legal_article", sa.String(length=200), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("search_key", sa.String(length=1000), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("province_code", "code", name=op.f("uq_task_province_code_code")),
    )
    op.create_index("ix_task_province_code_sector_id", "task", ["province_code", "sector", "id"])

    op.create_table(
        "agency",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "provincial_department",
                "provincial_office",
                "commune_office",
                "commune_economic_office",
                "commune_economic_urban_office",
                "commune_culture_social_office",
                "commune_service_centre",
                "public_service_unit",
                "district_office",
                name="agency_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column(
            "level",
            sa.Enum("province", "district", "commune", name="agency_level", native_enum=False, create_constraint=True, length=30),
            nullable=False,
        ),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("search_key", sa.String(length=300), nullable=False),
        *entity_columns_v1(),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name=op.f("ck_agency_valid_interval")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["agency.id"], name=op.f("fk_agency_parent_id_agency")),
        sa.ForeignKeyConstraint(["unit_id"], ["administrative_unit.id"], name=op.f("fk_agency_unit_id_administrative_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
    )
    op.create_index("ix_agency_commune_code", "agency", ["commune_code"])
    op.create_index("ix_agency_parent_id", "agency", ["parent_id"])
    op.create_index("ix_agency_province_code_level_name_id", "agency", ["province_code", "level", "name", "id"])
    op.create_index("ix_agency_unit_id", "agency", ["unit_id"])

    op.create_table(
        "function_decision",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "drafting", "issued", "superseded", name="decision_status", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("superseded_on", sa.Date(), nullable=True),
        sa.Column("document_url", sa.String(length=1000), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_function_decision_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_function_decision")),
    )
    op.create_index("ix_function_decision_agency_id_status", "function_decision", ["agency_id", "status"])

    op.create_table(
        "task_transfer",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "taken_over_from_district",
                "decentralised",
                "delegated",
                "authorised",
                "returned",
                "reassigned",
                name="transfer_mode",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_level",
            sa.Enum(
                "central",
                "province",
                "district",
                "commune",
                name="transfer_from_level",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("from_agency_id", sa.Uuid(), nullable=True),
        sa.Column("from_authority", sa.String(length=300), nullable=True),
        sa.Column(
            "to_level",
            sa.Enum(
                "central",
                "province",
                "district",
                "commune",
                name="transfer_to_level",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("to_agency_id", sa.Uuid(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["from_agency_id"], ["agency.id"], name=op.f("fk_task_transfer_from_agency_id_agency")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_transfer_task_id_task"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_agency_id"], ["agency.id"], name=op.f("fk_task_transfer_to_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_transfer")),
    )
    op.create_index(
        "ix_task_transfer_province_code_effective_date_mode", "task_transfer", ["province_code", "effective_date", "mode"]
    )
    op.create_index("ix_task_transfer_task_id_effective_date", "task_transfer", ["task_id", "effective_date"])

    op.create_table(
        "task_ownership",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "province", "district", "commune", name="ownership_level", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_task_ownership_valid_interval")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_task_ownership_agency_id_agency")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_ownership_task_id_task"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["transfer_id"], ["task_transfer.id"], name=op.f("fk_task_ownership_transfer_id_task_transfer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_ownership")),
    )
    op.create_index("ix_task_ownership_agency_id_valid_from", "task_ownership", ["agency_id", "valid_from"])
    op.create_index("ix_task_ownership_level_valid_from_valid_to", "task_ownership", ["level", "valid_from", "valid_to"])
    op.create_index("ix_task_ownership_task_id_valid_from", "task_ownership", ["task_id", "valid_from"])


def downgrade() -> None:
    op.drop_index("ix_task_ownership_task_id_valid_from", table_name="task_ownership")
    op.drop_index("ix_task_ownership_level_valid_from_valid_to", table_name="task_ownership")
    op.drop_index("ix_task_ownership_agency_id_valid_from", table_name="task_ownership")

    op.drop_table("task_ownership")
    op.drop_index("ix_task_transfer_task_id_effective_date", table_name="task_transfer")
    op.drop_index("ix_task_transfer_province_code_effective_date_mode", table_name="task_transfer")

    op.drop_table("task_transfer")
    op.drop_index("ix_function_decision_agency_id_status", table_name="function_decision")

    op.drop_table("function_decision")
    op.drop_index("ix_agency_unit_id", table_name="agency")
    op.drop_index("ix_agency_province_code_level_name_id", table_name="agency")
    op.drop_index("ix_agency_parent_id", table_name="agency")
    op.drop_index("ix_agency_commune_code", table_name="agency")

    op.drop_table("agency")
    op.drop_index("ix_task_province_code_sector_id", table_name="task")

    op.drop_table("task")
