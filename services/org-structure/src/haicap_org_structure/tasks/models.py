"""Tables of tasks, who owns each over time, and the transfers between owners."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity

from ..db import Base, string_enum
from ..units.models import UnitLevel


class TaskLevel(enum.StrEnum):
    """Where a task sits; ``central`` only as the origin of a decentralised task."""

    CENTRAL = "central"
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class TransferMode(enum.StrEnum):
    """How a task changed hands; the Vietnamese name is in :data:`MODE_LABELS`."""

    TAKEN_OVER_FROM_DISTRICT = "taken_over_from_district"
    DECENTRALISED = "decentralised"
    DELEGATED = "delegated"
    AUTHORISED = "authorised"
    RETURNED = "returned"
    REASSIGNED = "reassigned"


MODE_LABELS = {
    TransferMode.TAKEN_OVER_FROM_DISTRICT: "Tiếp nhận từ cấp huyện",
    TransferMode.DECENTRALISED: "Phân cấp",
    TransferMode.DELEGATED: "Phân quyền",
    TransferMode.AUTHORISED: "Ủy quyền",
    TransferMode.RETURNED: "Trả lại",
    TransferMode.REASSIGNED: "Điều chỉnh cơ quan chủ trì",
}


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


class TaskOwnership(Base):
    """An agency holding a task from one date to another (lead, when the task is shared)."""

    __tablename__ = "task_ownership"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("task.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    level: Mapped[UnitLevel] = mapped_column(string_enum(UnitLevel, "ownership_level"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("task_transfer.id"))

    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name="valid_interval"),
        Index(None, "task_id", "valid_from"),
        Index(None, "agency_id", "valid_from"),
        Index(None, "level", "valid_from", "valid_to"),
        # NOTE: the tasks list's join to the lead owner with a level filter (migration 0005).
        Index(None, "task_id", "level", "valid_from"),
    )


class TaskTransfer(Entity, Base):
    """A task passing from one owner to another on an effective date."""

    __tablename__ = "task_transfer"

    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("task.id", ondelete="CASCADE"))
    mode: Mapped[TransferMode] = mapped_column(string_enum(TransferMode, "transfer_mode"))
    from_level: Mapped[TaskLevel] = mapped_column(string_enum(TaskLevel, "transfer_from_level"))
    from_agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("agency.id"))
    from_authority: Mapped[str | None] = mapped_column(String(300))
    to_level: Mapped[TaskLevel] = mapped_column(string_enum(TaskLevel, "transfer_to_level"))
    to_agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(500))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    province_code: Mapped[str] = mapped_column(String(2))

    __table_args__ = (Index(None, "task_id", "effective_date"), Index(None, "province_code", "effective_date", "mode"))


task_table = cast(Table, Task.__table__)
ownership_table = cast(Table, TaskOwnership.__table__)
transfer_table = cast(Table, TaskTransfer.__table__)
