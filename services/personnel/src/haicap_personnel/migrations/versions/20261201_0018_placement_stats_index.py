"""A province's placement figures read from an index alone.

At 3 M people a province's headcount (``/stats/headcount``) read its 132,000 primary placements
from the heap: the province's rows lie on 59,000 of the table's 66,000 pages (0.5–0.65 s). The
placements-by-province index (the lists' order: province, start, id) now carries (INCLUDE) the
columns the placement statistics filter and group by, so PostgreSQL answers from the index
(0.07 s). SQLite ignores INCLUDE.

Revision ID: 0018_placement_stats_index
Revises: 0017_stats_plans
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_placement_stats_index"
down_revision: str | None = "0017_stats_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_placement_province_code_valid_from_id"
KEY = ["province_code", "valid_from", "id"]
READ_BY_STATISTICS = [
    "is_primary",
    "valid_to",
    "agency_valid_to",
    "commune_code",
    "agency_level",
    "unit_id",
    "agency_id",
    "person_id",
    "suitability",
]


def upgrade() -> None:
    op.drop_index(INDEX, table_name="placement")
    op.create_index(INDEX, "placement", KEY, postgresql_include=READ_BY_STATISTICS)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="placement")
    op.create_index(INDEX, "placement", KEY)
