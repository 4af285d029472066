"""A province's findings read its own ownerships: each ownership carries its task's province.

At 50,000 tasks (65,000 ownerships) each check of ``/tasks/findings`` for one province (two
owners, no owner, an owner no longer in force, duplicates, and whether a task had entered the
catalogue) joined the province's tasks to every ownership of the country, a sequential scan of
the whole table each (3 to 4 ms, five to seven times per call). Each ownership now carries a copy
of its task's province, and an index of the ownerships by province carries (INCLUDE) what the
checks read, so a province's checks read its own ownerships, one range of that index.

A trigger fills the copy on every write (an ownership written, or moved to another task), and
another carries a change of a task's province to its ownerships, so no write path can leave it
wrong. The copies are filled from the tasks here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_task_ownership_province_code_task_id_valid_from"
KEY = ["province_code", "task_id", "valid_from"]
INCLUDE = ["valid_to", "is_lead", "agency_id", "id"]
_FROM_TASK = "(SELECT province_code FROM task WHERE task.id = task_ownership.task_id)"

# NOTE: one statement each (asyncpg prepares each, and takes one command at a time)
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION ownership_takes_task_province() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT province_code INTO NEW.province_code FROM task WHERE id = NEW.task_id;
    RETURN NEW;
END $$""",
    """CREATE TRIGGER ownership_takes_task_province BEFORE INSERT OR UPDATE OF task_id ON task_ownership
    FOR EACH ROW EXECUTE FUNCTION ownership_takes_task_province()""",
    """CREATE FUNCTION task_province_to_ownerships() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE task_ownership SET province_code = NEW.province_code WHERE task_id = NEW.id;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER task_province_to_ownerships AFTER UPDATE OF province_code ON task
    FOR EACH ROW WHEN (OLD.province_code IS DISTINCT FROM NEW.province_code)
    EXECUTE FUNCTION task_province_to_ownerships()""",
]
_SQLITE_TAKE = f"UPDATE task_ownership SET province_code = {_FROM_TASK} WHERE id = NEW.id;"
# NOTE: SQLite's triggers cannot set NEW: the ownership written is updated after it.
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER ownership_takes_task_province AFTER INSERT ON task_ownership BEGIN {_SQLITE_TAKE} END",
    f"CREATE TRIGGER ownership_takes_task_province_moved AFTER UPDATE OF task_id ON task_ownership BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER task_province_to_ownerships AFTER UPDATE OF province_code ON task "
    "WHEN OLD.province_code IS NOT NEW.province_code "
    "BEGIN UPDATE task_ownership SET province_code = NEW.province_code WHERE task_id = NEW.id; END",
]


def upgrade() -> None:
    op.add_column("task_ownership", sa.Column("province_code", sa.String(2)))
    op.execute(f"UPDATE task_ownership SET province_code = {_FROM_TASK}")
    for trigger in POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(trigger)
    op.create_index(INDEX, "task_ownership", KEY, postgresql_include=INCLUDE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="task_ownership")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER task_province_to_ownerships ON task")
        op.execute("DROP FUNCTION task_province_to_ownerships()")
        op.execute("DROP TRIGGER ownership_takes_task_province ON task_ownership")
        op.execute("DROP FUNCTION ownership_takes_task_province()")
    else:
        for name in ("task_province_to_ownerships", "ownership_takes_task_province_moved", "ownership_takes_task_province"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_column("task_ownership", "province_code")
