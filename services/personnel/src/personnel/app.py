"""personnel's app factory."""

from fastapi import FastAPI

from haicap_shared.app import create_service_app

from .db import metadata
from .settings import PersonnelSettings

DESCRIPTION = """
Cadres, civil servants and public employees (cán bộ, công chức, viên chức) of the province and
its communes: people, job positions (vị trí việc làm) and their approval, staffing quotas
(biên chế), placements over time, streamlining cases (tinh giản biên chế) and training.

**Today this service is a skeleton**: it holds no personnel records yet and serves only
`/healthz` (alive), `/readyz` (its database answers) and `/audit-events` (its audit log).

* Errors are RFC 9457 problem details with a stable `code`.
"""


def create_app(settings: PersonnelSettings | None = None) -> FastAPI:
    settings = settings or PersonnelSettings()
    return create_service_app(
        title="haicap personnel",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
    )
