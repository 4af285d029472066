"""assets's app factory."""

from fastapi import FastAPI

from haicap_shared.app import create_service_app

from .db import metadata
from .settings import AssetsSettings

DESCRIPTION = """
Public assets (tài sản công) of the province and its communes: premises and land (cơ sở nhà,
đất), cars and other equipment, their allocation (bố trí) to agencies and communes,
disposition plans (phương án sắp xếp, xử lý: keep, transfer, repurpose, sell, liquidate,
recover) and the car norms per commune.

**Today this service is a skeleton**: it holds no asset records yet and serves only
`/healthz` (alive), `/readyz` (its database answers) and `/audit-events` (its audit log).

* Errors are RFC 9457 problem details with a stable `code`.
"""


def create_app(settings: AssetsSettings | None = None) -> FastAPI:
    settings = settings or AssetsSettings()
    return create_service_app(
        title="haicap assets",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
    )
