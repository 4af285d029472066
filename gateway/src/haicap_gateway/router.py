"""The gateway's readiness of the whole stack, and its metrics (forwarding under ``/api/v1/<service>/`` is ``forwarding.py``)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from haicap_shared.auth import Public
from haicap_shared.events.monitoring import EventsReadiness
from haicap_shared.health import events_readiness, metrics_router

from .settings import UpstreamService
from .upstream import Readiness, ReplicaReadiness, Upstream


def _upstream(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream


UpstreamClient = Annotated[Upstream, Depends(_upstream)]


class ReplicaState(BaseModel):
    url: str
    state: Readiness
    set_aside: bool


class UpstreamState(BaseModel):
    service: str
    prefix: str
    state: Readiness
    replicas: list[ReplicaState]


class GatewayReadiness(BaseModel):
    status: str
    service: str
    upstreams: list[UpstreamState]
    events: EventsReadiness | None = Field(
        default=None, description="How far behind identity's relay is, per destination (never makes the gateway unready)"
    )


def readiness_router(services: tuple[UpstreamService, ...]) -> APIRouter:
    """``/readyz``: ready when every service behind the gateway is; ``/metrics``: identity's relay, for Prometheus."""
    router = APIRouter(tags=["health"], dependencies=[Public])
    router.include_router(metrics_router("gateway"))

    @router.get("/readyz", response_model=GatewayReadiness, responses={503: {"model": GatewayReadiness}})
    async def readyz(request: Request, upstream: UpstreamClient) -> JSONResponse:
        """Readiness: every service behind the gateway has a replica whose own /readyz answers (and identity's relay lag)."""
        per_service, events = await asyncio.gather(
            asyncio.gather(*(upstream.readiness(service) for service in services)), events_readiness(request.app)
        )
        states = [_service_state(replicas) for replicas in per_service]
        ready = all(state is Readiness.READY for state in states)
        body = GatewayReadiness(
            status="ready" if ready else "not_ready",
            service="gateway",
            upstreams=[
                UpstreamState(
                    service=s.name,
                    prefix=s.public_path,
                    state=state,
                    replicas=[ReplicaState(url=r.url, state=r.state, set_aside=r.set_aside) for r in replicas],
                )
                for s, state, replicas in zip(services, states, per_service, strict=True)
            ],
            events=events,
        )
        return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=200 if ready else 503)

    return router


def _service_state(replicas: list[ReplicaReadiness]) -> Readiness:
    """A service is ready when one of its replicas is; otherwise it is as its first replica."""
    if any(r.state is Readiness.READY for r in replicas):
        return Readiness.READY
    return replicas[0].state
