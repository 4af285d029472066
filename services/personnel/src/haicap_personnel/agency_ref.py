"""An agency as personnel keeps it on its rows: the id and what area checks and statistics need."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.areas import check_record_area, record_in_area
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict

from .org_client import OrgAgency, OrgDirectory


class AgencyNotFound(Conflict):
    code, title = "agency_not_found", "org-structure has no such agency"


class AgencyRefColumns:
    """The agency a record belongs to, with its province, commune, level and unit copied from org-structure."""

    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    agency_level: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # NOTE: the agency's last day (abolished with its commune, say): after it, a placement
    # there no longer counts as serving, even before anyone ends it.
    agency_valid_to: Mapped[date | None] = mapped_column(Date)


@dataclass(frozen=True)
class AgencyFacts:
    agency_id: uuid.UUID
    name: str
    province_code: str
    commune_code: str | None
    agency_level: str
    unit_id: uuid.UUID
    valid_from: date | None
    valid_to: date | None

    @classmethod
    def of(cls, agency: OrgAgency) -> AgencyFacts:
        return cls(
            agency.id,
            agency.name,
            agency.province_code,
            agency.commune_code,
            agency.level,
            agency.unit_id,
            agency.valid_from,
            agency.valid_to,
        )

    def columns(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "province_code": self.province_code,
            "commune_code": self.commune_code,
            "agency_level": self.agency_level,
            "unit_id": self.unit_id,
            "agency_valid_to": self.valid_to,
        }


def agency_in_area(principal: Principal, agency: AgencyFacts) -> bool:
    """Whether the agency is in the caller's area (so may the records it holds be)."""
    return record_in_area(principal, agency)


async def fetch_agency(org: OrgDirectory, principal: Principal, agency_id: uuid.UUID) -> AgencyFacts:
    """The agency from org-structure, checked to exist and to be in the caller's area."""
    agency = await org.agency(agency_id)
    if agency is None:
        raise AgencyNotFound(f"org-structure has no agency {agency_id}")
    facts = AgencyFacts.of(agency)
    check_record_area(principal, facts, agency.name)
    return facts


def _org(request: Request) -> OrgDirectory:
    org: OrgDirectory = request.app.state.org
    return org


Org = Annotated[OrgDirectory, Depends(_org)]
"""The org-structure client of this process."""
