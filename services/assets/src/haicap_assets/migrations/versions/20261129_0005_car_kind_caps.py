"""The price cap of each kind of car under a norm, seeded for the norm of Decree 153/2025/NĐ-CP.

Decree 72/2023/NĐ-CP Article 15(1), as amended by Decree 153/2025/NĐ-CP, caps a general-work car
at 950 million đồng (the norm's ``max_price_vnd``, the common car) and, apart, a 12- to 16-seat car
at 1,300 million and a two-axle-drive 7- to 8-seat car at 1,600 million. Specialised cars have no
national cap in that article: the competent authority's norm applies (no cap recorded, provisional).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import entity_columns_v1

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECREE_153_ID = uuid.UUID("00000000-0000-4000-8000-000000000153")
ARTICLE = "Nghị định 72/2023/NĐ-CP, Điều 15 khoản 1, sửa đổi bởi Nghị định 153/2025/NĐ-CP"
# NOTE: fixed ids, so the seeded caps are the same rows in every database.
KINDS = [
    {
        "id": uuid.UUID("00000000-0000-4000-8000-000001530078"),
        "kind": "seats_7_8",
        "min_seats": 7,
        "max_seats": 8,
        "max_price_vnd": 1_600_000_000,
        "provisional": False,
        "source": f"{ARTICLE}: xe 7-8 chỗ ngồi 2 cầu, tối đa 1.600 triệu đồng/xe (the register does not record the drive)",
    },
    {
        "id": uuid.UUID("00000000-0000-4000-8000-000001531216"),
        "kind": "seats_12_16",
        "min_seats": 12,
        "max_seats": 16,
        "max_price_vnd": 1_300_000_000,
        "provisional": False,
        "source": f"{ARTICLE}: xe 12-16 chỗ ngồi, tối đa 1.300 triệu đồng/xe",
    },
    {
        "id": uuid.UUID("00000000-0000-4000-8000-000001539999"),
        "kind": "specialised",
        "min_seats": None,
        "max_seats": None,
        "max_price_vnd": None,
        "provisional": True,
        "source": "Xe chuyên dùng: theo tiêu chuẩn, định mức do cơ quan có thẩm quyền ban hành (provisional: text not read here)",
    },
]


def upgrade() -> None:
    table = op.create_table(
        "car_kind_cap",
        sa.Column("norm_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "common",
                "seats_7_8",
                "seats_12_16",
                "specialised",
                name="car_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("min_seats", sa.Integer(), nullable=True),
        sa.Column("max_seats", sa.Integer(), nullable=True),
        sa.Column("max_price_vnd", sa.BigInteger(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        *entity_columns_v1(),
        sa.CheckConstraint("kind <> 'common'", name=op.f("ck_car_kind_cap_not_common")),
        sa.CheckConstraint(
            "min_seats IS NULL OR max_seats IS NULL OR min_seats <= max_seats", name=op.f("ck_car_kind_cap_seat_range")
        ),
        sa.ForeignKeyConstraint(["norm_id"], ["car_norm.id"], name=op.f("fk_car_kind_cap_norm_id_car_norm"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_car_kind_cap")),
        sa.UniqueConstraint("norm_id", "kind", name=op.f("uq_car_kind_cap_norm_id_kind")),
    )
    assert table is not None
    now = datetime(2026, 11, 29, tzinfo=UTC)
    op.bulk_insert(table, [k | {"norm_id": DECREE_153_ID, "created_at": now, "updated_at": now, "version": 1} for k in KINDS])


def downgrade() -> None:
    op.drop_table("car_kind_cap")
