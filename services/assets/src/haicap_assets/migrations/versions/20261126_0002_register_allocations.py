"""The asset register, allocations and the asset history.

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

STATUSES = ("in_use", "surplus", "in_disposition", "disposed")


def _enum(name: str, length: int, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _holder_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("holder_id", sa.Uuid(), nullable=True),
        sa.Column("holder_name", sa.String(length=300), nullable=True),
        sa.Column("holder_province_code", sa.String(length=2), nullable=True),
        sa.Column("holder_commune_code", sa.String(length=5), nullable=True),
        sa.Column("holder_unit_id", sa.Uuid(), nullable=True),
        sa.Column("holder_valid_to", sa.Date(), nullable=True),
        sa.Column("holder_kind", _enum("holder_kind", 10, "unit", "agency"), nullable=True),
        sa.Column("holder_level", _enum("holder_level", 10, "province", "district", "commune"), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "asset",
        sa.Column("kind", _enum("asset_kind", 20, "premises", "car", "equipment"), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("search_key", sa.String(length=300), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("land_area_m2", sa.Float(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("year_built", sa.Integer(), nullable=True),
        sa.Column("condition", _enum("asset_condition", 20, "good", "fair", "degraded", "damaged"), nullable=True),
        sa.Column("land_use_certificate", sa.String(length=100), nullable=True),
        sa.Column("plate", sa.String(length=20), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("model_year", sa.Integer(), nullable=True),
        sa.Column("original_value", sa.BigInteger(), nullable=True),
        sa.Column("residual_value", sa.BigInteger(), nullable=True),
        sa.Column("status", _enum("asset_status", 20, *STATUSES), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_holder_columns(),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset")),
        sa.UniqueConstraint("province_code", "code", name=op.f("uq_asset_province_code_code")),
    )
    for column in ("commune_code", "holder_commune_code", "holder_id", "holder_unit_id", "plate"):
        op.create_index(f"ix_asset_{column}", "asset", [column])

    op.create_table(
        "allocation",
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            _enum(
                "allocation_purpose",
                30,
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
            ),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=100), nullable=True),
        sa.Column("handover_id", sa.Uuid(), nullable=True),
        sa.Column("disposition_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_holder_columns(),
        *entity_columns_v1(),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_allocation_valid_interval")),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_allocation_asset_id_asset")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    op.create_index("ix_allocation_asset_id_valid_from", "allocation", ["asset_id", "valid_from"])
    op.create_index(
        "ix_allocation_holder_province_code_holder_level_valid_from",
        "allocation",
        ["holder_province_code", "holder_level", "valid_from"],
    )
    op.create_index("ix_allocation_holder_unit_id", "allocation", ["holder_unit_id"])
    op.create_index(
        "uq_allocation_open_asset_id",
        "allocation",
        ["asset_id"],
        unique=True,
        sqlite_where=sa.text("valid_to IS NULL"),
        postgresql_where=sa.text("valid_to IS NULL"),
    )

    op.create_table(
        "asset_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            _enum(
                "event_kind",
                30,
                "registered",
                "updated",
                "allocated",
                "handed_over",
                "status_changed",
                "disposition_proposed",
                "disposition_submitted",
                "disposition_approved",
                "disposition_rejected",
                "disposition_executed",
            ),
            nullable=False,
        ),
        sa.Column("status", _enum("event_status", 20, *STATUSES), nullable=True),
        sa.Column("allocation_id", sa.Uuid(), nullable=True),
        sa.Column("disposition_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_asset_event_asset_id_asset")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_event")),
    )
    op.create_index("ix_asset_event_asset_id_event_date_id", "asset_event", ["asset_id", "event_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_asset_event_asset_id_event_date_id", table_name="asset_event")
    op.drop_table("asset_event")
    op.drop_index("uq_allocation_open_asset_id", table_name="allocation")
    op.drop_index("ix_allocation_holder_unit_id", table_name="allocation")
    op.drop_index("ix_allocation_holder_province_code_holder_level_valid_from", table_name="allocation")
    op.drop_index("ix_allocation_asset_id_valid_from", table_name="allocation")
    op.drop_table("allocation")
    for column in ("commune_code", "holder_commune_code", "holder_id", "holder_unit_id", "plate"):
        op.drop_index(f"ix_asset_{column}", table_name="asset")
    op.drop_table("asset")
