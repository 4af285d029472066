"""Response bodies of the code lists API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CodeListSummary(BaseModel):
    """One code list: what it is, its source, and how many entries it has today."""

    name: str = Field(examples=["ethnicity"])
    title: str = Field(examples=["Danh mục dân tộc"])
    source: str = Field(examples=["QCVN 109:2017/BTTTT (mã dân tộc 01-54)"])
    provisional: bool = Field(
        description="True where the official text could not be read and the list follows the public circulars"
    )
    entry_count: int = Field(description="Entries valid today")


class CodeLists(BaseModel):
    """Every code list personnel keeps."""

    items: list[CodeListSummary]


class CodeListEntry(BaseModel):
    """One entry of a list, as valid on the requested day."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["01.003"])
    name: str = Field(examples=["Chuyên viên"])
    aliases: list[str] = Field(description="Other names people type for it, matched without diacritics")
    attributes: dict[str, Any] = Field(
        description="What the list carries: a grade's salary table and coefficients per step, "
        "a discipline form's categories, a level's rank"
    )
    source: str
    valid_from: date | None = Field(description="First day valid; null: since before the records begin")
    valid_to: date | None = Field(description="Last day valid; null: still valid")


class CodeList(BaseModel):
    """A list's entries valid on one day."""

    name: str
    title: str
    source: str
    provisional: bool
    as_of: date
    items: list[CodeListEntry]


class MappingIssue(BaseModel):
    """A free-text value a migration could not turn into a code: the record keeps no code until an officer sets one."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    record_type: str = Field(examples=["job_position"])
    record_id: str
    field: str = Field(examples=["grade_code"])
    original_value: str = Field(examples=["Chuyên viên phòng"])
    list_name: str = Field(examples=["civil-service-grade,professional-title"])
    province_code: str | None
    created_at: datetime


class ImportChange(BaseModel):
    """One change an import of the lists made."""

    list_name: str
    code: str
    action: str = Field(description="added, renamed, changed (attributes), updated (aliases, order, source) or removed")
    before: str | None = None
    after: str | None = None
