"""What personnel reads of org-structure (agencies, units and lineage, through the gateway), and how.

personnel never reads org-structure's tables. When a record names an agency, the agency is
fetched here and what the area rules and statistics need (province, commune, level, unit) is
kept on the personnel row. The models below are what personnel reads; the HTTP and its
failures are ``haicap_shared.upstream.UpstreamReader``'s: org-structure down, slow, answering
what personnel cannot read, or refusing this service's account is 503 ``upstream_unavailable``
naming it (nothing is written then); a 404 is ``None``, which each caller answers in its terms.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol

from fastapi import FastAPI
from pydantic import BaseModel

from haicap_shared.upstream import UpstreamReader

SERVICE_NAME = "org-structure"


class OrgAgency(BaseModel):
    """The fields of an org-structure agency that personnel reads."""

    id: uuid.UUID
    name: str
    kind: str
    unit_id: uuid.UUID
    level: str
    province_code: str
    commune_code: str | None = None
    electronic_id_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class OrgUnit(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    level: str
    valid_from: date | None = None
    valid_to: date | None = None


class OrgChange(BaseModel):
    kind: str
    effective_date: date
    legal_basis: str


class OrgLineageStep(BaseModel):
    unit: OrgUnit
    change: OrgChange
    depth: int


class OrgLineage(BaseModel):
    unit: OrgUnit
    predecessors: list[OrgLineageStep]
    successors: list[OrgLineageStep]


class OrgDirectory(Protocol):
    """What personnel asks org-structure (the real client, or a fake in unit tests)."""

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None: ...

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None: ...

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit | None: ...


class OrgClient:
    """org-structure through the gateway, as personnel's service account (``haicap_shared.upstream``)."""

    def __init__(self, reader: UpstreamReader) -> None:
        self.reader = reader

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None:
        return await self.reader.get(f"/agencies/{agency_id}", OrgAgency)

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None:
        return await self.reader.get(f"/units/{unit_id}/lineage", OrgLineage)

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit | None:
        """The unit holding ``code`` on ``as_of`` (None: no unit had it then)."""
        return await self.reader.get(f"/units/by-code/{code}", OrgUnit, params={"as_of": as_of.isoformat()})


def default_org_client(app: FastAPI) -> OrgDirectory:
    """The real client, on the process's pooled HTTP client, with the service's credentials."""
    return OrgClient(UpstreamReader.through_gateway(app, SERVICE_NAME, app.state.settings.org_path))
