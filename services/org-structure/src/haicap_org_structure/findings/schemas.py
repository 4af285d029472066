"""Response bodies of the catalogue's checks (findings)."""

from __future__ import annotations

import enum
import uuid

from pydantic import BaseModel, Field

from haicap_shared.codes import UnitLevel
from haicap_shared.values import IsoDate


class FindingKind(enum.StrEnum):
    OVERLAP = "overlap"
    NO_OWNER = "no_owner"
    NO_LEGAL_BASIS = "no_legal_basis"
    ENDED_OWNER = "ended_owner"
    DUPLICATE = "duplicate"
    CANNOT_CARRY_OUT = "cannot_carry_out"
    DIFFICULTY_OPEN = "difficulty_open"


FEASIBILITY_KINDS = (FindingKind.CANNOT_CARRY_OUT, FindingKind.DIFFICULTY_OPEN)
"""The kinds found in the holders' statuses (``feasibility``), counted by commune and sector too."""


class FindingAgency(BaseModel):
    id: uuid.UUID
    name: str
    level: UnitLevel
    valid_from: IsoDate | None
    valid_to: IsoDate | None


class Finding(BaseModel):
    """A breach of "rõ người, rõ việc, rõ thẩm quyền": which task, which agencies, and why."""

    kind: FindingKind
    task_id: uuid.UUID
    task_code: str
    task_title: str
    sector: str
    province_code: str
    agencies: list[FindingAgency]
    related_task_ids: list[uuid.UUID] = Field(description="For `duplicate`: the tasks this one looks like")
    feasibility_id: uuid.UUID | None = Field(
        default=None, description="For `cannot_carry_out` and `difficulty_open`: the status (`/task-feasibility/{id}`)"
    )
    reason: str


class Findings(BaseModel):
    """The findings on ``as_of``: complete counts by kind, and the first ``limit`` findings."""

    as_of: IsoDate
    province: str | None
    open_days: int = Field(description="`difficulty_open`: a difficulty in force since more than this many days")
    counts: dict[FindingKind, int]
    total: int
    items: list[Finding]
    truncated: bool = Field(description="More findings exist than `items` holds; filter by kind or raise `limit`")
    by_commune: dict[str, dict[FindingKind, int]] = Field(
        description="`cannot_carry_out` and `difficulty_open` by the reporting agency's commune (the province's own "
        "agencies, in no commune, are counted in `by_sector` only)"
    )
    by_sector: dict[str, dict[FindingKind, int]] = Field(description="`cannot_carry_out` and `difficulty_open` by sector")


class ProvinceFindingCounts(BaseModel):
    """One province's findings on the date: `total` and `counts` of `GET /tasks/findings?province=<code>`."""

    province: str
    total: int
    counts: dict[FindingKind, int] = Field(description="Every kind, those without a finding at 0")


class FindingCountsByProvince(BaseModel):
    """The complete counts of findings on ``as_of`` for every province of the caller's area, by province code.

    Counted in SQL in one statement; no finding is listed. A province without a finding has no row.
    """

    as_of: IsoDate
    rows: list[ProvinceFindingCounts]
