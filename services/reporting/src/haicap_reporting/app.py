"""reporting's app factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from haicap_shared.app import create_service_app

from .cache import ReportCache
from .feeds import following
from .health import readiness_router
from .reports.router import router
from .settings import ReportingSettings
from .sources import Sources

DESCRIPTION = """
Cross-domain reports composed from the other services' APIs: the province summary for any
date, commune profiles, the transition-gap report (tasks, people, assets and agencies the
merger left without an owner), qualification statistics and asset-disposition progress.
It owns no source data and has no database: it changes nothing, so it keeps no audit log
(no `/audit-events`), and it keeps recent reports in memory only. `/readyz` answers as soon
as it serves, its detail saying where it stands in each source's change feed; whether a
source is up is said by each report (`missing`).

Reports, each for a place and a date (`as_of`, today by default), as `format=json` (default),
`csv` or `xlsx` (one sheet per section, Vietnamese headings, native charts):

* `GET /provinces/{code}/summary`: tasks by level (`tasks.by_level` with `province`,
  `district`, `commune`; `compare_to` adds another date and the change), function decisions,
  staff, assets, streamlining, dispositions;
* `GET /communes/{code}/profile`: the commune's lineage, agencies, tasks, people, assets;
* `GET /provinces/{code}/transition-gaps`: what the merger left without an owner or decision.

The sources are called concurrently, each with a time limit. When one is down the report
still answers: its sections are `null` and `missing` says which and why; `complete` is
false. Complete reports are kept (past dates a few minutes, today a few seconds) and dropped
as soon as an event of a source's change feed in their area can change their figures.
The commune profile gives each source's latest event sequence for the commune
(`event_sequences`) and an `ETag` made of them: send it as `If-None-Match` to get 304 while
nothing moved.

* Errors are RFC 9457 problem details with a stable `code`.
"""


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()

    @asynccontextmanager
    async def sources(app: FastAPI) -> AsyncIterator[None]:
        app.state.sources = Sources.from_settings(settings, app.state.http)
        app.state.report_cache = ReportCache(
            past_seconds=settings.past_report_ttl_seconds, current_seconds=settings.current_report_ttl_seconds
        )
        yield

    return create_service_app(
        title="haicap reporting",
        operation_prefix="reports",
        description=DESCRIPTION,
        settings=settings,
        metadata=None,
        routers=[router],
        extensions=[sources, following],
        readiness=readiness_router(settings.service_name),
        openapi_tags=[{"name": "reports", "description": "Reports composed from the other services"}],
    )
