"""The code lists' entries, each valid over an interval like a unit, and the values a migration could not map to a code."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import UtcDateTime, utcnow
from haicap_shared.validity import OpenStartValidityColumns, valid_interval_check

from ..db import Base


class CodeListName(enum.StrEnum):
    """The lists personnel keeps, as they appear in ``/code-lists/{list}``."""

    ETHNICITY = "ethnicity"  # dân tộc, QCVN 109:2017/BTTTT
    RELIGION = "religion"  # tôn giáo, QCVN 109:2017/BTTTT
    CIVIL_SERVICE_GRADE = "civil-service-grade"  # ngạch công chức, with its salary table
    PROFESSIONAL_TITLE = "professional-title"  # chức danh nghề nghiệp viên chức, with its salary table
    LEADERSHIP_POSITION = "leadership-position"  # chức vụ lãnh đạo, quản lý
    EDUCATION_LEVEL = "education-level"  # trình độ chuyên môn
    POLITICAL_THEORY = "political-theory"  # lý luận chính trị
    STATE_MANAGEMENT = "state-management"  # quản lý nhà nước
    COMMENDATION_FORM = "commendation-form"  # hình thức khen thưởng
    DISCIPLINE_FORM = "discipline-form"  # hình thức kỷ luật (cadres, civil servants, public employees differ)


class CodeListEntry(OpenStartValidityColumns, Base):
    """One version of a code of a list: its name, aliases and attributes over the days it is valid.

    A code whose name changes, or that leaves its list, keeps its old version (closed by
    ``valid_to``) beside the new one: nothing is deleted.
    """

    __tablename__ = "code_list_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(300))
    search_key: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer)
    aliases: Mapped[list[str]] = mapped_column(JSON)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        valid_interval_check(open_start=True),
        UniqueConstraint("list_name", "code", "valid_from"),
        Index(None, "list_name", "position", "code"),
    )


class CodeMappingIssue(Base):
    """A free-text value a migration could not turn into a code: kept as it was, for an officer to settle."""

    __tablename__ = "code_mapping_issue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(50))
    original_value: Mapped[str] = mapped_column(Text)
    list_name: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index(None, "province_code", "id"), Index(None, "record_type", "record_id"))


code_list_entry_table = cast(Table, CodeListEntry.__table__)
code_mapping_issue_table = cast(Table, CodeMappingIssue.__table__)
