"""Tables of the task catalogue: the tasks and who owns each over time.

An ownership opened by a transfer names it (``transfer_id``, a row of ``transfers.models``).
"""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.codes import UnitLevel
from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, valid_interval_check

from ..db import Base


class Task(Entity, Base):
    """A state-management task of a province: what, in which sector, on what legal basis."""

    __tablename__ = "task"

    code: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(1000))
    sector: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    legal_article: Mapped[str | None] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(2))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    search_key: Mapped[str] = mapped_column(String(1000))
    note: Mapped[str | None] = mapped_column(Text)

    # NOTE: (code, id) is the tasks list's keyset order (migration 0005).
    __table_args__ = (
        UniqueConstraint("province_code", "code"),
        Index(None, "province_code", "sector", "id"),
        Index(None, "code", "id"),
    )


class TaskOwnership(ValidityColumns, Base):
    """An agency holding a task from one date to another (lead, when the task is shared)."""

    __tablename__ = "task_ownership"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("task.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    level: Mapped[UnitLevel] = mapped_column(string_enum(UnitLevel, "ownership_level"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=True)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("task_transfer.id"))

    __table_args__ = (
        valid_interval_check(),
        Index(None, "task_id", "valid_from"),
        Index(None, "agency_id", "valid_from"),
        Index(None, "level", "valid_from", "valid_to"),
        # NOTE: the tasks list's join to the lead owner with a level filter (migration 0005).
        Index(None, "task_id", "level", "valid_from"),
    )


task_table = cast(Table, Task.__table__)
ownership_table = cast(Table, TaskOwnership.__table__)
ownership_record = tuple(ownership_table.c)
"""The ownership's own columns (those of the mapped class): what a record of it, read with Core, holds."""

OWNERSHIP_PROVINCE_COPY = "province_code"
"""The ownership's copy of its task's province, kept by the database (migration 0012)."""

# NOTE: a province's findings check its tasks' ownerships. Joined from the tasks, each check read
# every ownership of the country (65,000 at 50,000 tasks, for Cao Bằng's 2,000); copied here, they
# are one range of the index below. A trigger of migration 0012 fills the copy whenever an
# ownership is written (no writer gives it) and follows a change of a task's province. A column of
# the table, not of the mapped class: the API, the audit and the change feed do not show it.
ownership_table.append_column(Column(OWNERSHIP_PROVINCE_COPY, String(2)))
Index(
    "ix_task_ownership_province_code_task_id_valid_from",
    ownership_table.c.province_code,
    ownership_table.c.task_id,
    ownership_table.c.valid_from,
    postgresql_include=["valid_to", "is_lead", "agency_id", "id"],
)
