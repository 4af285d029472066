"""Idempotency keys belong to the caller who sent them: `idempotency_key.owner`, the key is (owner, key).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from haicap_shared.migrations import scope_idempotency_keys_v2, unscope_idempotency_keys_v2

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    scope_idempotency_keys_v2()


def downgrade() -> None:
    unscope_idempotency_keys_v2()
