"""idempotency keys per caller

Revision ID: 0002
Revises: 0001
"""

from haicap_shared.migrations import scope_idempotency_keys_v2, unscope_idempotency_keys_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    scope_idempotency_keys_v2()


def downgrade() -> None:
    unscope_idempotency_keys_v2()
