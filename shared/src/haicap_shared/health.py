"""``/healthz`` (the process is alive) and ``/readyz`` (it can serve: its database answers, if it has one)."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .auth import Public

logger = logging.getLogger("haicap.health")

Readiness = Literal["database", "process"]
"""What ``/readyz`` checks: the service's database, or nothing beyond the process serving."""


class Health(BaseModel):
    status: str
    service: str


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

        @router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
        async def readyz(request: Request) -> JSONResponse:
            """Readiness: the service's database answers."""
            try:
                await request.app.state.database.ping()
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
                logger.warning("database not reachable: %s", exc)
                return JSONResponse({"status": "database unreachable", "service": service}, status_code=503)
            return JSONResponse({"status": "ready", "service": service})

    return router
