"""Request and response bodies of consents, dossiers and discrepancies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..decisions import HistoryEntry
from ..people.schemas import FamilyMember, Person
from ..sync.groups import Group
from .models import DiscrepancyStatus

MAX_CONSENT_YEARS = 5
"""The longest a consent may run: an agency that needs more asks the person again."""

ScopeGroup = Group | Literal["all"]
Scope = Annotated[
    list[ScopeGroup],
    Field(
        min_length=1,
        max_length=len(Group) + 1,
        description="The dossier groups the agency may read (Decree 27/2026/NĐ-CP's groups), or `all`",
        examples=[["identity", "recruitment_and_movements"]],
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February: the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class MyConsentCreate(BaseModel):
    """A consent the person gives: which agency may read which groups, why, until when (at most 5 years)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    grantee_agency_id: uuid.UUID = Field(description="The agency that may read (its id in org-structure)")
    scope: Scope
    purpose: str = Field(min_length=1, max_length=500, examples=["Thẩm định hồ sơ điều động về Sở Tài chính"])
    given_on: date | None = Field(None, description="The day the person gave it (default: today); never in the future")
    expires_on: date = Field(description=f"The last day it holds: required, at most {MAX_CONSENT_YEARS} years after given_on")

    @model_validator(mode="after")
    def _scope_and_dates(self) -> Self:
        if len(set(self.scope)) != len(self.scope):
            raise ValueError("scope names a group twice")
        if "all" in self.scope and len(self.scope) > 1:
            raise ValueError("scope `all` stands alone")
        given = self.given_on or date.today()
        if given > date.today():
            raise ValueError("given_on is in the future")
        if self.expires_on < given:
            raise ValueError("expires_on is before given_on")
        if self.expires_on > years_after(given, MAX_CONSENT_YEARS):
            raise ValueError(f"a consent runs at most {MAX_CONSENT_YEARS} years (expires_on too late)")
        return self


class ConsentCreate(MyConsentCreate):
    """A consent an officer records for a person of their area, on the person's written consent."""

    person_id: uuid.UUID


class ConsentRevoke(BaseModel):
    """Why the consent ends now."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500, examples=["Người lao động rút lại sự đồng ý"])


class Consent(BaseModel):
    """A consent: who may read which groups of whose dossier, until when; and whether it still holds."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    grantee_agency_id: uuid.UUID
    grantee_name: str
    scope: list[ScopeGroup]
    purpose: str
    given_on: date
    expires_on: date
    recorded_by: str
    recorded_by_role: str
    revoked_at: datetime | None
    revoked_by: str | None
    revoked_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class Dossier(BaseModel):
    """A person's dossier: the person, their family, their history; on behalf of an agency, only the consented groups."""

    person_id: uuid.UUID
    groups: list[Group] = Field(description="The groups this read may show (all of them in the reader's own area)")
    on_behalf_of: uuid.UUID | None = Field(description="The agency read for, with the person's consent")
    consent_ids: list[uuid.UUID] = Field(description="The consents this read rests on (none in the reader's own area)")
    person: Person | None = Field(description="The person's record (group `identity`); the national id masked unless revealed")
    family: list[FamilyMember] | None = Field(description="Family members (group `family`)")
    history: list[HistoryEntry] | None = Field(
        description="Career events, evaluations, commendations and disciplines of the groups shown, by day"
    )


class DiscrepancyCreate(BaseModel):
    """What the person says is wrong: the group, the field, and what is wrong with it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    group: Group
    field: str = Field(min_length=1, max_length=100, examples=["birth_place_code"])
    description: Text = Field(examples=["Nơi sinh ghi sai: đúng là xã Quảng Lâm"])


class DiscrepancyResolve(BaseModel):
    """How the officers resolved it: the dossier corrected, or the claim dismissed; a note either way."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["corrected", "dismissed"]
    note: Text


class Discrepancy(BaseModel):
    """A discrepancy a person flagged in their dossier, and its resolution."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    group: Group
    field: str
    description: str
    reported_by: str
    status: DiscrepancyStatus
    reopened_changes: int = Field(description="Changes of the group, not yet sent, that went back to verification")
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    version: int
    created_at: datetime
    updated_at: datetime
