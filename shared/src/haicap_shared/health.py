"""``/healthz`` (the process is alive), ``/readyz`` (it can serve: its database answers, if it has one), ``/metrics``.

A service that publishes its changes (:mod:`haicap_shared.events`) says in ``/readyz`` how far
behind the relay is per destination (``events``: the lag, which never makes it unready: the
API serves whether or not deliveries keep up), and serves the change feed's Prometheus metrics
at ``/metrics`` (:mod:`haicap_shared.events.monitoring`), computed from its database at scrape time.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from .auth import Public
from .events.monitoring import CONTENT_TYPE, EventsReadiness, destination_lags, metrics_text

logger = logging.getLogger("haicap.health")

Readiness = Literal["database", "process"]
"""What ``/readyz`` checks: the service's database, or nothing beyond the process serving."""


class Health(BaseModel):
    status: str
    service: str


class ServiceReadiness(Health):
    """Whether a service with a database can serve; for one that publishes its changes, the relay's lag too."""

    events: EventsReadiness | None = Field(
        default=None, description="A service that publishes its changes: the relay's lag per destination (absent otherwise)"
    )


async def events_readiness(app: FastAPI) -> EventsReadiness | None:
    """The relay's lag per destination of an app that publishes its changes; None without destinations (or on error)."""
    tables = getattr(app.state, "event_tables", None)
    if tables is None:
        return None
    try:
        async with app.state.database.sessionmaker() as session:
            found = await destination_lags(session, tables)
        # NOTE: nothing to say before the relay has a destination (no subscription, no NATS).
        return found if found.destinations else None
    except Exception as exc:  # noqa: BLE001 - the lag is information; its failure is logged, not fatal
        logger.warning("event lag not readable: %s", exc)
        return None


async def events_metrics(app: FastAPI, service: str) -> Response:
    """The Prometheus text of an app's change feed metrics (empty for an app that publishes nothing)."""
    tables = getattr(app.state, "event_tables", None)
    if tables is None:
        return Response(b"", media_type=CONTENT_TYPE)
    async with app.state.database.sessionmaker() as session:
        return Response(await metrics_text(session, tables, service), media_type=CONTENT_TYPE)


METRICS_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "Prometheus text exposition", "content": {"text/plain": {"schema": {"type": "string"}}}}
}


def health_router(service: str, *, readiness: Readiness | None) -> APIRouter:
    """``/healthz``, and ``/readyz`` unless the service brings its own (``readiness=None``).

    ``database``: ready when the service's database answers. ``process``: a service without a
    database of its own is ready once it serves, since its lifespan (settings, HTTP client) has
    then started; what it reads from other services is their readiness, not its own.
    """
    router = APIRouter(tags=["health"], dependencies=[Public])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """Liveness: the process answers."""
        return Health(status="ok", service=service)

    if readiness == "process":

        @router.get("/readyz", response_model=Health)
        async def process_ready() -> Health:
            """Readiness: the process serves; it has no database to wait for."""
            return Health(status="ready", service=service)

    if readiness == "database":

        @router.get("/readyz", response_model=ServiceReadiness, responses={503: {"model": Health}})
        async def readyz(request: Request) -> JSONResponse:
            """Readiness: the service's database answers (and, when it publishes, how far behind the relay is)."""
            try:
                await request.app.state.database.ping()
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
                logger.warning("database not reachable: %s", exc)
                return JSONResponse({"status": "database unreachable", "service": service}, status_code=503)
            events = await events_readiness(request.app)
            body = ServiceReadiness(status="ready", service=service, events=events)
            return JSONResponse(body.model_dump(mode="json", exclude_none=True))

    if readiness == "database":
        router.include_router(metrics_router(service))

    return router


def metrics_router(service: str) -> APIRouter:
    """``GET /metrics``: the change feed's Prometheus metrics (a service with its own readiness includes it itself)."""
    router = APIRouter(tags=["health"], dependencies=[Public])

    @router.get("/metrics", response_class=Response, responses=METRICS_RESPONSES)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics of the change feed: the relay's lag, cursor and attempts per destination."""
        return await events_metrics(request.app, service)

    return router
