"""org-structure's procedure catalogue, read through the gateway; a FastAPI dependency gives it to a route.

The service reads ``GET {gateway}/api/v1/org/procedures/{code}?as_of=YYYY-MM-DD`` with its own
service account (:class:`haicap_shared.upstream.UpstreamReader`: org-structure down, slow or
refusing the account is 503 ``upstream_unavailable``); a 404 (no such code, or none in force on
that day) is ``None``, which :func:`.service.open_dossier` answers 409 ``procedure_not_found``.

The app builds one reader in its lifespan (:func:`catalogue_extension`, from a factory the
service's ``create_app`` takes, so tests pass a fake the way they pass their org directory) and
routes get it with :data:`Catalogue`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from ..upstream import UpstreamReader
from .service import ProcedureCatalogue, ProcedureFacts

SERVICE_NAME = "org-structure"
DEFAULT_ORG_PATH = "/api/v1/org"

CatalogueFactory = Callable[[FastAPI], ProcedureCatalogue]
"""Builds the app's catalogue reader (the real one, or a test's fake)."""


class OrgProcedureCatalogue:
    """The catalogue as org-structure serves it, read as this service's account."""

    def __init__(self, reader: UpstreamReader) -> None:
        self.reader = reader

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None:
        return await self.reader.get(f"/procedures/{code}", ProcedureFacts, params={"as_of": as_of.isoformat()})


def org_procedure_catalogue(app: FastAPI) -> ProcedureCatalogue:
    """The real reader, on the process's pooled HTTP client, where the settings say org-structure is published."""
    prefix = getattr(app.state.settings, "org_path", DEFAULT_ORG_PATH)
    return OrgProcedureCatalogue(UpstreamReader.through_gateway(app, SERVICE_NAME, prefix))


def catalogue_extension(factory: CatalogueFactory | None = None) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan extension that puts the catalogue reader on ``app.state.procedure_catalogue``."""
    build = factory or org_procedure_catalogue

    @asynccontextmanager
    async def procedure_catalogue_reader(app: FastAPI) -> AsyncIterator[None]:
        # NOTE: built in the lifespan, on the process's pooled HTTP client (closed by the shared app).
        app.state.procedure_catalogue = build(app)
        yield

    return procedure_catalogue_reader


def procedure_catalogue(request: Request) -> ProcedureCatalogue:
    """The app's catalogue reader (a route's dependency)."""
    catalogue: ProcedureCatalogue = request.app.state.procedure_catalogue
    return catalogue


Catalogue = Annotated[ProcedureCatalogue, Depends(procedure_catalogue)]
"""org-structure's procedure catalogue, for a route that opens a dossier."""


class StaticCatalogue:
    """A catalogue held in memory, each procedure in force from ``valid_from`` on (tests, a demo without org-structure)."""

    def __init__(self, procedures: Iterable[ProcedureFacts], *, valid_from: date = date.min) -> None:
        self.procedures = {facts.code: facts for facts in procedures}
        self.valid_from = valid_from

    async def procedure(self, code: str, as_of: date) -> ProcedureFacts | None:
        return self.procedures.get(code) if as_of >= self.valid_from else None
