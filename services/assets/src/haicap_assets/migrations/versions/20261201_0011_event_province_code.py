"""A province's statuses on a date read from its own status events: each event carries its asset's province.

A statistic of a province's statuses on a date (``/stats/dispositions``' surplus without a plan,
``/stats/value``) looked each of the province's assets up in the events' index: Hồ Chí Minh's
15,000 assets at 3 M people, 45 ms on one core. Each event now carries a copy of its asset's
province (where it stands, which never changes), and an index of the status events by province
carries what the ranking reads (INCLUDE, PostgreSQL): one range of the index, ranked.

The import and the national data set write the copy with the row; a trigger fills it for any
other writer (an event written without it), and another carries a change of an asset's province
to its events, so no write path can leave it wrong. The copies are filled from the assets here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import add_copied_column_v1, drop_copied_column_v1

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_asset_event_province_code_asset_id_event_date_id"
KEY = ["province_code", "asset_id", "event_date", "id"]


def upgrade() -> None:
    add_copied_column_v1(
        "asset_event", "province_code", sa.String(2), source="asset", source_column="province_code", key="asset_id"
    )
    status_events = sa.text("status IS NOT NULL")
    op.create_index(
        INDEX, "asset_event", KEY, postgresql_include=["status"], postgresql_where=status_events, sqlite_where=status_events
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="asset_event")
    drop_copied_column_v1("asset_event", "province_code", source="asset", source_column="province_code")
