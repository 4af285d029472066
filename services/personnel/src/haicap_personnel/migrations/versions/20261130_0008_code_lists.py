"""Official code lists, and positions' grades as codes.

Creates ``code_list_entry`` and loads the lists shipped in ``codelists/data/``; creates
``code_mapping_issue``; turns ``job_position.rank`` (free text) into ``grade_code`` (a
civil-service grade or a professional title), keeping every value it could not map in
``code_mapping_issue`` and in the migration's log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from haicap_personnel.codelists import mapping
from haicap_shared.models import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "code_list_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_name", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("search_key", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name=op.f("ck_code_list_entry_valid_interval")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_list_entry")),
        sa.UniqueConstraint("list_name", "code", "valid_from", name=op.f("uq_code_list_entry_list_name_code_valid_from")),
    )
    with op.batch_alter_table("code_list_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_code_list_entry_list_name_position_code"), ["list_name", "position", "code"], unique=False
        )

    op.create_table(
        "code_mapping_issue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_type", sa.String(length=50), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=False),
        sa.Column("original_value", sa.Text(), nullable=False),
        sa.Column("list_name", sa.String(length=100), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_mapping_issue")),
    )
    with op.batch_alter_table("code_mapping_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_code_mapping_issue_province_code_id"), ["province_code", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_code_mapping_issue_record_type_record_id"), ["record_type", "record_id"], unique=False
        )

    mapping.load_code_lists(op.get_bind())

    with op.batch_alter_table("job_position", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grade_code", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("grade_name", sa.String(length=300), nullable=True))
    mapping.map_to_codes(
        op.get_bind(),
        table="job_position",
        source_column="rank",
        target_column="grade_code",
        lists=("civil-service-grade", "professional-title"),
        record_type="job_position",
    )
    op.execute(
        "UPDATE job_position SET grade_name = (SELECT MIN(e.name) FROM code_list_entry e "
        "WHERE e.code = job_position.grade_code AND e.valid_to IS NULL "
        "AND e.list_name IN ('civil-service-grade', 'professional-title')) WHERE grade_code IS NOT NULL"
    )
    with op.batch_alter_table("job_position", schema=None) as batch_op:
        batch_op.drop_column("rank")


def downgrade() -> None:
    with op.batch_alter_table("job_position", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rank", sa.String(length=100), nullable=True))
    mapping.restore_text(
        op.get_bind(), table="job_position", source_column="rank", target_column="grade_code", record_type="job_position"
    )
    with op.batch_alter_table("job_position", schema=None) as batch_op:
        batch_op.drop_column("grade_name")
        batch_op.drop_column("grade_code")

    with op.batch_alter_table("code_mapping_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_mapping_issue_record_type_record_id"))
        batch_op.drop_index(batch_op.f("ix_code_mapping_issue_province_code_id"))
    op.drop_table("code_mapping_issue")
    with op.batch_alter_table("code_list_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_list_entry_list_name_position_code"))
    op.drop_table("code_list_entry")
