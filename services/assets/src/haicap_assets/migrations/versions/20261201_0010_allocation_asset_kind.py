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

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_allocation_holder_province_code_holder_level_valid_from"
KEY = ["holder_province_code", "holder_level", "valid_from"]
INCLUDE = ["valid_to", "asset_kind", "purpose", "holder_commune_code", "asset_id"]
_FROM_ASSET = "(SELECT kind FROM asset WHERE asset.id = allocation.asset_id)"

# NOTE: one statement each (asyncpg prepares each, and takes one command at a time)
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION allocation_takes_asset_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.asset_kind IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT kind INTO NEW.asset_kind FROM asset WHERE id = NEW.asset_id;
    RETURN NEW;
END $$""",
    """CREATE TRIGGER allocation_takes_asset_kind BEFORE INSERT OR UPDATE OF asset_id ON allocation
    FOR EACH ROW EXECUTE FUNCTION allocation_takes_asset_kind()""",
    """CREATE FUNCTION asset_kind_to_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE allocation SET asset_kind = NEW.kind WHERE asset_id = NEW.id;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER asset_kind_to_allocations AFTER UPDATE OF kind ON asset
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION asset_kind_to_allocations()""",
]
_SQLITE_TAKE = f"UPDATE allocation SET asset_kind = {_FROM_ASSET} WHERE id = NEW.id;"
# NOTE: SQLite's triggers cannot set NEW: the allocation written is updated after it.
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER allocation_takes_asset_kind AFTER INSERT ON allocation WHEN NEW.asset_kind IS NULL BEGIN {_SQLITE_TAKE} END",
    f"CREATE TRIGGER allocation_takes_asset_kind_moved AFTER UPDATE OF asset_id ON allocation BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER asset_kind_to_allocations AFTER UPDATE OF kind ON asset WHEN OLD.kind IS NOT NEW.kind "
    "BEGIN UPDATE allocation SET asset_kind = NEW.kind WHERE asset_id = NEW.id; END",
]


def upgrade() -> None:
    op.add_column("allocation", sa.Column("asset_kind", sa.String(20)))
    op.execute(f"UPDATE allocation SET asset_kind = {_FROM_ASSET}")
    for trigger in POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(trigger)
    op.drop_index(INDEX, table_name="allocation")
    op.create_index(INDEX, "allocation", KEY, postgresql_include=INCLUDE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="allocation")
    op.create_index(INDEX, "allocation", KEY)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER asset_kind_to_allocations ON asset")
        op.execute("DROP FUNCTION asset_kind_to_allocations()")
        op.execute("DROP TRIGGER allocation_takes_asset_kind ON allocation")
        op.execute("DROP FUNCTION allocation_takes_asset_kind()")
    else:
        for name in ("asset_kind_to_allocations", "allocation_takes_asset_kind_moved", "allocation_takes_asset_kind"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_column("allocation", "asset_kind")
