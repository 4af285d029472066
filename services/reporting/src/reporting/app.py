"""reporting's app factory."""

from fastapi import FastAPI

from haicap_shared.app import create_service_app

from .db import metadata
from .settings import ReportingSettings

DESCRIPTION = """
Cross-domain reports composed from the other services' APIs: the province summary for any
date, commune profiles, the transition-gap report (tasks, people, assets and agencies the
merger left without an owner), qualification statistics and asset-disposition progress.
It owns no source data; its database will only cache reports and hold its audit log.

**Today this service is a skeleton**: it produces no reports yet and serves only
`/healthz` (alive), `/readyz` (its database answers) and `/audit-events` (its audit log).

* Errors are RFC 9457 problem details with a stable `code`.
"""


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    return create_service_app(
        title="haicap reporting",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
    )
