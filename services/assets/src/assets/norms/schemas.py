"""Request and response bodies of car norms."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CarNormCreate(BaseModel):
    """A norm that replaces the one in force from ``valid_from`` (which then ends the day before)."""

    valid_from: date
    max_general_cars_per_commune: int = Field(ge=0, le=100)
    max_price_vnd: int = Field(gt=0, le=10**12)
    legal_basis: str = Field(min_length=3, max_length=300)
    note: str | None = Field(None, max_length=4000)


class CarNorm(BaseModel):
    """A car norm per commune over its validity."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    valid_from: date
    valid_to: date | None
    max_general_cars_per_commune: int
    max_price_vnd: int
    legal_basis: str
    note: str | None
    version: int
