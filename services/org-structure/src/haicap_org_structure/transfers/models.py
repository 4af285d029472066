"""The table of transfers: a task passing from one owner (or a central authority) to another."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import Date, ForeignKey, Index, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum

from ..db import Base


# NOTE: not haicap_shared.codes.UnitLevel: a transfer may come from ``central`` (a ministry);
# the other values are the unit levels (tests/test_transfers.py keeps them so). The docstring is
# the schema's description in the OpenAPI document.
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


transfer_table = cast(Table, TaskTransfer.__table__)
