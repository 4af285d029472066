"""Car norms by date, with the norm of Decree 153/2025/NĐ-CP in force from 2025-07-01.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# NOTE: a fixed id, so the seeded norm is the same row in every database and the downgrade
# removes exactly it.
DECREE_153_ID = uuid.UUID("00000000-0000-4000-8000-000000000153")


def upgrade() -> None:
    table = op.create_table(
        "car_norm",
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("max_general_cars_per_commune", sa.Integer(), nullable=False),
        sa.Column("max_price_vnd", sa.BigInteger(), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *entity_columns_v1(),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_car_norm_valid_interval")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_car_norm")),
        sa.UniqueConstraint("valid_from", name=op.f("uq_car_norm_valid_from")),
    )
    assert table is not None
    now = datetime(2026, 11, 26, tzinfo=UTC)
    op.bulk_insert(
        table,
        [
            {
                "id": DECREE_153_ID,
                "valid_from": date(2025, 7, 1),
                "valid_to": None,
                "max_general_cars_per_commune": 2,
                "max_price_vnd": 950_000_000,
                "legal_basis": "Nghị định 153/2025/NĐ-CP quy định tiêu chuẩn, định mức sử dụng xe ô tô",
                "note": "Cấp xã: tối đa 2 xe phục vụ công tác chung, giá mua tối đa 950 triệu đồng/xe",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("car_norm")
