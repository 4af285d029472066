"""The one client of org-structure: agencies and units, read through the gateway.

assets never reads org-structure's tables: a holder (an agency or a unit) is fetched here
when it is written, and what the area checks and statistics need is kept on the asset's
rows. Each response model below is the small part of org-structure's body that assets reads.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from pydantic import BaseModel

from haicap_shared.errors import Conflict, UpstreamUnavailable
from haicap_shared.http import ServiceClient, UpstreamError

SERVICE = "org-structure"


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

    async def communes(self, province: str, as_of: date) -> list[OrgUnit]: ...


class OrgStructureClient:
    """org-structure through the gateway (``{gateway_url}/api/v1/org``), as the assets service account."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def _get(self, path: str, what: str, **params: Any) -> Any:
        try:
            return await self.client.get_json(path, params=params or None)
        except UpstreamError as exc:
            # NOTE: a missing record is the caller's mistake (409 naming it). A 401/403 refuses
            # this service's own account: the caller can do nothing about it, so it is
            # org-structure being unavailable to us (503), never the user's 403.
            if exc.status == 404:
                raise HolderNotFound(f"org-structure has no {what}") from exc
            if exc.status in (401, 403):
                raise UpstreamUnavailable(SERVICE, f"org-structure refused assets' request ({exc.status}: {exc.code})") from exc
            raise

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency:
        return OrgAgency.model_validate(await self._get(f"/agencies/{agency_id}", f"agency {agency_id}"))

    async def unit(self, unit_id: uuid.UUID) -> OrgUnit:
        return OrgUnit.model_validate(await self._get(f"/units/{unit_id}", f"unit {unit_id}"))

    async def unit_by_code(self, code: str, as_of: date) -> OrgUnit:
        body = await self._get(f"/units/by-code/{code}", f"unit with code {code} on {as_of}", as_of=as_of.isoformat())
        return OrgUnit.model_validate(body)

    async def predecessors(self, unit_id: uuid.UUID) -> list[OrgUnit]:
        body = await self._get(f"/units/{unit_id}/lineage", f"unit {unit_id}")
        return [OrgUnit.model_validate(step["unit"]) for step in body["predecessors"] if step["depth"] == 1]

    async def communes(self, province: str, as_of: date) -> list[OrgUnit]:
        found: list[OrgUnit] = []
        params: dict[str, Any] = {"province": province, "level": "commune", "as_of": as_of.isoformat(), "limit": 500}
        while True:
            body = await self._get("/units", f"units of province {province}", **params)
            found += [OrgUnit.model_validate(item) for item in body["items"]]
            if not body.get("next"):
                return found
            params["cursor"] = body["next"]


def _org(request: Request) -> OrgDirectory:
    org: OrgDirectory = request.app.state.org
    return org


Org = Annotated[OrgDirectory, Depends(_org)]
"""org-structure, as the app's lifespan built it (the real client, or a test's fake)."""
