"""assets's app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from haicap_shared.app import create_service_app
from haicap_shared.procedures.catalogue import CatalogueFactory
from haicap_shared.procedures.wiring import install_procedures

from .allocations.router import router as allocations_router
from .dispositions.router import router as dispositions_router
from .events import event_catalogue
from .norms.router import router as norms_router
from .org_client import OrgDirectory, org_structure_client
from .register.router import router as register_router
from .settings import AssetsSettings
from .stats.router import router as stats_router
from .tables import metadata
from .workflow_dossiers import DOSSIERS

DESCRIPTION = """
Public assets (tài sản công) of the province and its communes: premises and land (cơ sở nhà,
đất), cars and other equipment, their allocation (bố trí) to agencies and communes, the
hand-over of former units' assets to the new communes, disposition plans (phương án sắp xếp,
xử lý) with their approval under Decree 186/2025/NĐ-CP, the car norms of Decree
153/2025/NĐ-CP, and statistics on any date.

* Holders (agencies, units) are checked with org-structure when written; when it cannot be
  reached the answer is 503 `upstream_unavailable` and nothing is written.
* Every change to an asset is in its history (`/assets/{id}/history`) and the audit log.
* Every change of every record is an event on the change feed (`/events`, webhooks, NATS):
  one per record changed, a bulk change included, in the same transaction as the change.
* Lists are keyset-paginated (`limit`, `cursor`); statistics take `as_of=YYYY-MM-DD`.
* Single resources carry an `ETag`; send it back as `If-Match` to change them (412 when stale,
  428 when missing). `Idempotency-Key` on POST makes a retry safe.
* Errors are RFC 9457 problem details with a stable `code`.
"""

OrgFactory = Callable[[FastAPI], OrgDirectory]


def create_app(
    settings: AssetsSettings | None = None,
    *,
    org_client_factory: OrgFactory | None = None,
    procedure_catalogue_factory: CatalogueFactory | None = None,
) -> FastAPI:
    """The assets app; tests pass their own settings, a fake org-structure and a fake procedure catalogue."""
    settings = settings or AssetsSettings()
    factory = org_client_factory or org_structure_client
    procedures = install_procedures(DOSSIERS.config, catalogue_factory=procedure_catalogue_factory)

    @asynccontextmanager
    async def org_directory(app: FastAPI) -> AsyncIterator[None]:
        app.state.org = factory(app)
        yield

    return create_service_app(
        title="haicap assets",
        operation_prefix="assets",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
        routers=[register_router, allocations_router, dispositions_router, norms_router, stats_router, procedures.router],
        extensions=[org_directory, procedures.extension],
        events=event_catalogue(settings.decision_days),
        openapi_tags=[
            {"name": "assets", "description": "The register of public assets and their history"},
            {"name": "allocations", "description": "Allocations to holders and hand-overs on merger"},
            {"name": "dispositions", "description": "Disposition plans in the order of priority, and their approval"},
            {"name": "norms", "description": "Car norms per commune"},
            {"name": "statistics", "description": "Figures on any date, computed in SQL"},
            procedures.tag,
        ],
    )
