"""Bodies of the statistics API: counts, and shares as counts over a stated denominator."""

from __future__ import annotations

import enum

from pydantic import BaseModel, Field

from haicap_shared.values import DecimalString, IsoDate, Money

from ..people.models import Category
from ..placements.models import Suitability
from ..streamlining.models import CaseStatus, Policy


class Dimension(enum.StrEnum):
    """What rows are grouped by (the agency's level, province, commune, unit, the agency itself; the person's category)."""

    LEVEL = "level"
    PROVINCE = "province"
    COMMUNE = "commune"
    UNIT = "unit"
    AGENCY = "agency"
    CATEGORY = "category"


class Share(BaseModel):
    """``count`` of the row's denominator; ``percent`` rounded half up to 1 decimal, for display only."""

    count: int
    percent: DecimalString | None = Field(description="null when the denominator is 0")


class Scope(BaseModel):
    as_of: IsoDate
    province: str | None
    commune: str | None
    level: str | None
    category: Category | None
    by: list[Dimension]


class QualificationRow(BaseModel):
    group: dict[str, str | None]
    headcount: int = Field(description="People with a primary placement in force: the denominator of every share")
    university_or_higher: Share
    political_theory: dict[str, Share]
    state_management: dict[str, Share]


class QualificationStats(Scope):
    """Training of the people in service on ``as_of`` (primary placements in force)."""

    rows: list[QualificationRow]
    total: QualificationRow


class HeadcountRow(BaseModel):
    group: dict[str, str | None]
    headcount: int
    quota: int | None = Field(description="Posts of the quotas for the year of as_of; null when grouped or filtered by category")
    over_quota: int | None = Field(description="headcount - quota when positive, else 0")


class HeadcountStats(Scope):
    year: int
    rows: list[HeadcountRow]
    total: HeadcountRow


class SuitabilityRow(BaseModel):
    group: dict[str, str | None]
    placements: int
    counts: dict[Suitability, Share]


class SuitabilityStats(Scope):
    rows: list[SuitabilityRow]
    total: SuitabilityRow


class GapRow(BaseModel):
    group: dict[str, str | None]
    people: int


class GapStats(Scope):
    """People in service (not left) with no primary placement on ``as_of`` and no streamlining case (not withdrawn)."""

    rows: list[GapRow]
    total: int
    sample: list[str] = Field(description="Ids of the first 100 such people (by id)")


class StreamliningRow(BaseModel):
    group: dict[str, str | None]
    policy: Policy
    status: CaseStatus
    cases: int
    amount_vnd: Money


class StreamliningStats(Scope):
    """Cases proposed on or before ``as_of``, by policy and (current) status."""

    rows: list[StreamliningRow]
    cases: int
    amount_vnd: Money


class TasksNotCompletedRow(BaseModel):
    group: dict[str, str | None]
    people: int


class TasksNotCompletedStats(BaseModel):
    """People evaluated "không hoàn thành nhiệm vụ" two years running: in ``year`` and in ``year - 1``.

    Grouped by the agency of their evaluation of ``year`` (its province, commune, level, unit)
    or by their category.
    """

    year: int
    province: str | None
    commune: str | None
    level: str | None
    category: Category | None
    by: list[Dimension]
    rows: list[TasksNotCompletedRow]
    total: int
