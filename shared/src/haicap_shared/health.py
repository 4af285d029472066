"""``/healthz`` (the process is alive) and ``/readyz`` (it can reach its database)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .auth import Public

logger = logging.getLogger("haicap.health")


class Health(BaseModel):
    status: str
    service: str


def health_router(service: str, *, database_readiness: bool) -> APIRouter:
    """``/healthz``, and ``/readyz`` when the service's readiness is its database's."""
    router = APIRouter(tags=["health"], dependencies=[Public])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """Liveness: the process answers."""
        return Health(status="ok", service=service)

    if not database_readiness:
        return router

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
