"""The change feed's tables: the transactional outbox, its retention, its destinations and the webhooks.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from haicap_shared.migrations import create_event_tables_v1, drop_event_tables_v1

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables_v1()


def downgrade() -> None:
    drop_event_tables_v1()
