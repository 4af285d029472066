"""The one client of org-structure: agencies and units, read through the gateway.

assets never reads org-structure's tables: a holder (an agency or a unit) is fetched here
when it is written, and what the area checks and statistics need is kept on the asset's
rows. Each response model below is the small part of org-structure's body that assets reads.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel

from haicap_shared.errors import Conflict
from haicap_shared.upstream import UpstreamReader

SERVICE = "org-structure"

M = TypeVar("M", bound=BaseModel)


class OrgUnit(BaseModel):
    """An administrative unit as org-structure describes it."""

    id: uuid.UUID
    code: str
    name: str
    level: str
    province_code: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


class OrgAgency(BaseModel):
    """An agency as org-structure describes it."""

    id: uuid.UUID
    name: str
    unit_id: uuid.UUID
    level: str
    province_code: str
    commune_code: str | None = None
    electronic_id_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class HolderNotFound(Conflict):
    code, title = "holder_not_found", "org-structure knows no such agency or unit"


class OrgDirectory(Protocol):
    """What assets asks org-structure; the real client and the tests' fake both provide it."""

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency: ...

    async def unit(self, unit_id: uuid.UUID) -> OrgUnit: ...

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit: ...

    async def predecessors(self, unit_id: uuid.UUID) -> list[OrgUnit]: ...

    async def communes(self, province: str | None, as_of: date) -> list[OrgUnit]:
        """The communes in force on ``as_of`` in ``province`` (None: the whole country's)."""
        ...


class OrgLineageStep(BaseModel):
    """A unit the asked one came from, and how many reorganisations back."""

    unit: OrgUnit
    depth: int


class OrgLineage(BaseModel):
    """The part of a unit's lineage assets reads: the units it was formed from."""

    predecessors: list[OrgLineageStep]


class OrgUnitPage(BaseModel):
    """One page of org-structure's unit list."""

    items: list[OrgUnit]
    next: str | None = None


class OrgStructureClient:
    """org-structure through the gateway (``{gateway_url}/api/v1/org``), as the assets service account.

    The reader maps every failure once (``haicap_shared.upstream``): unreachable, late, failing or
    refusing our account is 503 ``upstream_unavailable``; a record it does not have is
    :class:`HolderNotFound` here.
    """

    def __init__(self, reader: UpstreamReader) -> None:
        self.reader = reader

    async def _get(self, path: str, model: type[M], what: str, **params: Any) -> M:
        found = await self.reader.get(path, model, params=params or None)
        if found is None:
            raise HolderNotFound(f"org-structure has no {what}")
        return found

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency:
        return await self._get(f"/agencies/{agency_id}", OrgAgency, f"agency {agency_id}")

    async def unit(self, unit_id: uuid.UUID) -> OrgUnit:
        return await self._get(f"/units/{unit_id}", OrgUnit, f"unit {unit_id}")

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit:
        return await self._get(f"/units/by-code/{code}", OrgUnit, f"unit with code {code} on {as_of}", as_of=as_of.isoformat())

    async def predecessors(self, unit_id: uuid.UUID) -> list[OrgUnit]:
        lineage = await self._get(f"/units/{unit_id}/lineage", OrgLineage, f"unit {unit_id}")
        return [step.unit for step in lineage.predecessors if step.depth == 1]

    async def communes(self, province: str | None, as_of: date) -> list[OrgUnit]:
        # NOTE: the whole country (3,321 communes) is 7 pages of 500, one call each, not one per province.
        found: list[OrgUnit] = []
        params: dict[str, Any] = {"level": "commune", "as_of": as_of.isoformat(), "limit": 500}
        if province is not None:
            params["province"] = province
        while True:
            page = await self._get("/units", OrgUnitPage, f"communes of {province or 'the country'}", **params)
            found += page.items
            if not page.next:
                return found
            params["cursor"] = page.next


def org_structure_client(app: FastAPI) -> OrgDirectory:
    """org-structure through the gateway, as this service's account (the app's settings and pooled client)."""
    return OrgStructureClient(UpstreamReader.through_gateway(app, SERVICE, "/api/v1/org"))


def _org(request: Request) -> OrgDirectory:
    org: OrgDirectory = request.app.state.org
    return org


Org = Annotated[OrgDirectory, Depends(_org)]
"""org-structure, as the app's lifespan built it (the real client, or a test's fake)."""
