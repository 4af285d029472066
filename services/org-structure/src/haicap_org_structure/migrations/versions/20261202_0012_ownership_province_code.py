"""A province's findings read its own ownerships: each ownership carries its task's province.

At 50,000 tasks (65,000 ownerships) each check of ``/tasks/findings`` for one province (two
owners, no owner, an owner no longer in force, duplicates, and whether a task had entered the
catalogue) joined the province's tasks to every ownership of the country, a sequential scan of
the whole table each (3 to 4 ms, five to seven times per call). Each ownership now carries a copy
of its task's province, and an index of the ownerships by province carries (INCLUDE) what the
checks read, so a province's checks read its own ownerships, one range of that index.

A trigger fills the copy when an ownership is written without it (every writer does: the API,
the imports, the national data set) or moved to another task, and another carries a change of a
task's province to its ownerships, so no write path can leave it wrong
(``haicap_shared.migrations.add_copied_column_v1``). The copies are filled from the tasks here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_shared.migrations import add_copied_column_v1, drop_copied_column_v1

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_task_ownership_province_code_task_id_valid_from"
KEY = ["province_code", "task_id", "valid_from"]
INCLUDE = ["valid_to", "is_lead", "agency_id", "id"]


def upgrade() -> None:
    add_copied_column_v1(
        "task_ownership", "province_code", sa.String(2), source="task", source_column="province_code", key="task_id"
    )
    op.create_index(INDEX, "task_ownership", KEY, postgresql_include=INCLUDE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="task_ownership")
    drop_copied_column_v1("task_ownership", "province_code", source="task", source_column="province_code")
