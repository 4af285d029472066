"""Request and response bodies of the training API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.values import DecimalString, DecimalText, IsoDate

from .models import TrainingResult, TrainingTopic

Hours = Annotated[Decimal, Field(ge=0, le=5000, decimal_places=1), DecimalText()]


class TrainingCreate(BaseModel):
    """A course a person took (or is taking)."""

    person_id: uuid.UUID
    course: str = Field(min_length=2, max_length=300, examples=["Bồi dưỡng kỹ năng số cho cán bộ cấp xã"])
    topic: TrainingTopic
    start_date: IsoDate
    end_date: IsoDate | None = None
    hours: Hours = Field(examples=["40"])
    result: TrainingResult = TrainingResult.IN_PROGRESS
    certificate: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class TrainingRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    course: str
    topic: TrainingTopic
    start_date: IsoDate
    end_date: IsoDate | None
    hours: DecimalString
    result: TrainingResult
    certificate: str | None
    version: int
    created_at: datetime
    updated_at: datetime
