"""personnel's app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from haicap_shared.app import create_service_app
from haicap_shared.procedures.catalogue import CatalogueFactory
from haicap_shared.procedures.wiring import install_procedures

from .careers.router import router as careers_router
from .codelists.router import router as codelists_router
from .conduct.router import router as conduct_router
from .consent.router import router as consent_router
from .events import CATALOGUE
from .org_client import OrgDirectory, default_org_client
from .people import service as people_service
from .people.router import router as people_router
from .placements.router import router as placements_router
from .positions.router import router as positions_router
from .quotas.router import router as quotas_router
from .settings import PersonnelSettings
from .stats.router import router as stats_router
from .streamlining.router import router as streamlining_router
from .sync.router import router as sync_router
from .sync_reports.router import router as sync_reports_router
from .tables import metadata
from .training.router import router as training_router
from .workflow_dossiers import DOSSIERS

DESCRIPTION = """
Cadres, civil servants and public employees (cán bộ, công chức, viên chức) of the province and
its communes: people, job positions (vị trí việc làm) and their approval, staffing quotas
(biên chế), placements over time with their suitability, bulk re-placement after a merger,
streamlining cases (tinh giản biên chế) with the entitlement calculator, training, and
qualification statistics computed in SQL for any date.

* Agencies and units are org-structure's: each reference is checked there when written.
* National ids are masked in every response, audit events included; `reveal=true` (roles that handle
  records, in their area) is audited.
* Lists are keyset-paginated: pass `limit`, then the `next` value of a page as `cursor`.
* Single resources carry an `ETag`; send it back as `If-Match` to change them (412 when stale,
  428 when missing). `Idempotency-Key` on POST makes a retry safe.
* Errors are RFC 9457 problem details with a stable `code`.
"""

OrgClientFactory = Callable[[FastAPI], OrgDirectory]


def create_app(
    settings: PersonnelSettings | None = None,
    *,
    org_client_factory: OrgClientFactory | None = None,
    procedure_catalogue_factory: CatalogueFactory | None = None,
) -> FastAPI:
    """The personnel app; tests pass their own settings, a fake org-structure and a fake procedure catalogue."""
    settings = settings or PersonnelSettings()
    factory = org_client_factory or default_org_client
    procedures = install_procedures(DOSSIERS.config, catalogue_factory=procedure_catalogue_factory)

    @asynccontextmanager
    async def org_client(app: FastAPI) -> AsyncIterator[None]:
        # NOTE: built in the lifespan, on the process's pooled HTTP client (closed by the shared app).
        app.state.org = factory(app)
        yield

    return create_service_app(
        title="haicap personnel",
        operation_prefix="personnel",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
        routers=[
            people_router,
            positions_router,
            quotas_router,
            placements_router,
            streamlining_router,
            training_router,
            stats_router,
            codelists_router,
            careers_router,
            conduct_router,
            consent_router,
            sync_router,
            sync_reports_router,
            procedures.router,
        ],
        openapi_tags=[
            {"name": "people", "description": "Cadres, civil servants, public employees and workers (CBCCVC)"},
            {"name": "positions", "description": "Job positions (vị trí việc làm) and their approval"},
            {"name": "quotas", "description": "Staffing quotas (biên chế) per agency and year"},
            {"name": "placements", "description": "Placements over time, suitability, bulk re-placement, recruitment"},
            {"name": "streamlining", "description": "Streamlining cases (tinh giản biên chế) and the entitlement calculator"},
            {"name": "training", "description": "Training records (bồi dưỡng)"},
            {"name": "stats", "description": "Statistics computed in SQL for any date"},
            {"name": "code-lists", "description": "Official code lists (danh mục dùng chung), versioned by date"},
            {"name": "careers", "description": "Career events with their decisions and documents; a person's history"},
            {"name": "conduct", "description": "Yearly evaluations, commendations and discipline"},
            {"name": "consent", "description": "Consent to reading a dossier for another agency; a person's own dossier"},
            {"name": "national-sync", "description": "Verification and the sync with the national cadre database"},
            procedures.tag,
        ],
        extensions=[org_client, procedures.extension],
        personal_fields=people_service.PERSONAL_FIELDS,
        events=CATALOGUE,
    )
