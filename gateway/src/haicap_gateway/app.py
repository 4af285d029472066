"""The gateway's app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from haicap_shared.app import create_service_app

from .router import proxy_router, readiness_router
from .settings import GatewaySettings
from .upstream import HttpxUpstream, UpstreamFactory

DESCRIPTION = """
The only public entry of haicap. Each service is published under its own prefix, and every
method, query string, body, status and header passes through (bodies are streamed):

| prefix | service |
| --- | --- |
| `/api/v1/org/...` | org-structure: administrative units, agencies, decisions, tasks |
| `/api/v1/personnel/...` | personnel: people, job positions, quotas, placements |
| `/api/v1/assets/...` | assets: premises, land, cars, allocations, dispositions |
| `/api/v1/reports/...` | reporting: summaries composed from the other services |

Documentation:

* this page (`/docs`, spec at `/openapi.json`) describes the gateway itself;
* each service's own API: `/api/v1/org/openapi.json`, `/api/v1/personnel/openapi.json`,
  `/api/v1/assets/openapi.json`, `/api/v1/reports/openapi.json` (paths in those specs are
  relative to the prefix); interactive docs on each service's port in development:
  http://127.0.0.1:8001/docs (org-structure), :8002 (personnel), :8003 (assets), :8004 (reporting).

Every response carries `X-Request-ID` (the caller's, or a new one), which is passed to the
service and appears in its logs. A service that cannot be reached gives 503
`upstream_unavailable`, one that does not answer in time 504 `upstream_timeout`; both are
RFC 9457 problem details naming the service. `/readyz` reports each service's readiness.
"""


def create_app(settings: GatewaySettings | None = None, upstream_factory: UpstreamFactory | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    make_upstream: UpstreamFactory = upstream_factory or HttpxUpstream.from_settings
    services = settings.upstreams()

    @asynccontextmanager
    async def upstream_lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstream = make_upstream(settings)
        try:
            yield
        finally:
            await app.state.upstream.aclose()

    app = create_service_app(
        title="haicap gateway",
        description=DESCRIPTION,
        settings=settings,
        metadata=None,
        extensions=[upstream_lifespan],
        # NOTE: the gateway has no database; it is ready when the services behind it are.
        readiness=readiness_router(services),
        openapi_tags=[
            {"name": "health", "description": "Liveness, and readiness of every service behind the gateway"},
            *({"name": s.name, "description": f"Forwarded to {s.name} ({s.public_path}/...)"} for s in services),
        ],
    )
    app.include_router(proxy_router(services))
    return app
