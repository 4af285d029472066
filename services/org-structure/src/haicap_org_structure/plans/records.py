"""What plans read of personnel and assets (through the gateway, as org-structure's own account), and how.

An item's links to positions and placements (personnel) and to assets and dispositions (assets),
and a placement that names the person assigned, are checked where they live when written. The
HTTP and its failures are ``haicap_shared.upstream.UpstreamReader``'s: a 404 is ``None`` (the
service answers 409 naming the link), the service down, slow or refusing our account is 503
``upstream_unavailable`` naming it, and nothing is written.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol

from fastapi import FastAPI
from pydantic import BaseModel

from haicap_shared.upstream import UpstreamReader
from haicap_shared.validity import Interval

from .models import LinkKind

PERSONNEL = "personnel"
ASSETS = "assets"

REMOTE_PATHS = {
    LinkKind.POSITION: (PERSONNEL, "/positions/{id}"),
    LinkKind.PLACEMENT: (PERSONNEL, "/placements/{id}"),
    LinkKind.ASSET: (ASSETS, "/assets/{id}"),
    LinkKind.DISPOSITION: (ASSETS, "/dispositions/{id}"),
}
"""The links checked in another service: which one, and the path of the record there."""


class RemotePlacement(BaseModel):
    """The fields of a personnel placement that plans read."""

    id: uuid.UUID
    person_id: uuid.UUID
    agency_id: uuid.UUID
    valid_from: date
    valid_to: date | None = None

    def in_force_on(self, day: date) -> bool:
        return Interval.of(self).contains(day)


class RecordsDirectory(Protocol):
    """What plans ask personnel and assets (the real client, or a stand-in world in tests)."""

    async def exists(self, kind: LinkKind, target_id: uuid.UUID) -> bool: ...

    async def placement(self, placement_id: uuid.UUID) -> RemotePlacement | None: ...


class RecordsClient:
    """personnel and assets through the gateway, as org-structure's service account."""

    def __init__(self, readers: dict[str, UpstreamReader]) -> None:
        self.readers = readers

    async def exists(self, kind: LinkKind, target_id: uuid.UUID) -> bool:
        service, path = REMOTE_PATHS[kind]
        return await self.readers[service].get_json(path.format(id=target_id)) is not None

    async def placement(self, placement_id: uuid.UUID) -> RemotePlacement | None:
        return await self.readers[PERSONNEL].get(f"/placements/{placement_id}", RemotePlacement)


def default_records_client(app: FastAPI) -> RecordsDirectory:
    """The real client, on the process's pooled HTTP client, with the service's credentials."""
    settings = app.state.settings
    return RecordsClient(
        {
            PERSONNEL: UpstreamReader.through_gateway(app, PERSONNEL, settings.personnel_path),
            ASSETS: UpstreamReader.through_gateway(app, ASSETS, settings.assets_path),
        }
    )
