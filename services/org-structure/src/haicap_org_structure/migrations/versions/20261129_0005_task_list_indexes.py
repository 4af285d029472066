"""Indexes for the tasks list: its order (code, id), and a task's ownerships of a level.

The list joins each task to its lead ownership on a date through ``task_id``; with a level
filter, (task_id, level, valid_from) answers the join and the filter from one index, where
PostgreSQL otherwise ANDs two bitmaps per task. (code, id) is the list's keyset order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_task_code_id", "task", ["code", "id"])
    op.create_index("ix_task_ownership_task_id_level_valid_from", "task_ownership", ["task_id", "level", "valid_from"])


def downgrade() -> None:
    op.drop_index("ix_task_ownership_task_id_level_valid_from", table_name="task_ownership")
    op.drop_index("ix_task_code_id", table_name="task")
