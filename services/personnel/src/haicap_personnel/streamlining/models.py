"""Streamlining cases (tinh giản biên chế, dôi dư): a person, a policy, the entitlement computed."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum

from ..agency_ref import AgencyRefColumns
from ..db import Base


class Policy(enum.StrEnum):
    """The policies of Nghị định 178/2024/NĐ-CP (as amended by Nghị định 67/2025/NĐ-CP)."""

    EARLY_RETIREMENT = "early_retirement"  # Điều 7: nghỉ hưu trước tuổi
    RESIGNATION = "resignation"  # Điều 9: nghỉ thôi việc
    NON_SPECIALISED_LEAVE = "non_specialised_leave"  # người hoạt động không chuyên trách cấp xã nghỉ việc
    LEADERSHIP_RELINQUISHED = "leadership_relinquished"  # thôi giữ chức vụ lãnh đạo, quản lý
    OTHER = "other"


class CaseStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    PAID = "paid"
    WITHDRAWN = "withdrawn"


class StreamliningCase(AgencyRefColumns, Entity, Base):
    """One person's streamlining case, with the calculator's inputs, items and rule version kept."""

    __tablename__ = "streamlining_case"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    policy: Mapped[Policy] = mapped_column(string_enum(Policy, "streamlining_policy"))
    status: Mapped[CaseStatus] = mapped_column(string_enum(CaseStatus, "streamlining_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    proposed_on: Mapped[date] = mapped_column(Date)
    leave_date: Mapped[date] = mapped_column(Date)
    rule_version: Mapped[str] = mapped_column(String(100))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    amount_vnd: Mapped[Decimal] = mapped_column(Numeric(18, 0))
    # NOTE: the qualifying months for the lowered retirement age (Nghị định 135/2020/NĐ-CP
    # Phụ lục II) are inputs like the others (also in ``inputs``), kept as columns so that the
    # cases under the lowered age can be counted; the basis is the one the result used.
    difficult_area_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hazardous_job_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retirement_age_basis: Mapped[str] = mapped_column(String(20), default="appendix_i", server_default="appendix_i")
    # NOTE: the career event (resignation, retirement...) whose decision made the case, when recorded.
    career_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("career_event.id"))

    __table_args__ = (
        Index(None, "person_id"),
        Index(None, "province_code", "proposed_on", "id"),
        Index(None, "career_event_id"),
    )


case_table = cast(Table, StreamliningCase.__table__)
