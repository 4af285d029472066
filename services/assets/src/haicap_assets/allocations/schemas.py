"""Request and response bodies of allocations and hand-overs."""

from __future__ import annotations

import uuid
from typing import Self

from pydantic import BaseModel, Field, model_validator

from haicap_shared.values import IsoDate

from ..holders import HolderRef
from .models import Purpose


class AllocationCreate(BaseModel):
    """Give the asset to another holder from a date; the current allocation ends the day before."""

    holder: HolderRef
    purpose: Purpose
    valid_from: IsoDate
    decision_number: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=4000)


class HandoverCreate(BaseModel):
    """All assets of former units (or agencies) pass to one holder from a date, in one transaction.

    Name the former holders in ``from_holders``, or set ``from_predecessors`` to take the units
    the receiving unit was formed from (its lineage in org-structure).
    """

    from_holders: list[HolderRef] = Field(default_factory=list, max_length=500)
    from_predecessors: bool = Field(False, description="Hand over the assets of the units the receiving unit came from")
    to_holder: HolderRef
    effective_date: IsoDate = Field(examples=["2025-07-01"])
    decision_number: str = Field(min_length=2, max_length=100, description="The decision ordering the hand-over")
    purpose: Purpose | None = Field(None, description="New purpose for every asset; omitted: each keeps its own")
    note: str | None = Field(None, max_length=4000)

    @model_validator(mode="after")
    def _sources(self) -> Self:
        if not self.from_holders and not self.from_predecessors:
            raise ValueError("name from_holders or set from_predecessors")
        return self


class HandoverRow(BaseModel):
    """One asset of a hand-over: handed over, or why it cannot be."""

    asset_id: uuid.UUID
    code: str
    name: str
    from_holder: str | None
    allocation_id: uuid.UUID | None = Field(None, description="The new allocation (when handed over)")
    errors: list[str] = Field(default_factory=list)


class HandoverReport(BaseModel):
    """What a hand-over did: every asset, written only if none had a problem."""

    handover_id: uuid.UUID
    effective_date: IsoDate
    to_holder: str
    from_holders: list[str]
    assets: int
    handed_over: int
    rejected: int
    rows: list[HandoverRow]


class HandoverSummary(BaseModel):
    """A hand-over, as its change event carries it: the report's counts, the assets moved and the receiving holder's area."""

    handover_id: uuid.UUID
    effective_date: IsoDate
    decision: str = Field(description="The decision ordering the hand-over")
    to_holder: str
    province_code: str | None = Field(description="The receiving holder's province")
    commune_code: str | None = Field(description="The receiving holder's commune (a commune or one of its agencies)")
    from_holders: list[str]
    assets: int
    handed_over: int
    rejected: int
    asset_ids: list[uuid.UUID] = Field(description="The assets handed over (each has its asset and allocation events)")
