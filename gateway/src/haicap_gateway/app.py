"""The gateway's app factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from haicap_shared.app import create_service_app
from haicap_shared.events.wiring import EVENT_TAGS, install_events
from haicap_shared.middleware import access_log

from .db import metadata
from .identity import events as identity_events
from .identity import setup as identity
from .plane import install_data_plane
from .router import readiness_router
from .settings import GatewaySettings
from .upstream import UpstreamFactory, upstream_from_settings

DESCRIPTION = """
The only public entry of haicap. Each service is published under its own prefix, and every
method, query string, body, status and header passes through (bodies are streamed):

| prefix | service |
| --- | --- |
| `/api/v1/org/...` | org-structure: administrative units, agencies, decisions, tasks |
| `/api/v1/personnel/...` | personnel: people, job positions, quotas, placements |
| `/api/v1/assets/...` | assets: premises, land, cars, allocations, dispositions |
| `/api/v1/reports/...` | reporting: summaries composed from the other services |

Documentation: this page (`/docs`, spec at `/openapi.json`) is the whole API: the gateway's
own routes and every service's routes under its prefix, with one sign-in scheme, so a frontend
generates one client from it. Each service's own spec stays at `/api/v1/<prefix>/openapi.json`
(paths relative to the prefix).

A service may run as several replicas: requests go round robin, a replica that refuses a
connection is set aside for a few seconds, and a request that could not connect is sent to
another replica. Reads wait 10 s for an answer, writes 30 s, reports, imports, exports and
bulk routes 120 s, a change feed's long-poll (`GET /api/v1/<prefix>/events?wait=25`) as long as
its service declares; request bodies are limited (413 `payload_too_large`); JSON is gzipped for
callers that accept it.

Change feeds: each service publishes its changes as CloudEvents at `/api/v1/<prefix>/events`
(and webhooks at `/api/v1/<prefix>/webhook-subscriptions`); the event types are under
`webhooks` in this document. Identity's own (users and service accounts, no secret ever) is at
`/api/v1/auth/events`, for admins, auditors and service accounts.

Every response carries `X-Request-ID` (the caller's, or a new one), which is passed to the
service and appears in its logs. A service that cannot be reached gives 503
`upstream_unavailable`, one that does not answer in time 504 `upstream_timeout`; both are
RFC 9457 problem details naming the service. `/readyz` reports each service's readiness.
"""


def create_app(settings: GatewaySettings | None = None, upstream_factory: UpstreamFactory | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    make_upstream: UpstreamFactory = upstream_factory or upstream_from_settings
    services = settings.upstreams()

    @asynccontextmanager
    async def upstream_lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstream = make_upstream(settings)
        # NOTE: the request-id middleware writes the access line only when its logger is
        # enabled for INFO; turned off, a request costs no log record at all.
        level = access_log.level
        if not settings.access_log:
            access_log.setLevel(logging.WARNING)
        try:
            yield
        finally:
            access_log.setLevel(level)
            await app.state.upstream.aclose()

    app = create_service_app(
        title="haicap gateway",
        operation_prefix="gateway",
        description=DESCRIPTION,
        settings=settings,
        metadata=metadata,
        routers=identity.ROUTERS,
        extensions=[upstream_lifespan, identity.identity_lifespan],
        # NOTE: its database holds only users and tokens; the gateway is ready when the
        # services behind it are.
        readiness=readiness_router(services),
        # NOTE: the gateway's own body limit (route classes, and the forwarder's view of a
        # cut-off upload) is installed with the data plane.
        limit_bodies=False,
        openapi_tags=[
            {"name": "health", "description": "Liveness, and readiness of every service behind the gateway"},
            {"name": "documentation", "description": "The whole API's description as OpenAPI 3.0.3 (3.1 at `/openapi.json`)"},
            *identity.OPENAPI_TAGS,
            *EVENT_TAGS,
            *({"name": s.name, "description": f"Forwarded to {s.name} ({s.public_path}/...)"} for s in services),
        ],
    )
    # NOTE: identity's changes are published like a service's, but the gateway serves its own
    # paths: its feed and webhooks are under /api/v1/auth, for admins, auditors and services.
    install_events(app, identity_events.CATALOGUE, metadata, settings, prefix=identity_events.CATALOGUE.path)
    identity_events.narrow_feed_readers(app)
    install_data_plane(app, settings)
    return app
