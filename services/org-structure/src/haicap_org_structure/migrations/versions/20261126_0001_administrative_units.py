"""Administrative units, unit changes and their links; audit and idempotency tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import (
    create_infrastructure_tables_v1,
    create_trigram_index_v1,
    drop_infrastructure_tables_v1,
    drop_trigram_index_v1,
    entity_columns_v1,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIT_KINDS = (
    "tinh",
    "thanh_pho_truc_thuoc_tw",
    "huyen",
    "quan",
    "thi_xa",
    "thanh_pho_thuoc_tinh",
    "xa",
    "phuong",
    "thi_tran",
    "dac_khu",
)
CHANGE_KINDS = ("merge", "split", "rename", "reorganise", "abolish", "establish")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    create_infrastructure_tables_v1()
    op.create_table(
        "administrative_unit",
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("short_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("level", sa.String(30), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("search_key", sa.String(200), nullable=False),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_administrative_unit"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["administrative_unit.id"], name="fk_administrative_unit_parent_id_administrative_unit"
        ),
        sa.CheckConstraint(_in("kind", UNIT_KINDS), name="ck_administrative_unit_unit_kind"),
        sa.CheckConstraint(_in("level", ("province", "district", "commune")), name="ck_administrative_unit_unit_level"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="ck_administrative_unit_valid_interval"
        ),
    )
    op.create_index("ix_administrative_unit_parent_id", "administrative_unit", ["parent_id"])
    op.create_index("ix_administrative_unit_code_valid_from", "administrative_unit", ["code", "valid_from"])
    op.create_index(
        "ix_administrative_unit_province_code_level_code_id", "administrative_unit", ["province_code", "level", "code", "id"]
    )
    create_trigram_index_v1("ix_administrative_unit_search_key_trgm", "administrative_unit", "search_key")
    if op.get_bind().dialect.name == "postgresql":
        # NOTE: the database itself refuses two units with one code valid on a shared date,
        # so a race between two writers cannot slip past the service's own check.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE administrative_unit ADD CONSTRAINT ex_administrative_unit_code_validity "
            "EXCLUDE USING gist (code WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
        )

    op.create_table(
        "unit_change",
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("legal_basis", sa.String(500), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *entity_columns_v1(),
        sa.PrimaryKeyConstraint("id", name="pk_unit_change"),
        sa.CheckConstraint(_in("kind", CHANGE_KINDS), name="ck_unit_change_change_kind"),
    )
    op.create_index("ix_unit_change_effective_date_id", "unit_change", ["effective_date", "id"])
    op.create_index("ix_unit_change_province_code_effective_date_id", "unit_change", ["province_code", "effective_date", "id"])

    op.create_table(
        "unit_change_link",
        sa.Column("change_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.PrimaryKeyConstraint("change_id", "unit_id", "role", name="pk_unit_change_link"),
        sa.ForeignKeyConstraint(
            ["change_id"], ["unit_change.id"], name="fk_unit_change_link_change_id_unit_change", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["administrative_unit.id"], name="fk_unit_change_link_unit_id_administrative_unit"),
        sa.CheckConstraint(_in("role", ("source", "result")), name="ck_unit_change_link_link_role"),
    )
    op.create_index("ix_unit_change_link_unit_id_role", "unit_change_link", ["unit_id", "role"])


def downgrade() -> None:
    op.drop_table("unit_change_link")
    op.drop_table("unit_change")
    drop_trigram_index_v1("ix_administrative_unit_search_key_trgm", "administrative_unit")
    op.drop_table("administrative_unit")
    drop_infrastructure_tables_v1()
