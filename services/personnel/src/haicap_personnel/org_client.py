"""The one client of org-structure: agencies, units and lineage, through the gateway.

personnel never reads org-structure's tables. When a record names an agency, the agency is
fetched here and what the area rules and statistics need (province, commune, level, unit) is
kept on the personnel row. Failures are mapped in one place: org-structure down, or refusing
this service's account, is 503 ``upstream_unavailable`` naming it; nothing is written then.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Protocol

from fastapi import FastAPI
from pydantic import BaseModel

from haicap_shared.errors import UpstreamUnavailable
from haicap_shared.http import ClientCredentials, ServiceClient, UpstreamError

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


class OrgClient:
    """org-structure through the gateway, as personnel's service account."""

    def __init__(self, client: ServiceClient, prefix: str) -> None:
        self.client = client
        self.prefix = prefix.rstrip("/")

    async def _get(self, path: str) -> Any | None:
        try:
            return await self.client.get_json(f"{self.prefix}{path}")
        except UpstreamError as exc:
            if exc.status == 404:
                return None
            # NOTE: a 401/403 here means this service's account is missing or refused: the
            # caller can do nothing about it, so it is the upstream being unavailable to us.
            raise UpstreamUnavailable(
                SERVICE_NAME, f"org-structure refused personnel's request ({exc.status}: {exc.code})"
            ) from exc

    async def agency(self, agency_id: uuid.UUID) -> OrgAgency | None:
        body = await self._get(f"/agencies/{agency_id}")
        return None if body is None else OrgAgency.model_validate(body)

    async def lineage(self, unit_id: uuid.UUID) -> OrgLineage | None:
        body = await self._get(f"/units/{unit_id}/lineage")
        return None if body is None else OrgLineage.model_validate(body)


def default_org_client(app: FastAPI) -> OrgDirectory:
    """The real client, on the process's pooled HTTP client, with the service's credentials."""
    settings = app.state.settings
    credentials = ClientCredentials.from_settings(settings, app.state.http)
    client = ServiceClient(
        SERVICE_NAME, settings.gateway_url, app.state.http, retries=settings.upstream_retries, credentials=credentials
    )
    return OrgClient(client, settings.org_path)
