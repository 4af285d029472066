"""What a service with procedure workflows installs: the ``/procedure-dossiers`` routes and the catalogue reader.

    DOSSIERS = DossierConfig(
        procedure_tables,
        subject_kinds_without_workflow=frozenset({"commendation_proposal"}),
        calendar=calendar_days,  # the admin's calendar days; None: the rule alone
    )
    procedures = install_procedures(DOSSIERS, catalogue_factory=factory)  # a test's fake; None: org-structure's
    create_service_app(..., routers=[..., procedures.router], extensions=[..., procedures.extension],
                       openapi_tags=[..., procedures.tag])

A workflow's own routes open and move their records' dossiers with :mod:`.service` and
:mod:`.workflow`, taking the catalogue from :data:`.catalogue.Catalogue` and the overrides from
:meth:`DossierConfig.overrides`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from ..events.catalogue import EventKind
from .catalogue import CatalogueFactory, catalogue_extension
from .router import procedures_router
from .schemas import ProcedureDossier
from .service import ENTITY_TYPE
from .tables import ProcedureTables

CalendarSource = Callable[[AsyncSession, date, date], Awaitable[Mapping[date, bool]]]
"""An administrator's calendar days (``{day: working}``) from the first date to the second."""

CALENDAR_WINDOW = timedelta(days=800)
"""How far after a dossier's day its due date may fall (366 working days, holidays and weekends between)."""

TAG: dict[str, Any] = {
    "name": "procedures",
    "description": "Procedure dossiers (hồ sơ thủ tục hành chính): due dates, steps, their push to the one-stop system",
}


@dataclass(frozen=True)
class DossierConfig:
    """One service's dossiers: its tables, what it opens without a workflow record, its calendar."""

    tables: ProcedureTables
    subject_kinds_without_workflow: frozenset[str]
    calendar: CalendarSource | None = None

    async def overrides(self, session: AsyncSession, on: date) -> Mapping[date, bool] | None:
        """The calendar's overrides a due date counted from ``on`` may meet (None: the service has none)."""
        if self.calendar is None:
            return None
        return await self.calendar(session, on, on + CALENDAR_WINDOW)


@dataclass(frozen=True)
class ProceduresInstall:
    """What :func:`install_procedures` gives the app factory."""

    config: DossierConfig
    router: APIRouter
    extension: Callable[[FastAPI], AbstractAsyncContextManager[None]]
    tag: dict[str, Any]


def install_procedures(config: DossierConfig, *, catalogue_factory: CatalogueFactory | None = None) -> ProceduresInstall:
    """The routes, the catalogue's lifespan extension and the OpenAPI tag of a service's dossiers."""
    return ProceduresInstall(config, procedures_router(config), catalogue_extension(catalogue_factory), TAG)


def dossier_event_kind(service_path: str) -> EventKind:
    """The change feed's kind of a dossier (``procedure_dossier``): the record as ``GET /procedure-dossiers/{id}`` shows it.

    Its area is the dossier's own (province, commune, handling agency), like every other record's.
    """
    return EventKind(
        ENTITY_TYPE,
        ProcedureDossier,
        f"{service_path}/procedure-dossiers/{{id}}",
        description="A procedure dossier (hồ sơ thủ tục hành chính): received, then each step "
        "(in process, supplement requested, done, refused, returned), with its due date",
    )
