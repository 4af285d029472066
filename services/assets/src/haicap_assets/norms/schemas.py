"""Request and response bodies of car norms."""

from __future__ import annotations

import itertools
import uuid
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.values import IsoDate

from .models import CarKind


class CarKindCapCreate(BaseModel):
    """The cap of one kind of car other than the common car (whose cap is the norm's ``max_price_vnd``)."""

    kind: CarKind
    min_seats: int | None = Field(None, ge=1, le=100)
    max_seats: int | None = Field(None, ge=1, le=100)
    max_price_vnd: int | None = Field(None, gt=0, le=10**12, description="Null: the norm sets no cap for the kind")
    provisional: bool = Field(False, description="The cap could not be read in the text of its legal basis")
    source: str = Field(min_length=3, max_length=500, description="The article the cap comes from")

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.kind is CarKind.COMMON:
            raise ValueError("the common car's cap is the norm's max_price_vnd")
        if self.kind is CarKind.SPECIALISED and (self.min_seats is not None or self.max_seats is not None):
            raise ValueError("a specialised car is one allocated as such, whatever its seats")
        if self.kind is not CarKind.SPECIALISED and (self.min_seats is None or self.max_seats is None):
            raise ValueError("a kind other than specialised is a range of seats")
        if self.min_seats is not None and self.max_seats is not None and self.min_seats > self.max_seats:
            raise ValueError("min_seats exceeds max_seats")
        return self


class CarNormCreate(BaseModel):
    """A norm that replaces the one in force from ``valid_from`` (which then ends the day before)."""

    valid_from: IsoDate
    max_general_cars_per_commune: int = Field(ge=0, le=100)
    max_price_vnd: int = Field(gt=0, le=10**12, description="The common car's cap: any general-work car not of another kind")
    legal_basis: str = Field(min_length=3, max_length=300)
    note: str | None = Field(None, max_length=4000)
    kinds: list[CarKindCapCreate] | None = Field(
        None, max_length=10, description="The other kinds' caps; omitted: those of the norm it replaces, unchanged"
    )

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        kinds = [k.kind for k in self.kinds or []]
        if len(kinds) != len(set(kinds)):
            raise ValueError("each kind of car at most once")
        ranges = sorted((k.min_seats, k.max_seats) for k in self.kinds or [] if k.min_seats is not None and k.max_seats)
        if any(b[0] <= a[1] for a, b in itertools.pairwise(ranges)):
            raise ValueError("the seat ranges of the kinds overlap")
        return self


class CarKindCapOut(BaseModel):
    """The cap of one kind of car under a norm (the common car's is the norm's ``max_price_vnd``)."""

    model_config = ConfigDict(from_attributes=True)

    kind: CarKind
    min_seats: int | None
    max_seats: int | None
    max_price_vnd: int | None
    provisional: bool
    source: str


class CarNorm(BaseModel):
    """A car norm per commune over its validity, with the price cap of each kind of car."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    valid_from: IsoDate
    valid_to: IsoDate | None
    max_general_cars_per_commune: int
    max_price_vnd: int = Field(description="The common car's cap: any general-work car not of another kind")
    legal_basis: str
    note: str | None
    kinds: list[CarKindCapOut] = Field(description="Every kind of car with its cap, the common car first")
    version: int
