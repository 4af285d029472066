"""Request and response bodies of the staffing quotas API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class QuotaCreate(BaseModel):
    """An agency's staffing quota (biên chế) for a year."""

    agency_id: uuid.UUID
    year: int = Field(ge=2000, le=2100, examples=[2025])
    posts: int = Field(ge=0, le=100000, examples=[32])
    note: str | None = Field(None, max_length=1000, description="The decision that set it, for instance")


class QuotaUpdate(BaseModel):
    posts: int | None = Field(None, ge=0, le=100000)
    note: str | None = Field(None, max_length=1000)


class StaffingQuota(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    agency_level: str
    unit_id: uuid.UUID
    year: int
    posts: int
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class PredecessorTotal(BaseModel):
    """A former unit and the quotas its agencies had (the latest year at or before the one asked)."""

    unit_id: uuid.UUID
    code: str
    name: str
    year: int | None = Field(description="The year whose quotas are counted; null: none recorded")
    posts: int
