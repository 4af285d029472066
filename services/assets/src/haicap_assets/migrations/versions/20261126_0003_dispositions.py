"""Disposition plans, one open per asset.

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

OPEN = sa.text("status IN ('proposed', 'submitted', 'approved')")
PURPOSES = (
    "office",
    "public_service_facility",
    "general_work_car",
    "specialised_car",
    "education",
    "health",
    "library",
    "culture_sports",
    "storm_shelter",
    "farm_supply_point",
    "other_public_use",
    "housing_land_fund",
    "other",
)


def _enum(name: str, length: int, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def upgrade() -> None:
    op.create_table(
        "disposition",
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("asset_kind", _enum("disposition_asset_kind", 20, "premises", "car", "equipment"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column(
            "form",
            _enum(
                "disposition_form",
                30,
                "keep_reallocate",
                "share_use",
                "transfer",
                "repurpose",
                "hand_over_housing_land_fund",
                "sell",
                "liquidate",
                "destroy",
                "recover",
            ),
            nullable=False,
        ),
        sa.Column(
            "repurpose_to",
            _enum(
                "disposition_repurpose_to",
                30,
                "education",
                "health",
                "library",
                "culture_sports",
                "storm_shelter",
                "farm_supply_point",
                "other_public_use",
            ),
            nullable=True,
        ),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("reason_higher_forms_unfit", sa.Text(), nullable=True),
        sa.Column(
            "status",
            _enum("disposition_status", 20, "proposed", "submitted", "approved", "rejected", "executed"),
            nullable=False,
        ),
        sa.Column(
            "asset_status_before",
            _enum("disposition_asset_status_before", 20, "in_use", "surplus", "in_disposition", "disposed"),
            nullable=False,
        ),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("dossier_ref", sa.String(length=200), nullable=True),
        sa.Column("decision_number", sa.String(length=100), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("authority", sa.String(length=300), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("executed_on", sa.Date(), nullable=True),
        sa.Column("handover_record", sa.String(length=200), nullable=True),
        sa.Column("receiving_purpose", _enum("disposition_receiving_purpose", 30, *PURPOSES), nullable=True),
        sa.Column("receiving_holder_kind", _enum("receiving_holder_kind", 10, "unit", "agency"), nullable=True),
        sa.Column("receiving_holder_id", sa.Uuid(), nullable=True),
        sa.Column("receiving_holder_name", sa.String(length=300), nullable=True),
        sa.Column("receiving_province_code", sa.String(length=2), nullable=True),
        sa.Column("receiving_commune_code", sa.String(length=5), nullable=True),
        sa.Column("receiving_level", _enum("receiving_level", 10, "province", "district", "commune"), nullable=True),
        sa.Column("receiving_unit_id", sa.Uuid(), nullable=True),
        sa.Column("receiving_valid_to", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *entity_columns_v1(),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_disposition_asset_id_asset")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposition")),
    )
    op.create_index("ix_disposition_asset_id_proposed_on", "disposition", ["asset_id", "proposed_on"])
    op.create_index("ix_disposition_province_code_status", "disposition", ["province_code", "status"])
    op.create_index(
        "uq_disposition_open_asset_id", "disposition", ["asset_id"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
    )


def downgrade() -> None:
    op.drop_index("uq_disposition_open_asset_id", table_name="disposition")
    op.drop_index("ix_disposition_province_code_status", table_name="disposition")
    op.drop_index("ix_disposition_asset_id_proposed_on", table_name="disposition")
    op.drop_table("disposition")
