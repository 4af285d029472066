"""A province's holdings counted from its allocations alone: each allocation carries its asset's kind.

At 3 M people (300,000 assets) Hồ Chí Minh's assets summary (``/stats/summary``) joined its
15,000 allocations in force to the asset table for the asset's kind: a hash join that read all
300,000 assets (9,300 pages, 70 ms on one core). The allocation now carries a copy of its
asset's kind, and the allocations-by-province index carries (INCLUDE) what the summary and the
car figures read, so PostgreSQL answers a province's summary from that index. SQLite ignores
INCLUDE.

The copy is the asset's kind, which never changes. The import and the national data set write
it with the row; a trigger fills it for any other writer (an allocation written without it, or
moved to another asset), and another carries a change of an asset's kind to its allocations, so
no write path can leave it wrong. The copies are filled from the assets here.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import add_copied_column_v1, drop_copied_column_v1

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_allocation_holder_province_code_holder_level_valid_from"
KEY = ["holder_province_code", "holder_level", "valid_from"]
INCLUDE = ["valid_to", "asset_kind", "purpose", "holder_commune_code", "asset_id"]


def upgrade() -> None:
    add_copied_column_v1("allocation", "asset_kind", sa.String(20), source="asset", source_column="kind", key="asset_id")
    op.drop_index(INDEX, table_name="allocation")
    op.create_index(INDEX, "allocation", KEY, postgresql_include=INCLUDE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="allocation")
    op.create_index(INDEX, "allocation", KEY)
    drop_copied_column_v1("allocation", "asset_kind", source="asset", source_column="kind")
