"""The gateway's routes: forwarding under ``/api/v1/<service>/`` and readiness of the whole stack."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from haicap_shared.errors import UpstreamTimeout, UpstreamUnavailable, problem_responses

from .settings import UpstreamService
from .upstream import Readiness, ReplicaReadiness, Upstream

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _upstream(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream


UpstreamClient = Annotated[Upstream, Depends(_upstream)]
UpstreamPath = Annotated[str, Path(description="Path on the service, e.g. `units/by-code/01273`")]


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


def _upstream_path(request: Request, service: UpstreamService, path: str) -> str:
    # NOTE: the raw path, not the decoded ``path`` parameter, so percent-escapes such as %2F
    # reach the service exactly as the caller wrote them.
    raw = request.scope.get("raw_path", b"").decode("latin-1")
    prefix = service.public_path + "/"
    return raw[len(service.public_path) :] if raw.startswith(prefix) else "/" + quote(path)


def _forwarder(service: UpstreamService) -> Callable[[Request, Upstream, str], Awaitable[Response]]:
    async def forward(request: Request, upstream: UpstreamClient, path: UpstreamPath) -> Response:
        """Forward the request to the service; query, body, status and headers pass through."""
        return await upstream.forward(service, request, _upstream_path(request, service, path))

    return forward


def proxy_router(services: tuple[UpstreamService, ...]) -> APIRouter:
    """One route per service and method: ``/api/v1/<prefix>/{path}`` -> ``<base_url>/{path}``."""
    router = APIRouter()
    for service in services:
        endpoint = _forwarder(service)
        for method in METHODS:
            # NOTE: one route per method, since FastAPI gives a multi-method route one
            # operation id for all its methods; HEAD and OPTIONS work but stay out of the docs.
            router.add_api_route(
                f"{service.public_path}/{{path:path}}",
                endpoint,
                methods=[method],
                name=f"forward_{service.prefix}_{method.lower()}",
                operation_id=f"forward_{service.prefix}_{method.lower()}",
                summary=f"Forward to {service.name}",
                tags=[service.name],
                # NOTE: the merged OpenAPI documents each service's own routes under its prefix;
                # a catch-all here would only give generated clients a useless extra function.
                include_in_schema=False,
                responses=problem_responses(UpstreamUnavailable, UpstreamTimeout),
            )
    return router


def readiness_router(services: tuple[UpstreamService, ...]) -> APIRouter:
    """``/readyz``: ready when every service behind the gateway is."""
    router = APIRouter(tags=["health"])

    @router.get("/readyz", response_model=GatewayReadiness, responses={503: {"model": GatewayReadiness}})
    async def readyz(upstream: UpstreamClient) -> JSONResponse:
        """Readiness: every service behind the gateway has a replica whose own /readyz answers."""
        per_service = await asyncio.gather(*(upstream.readiness(service) for service in services))
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
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)

    return router


def _service_state(replicas: list[ReplicaReadiness]) -> Readiness:
    """A service is ready when one of its replicas is; otherwise it is as its first replica."""
    if any(r.state is Readiness.READY for r in replicas):
        return Readiness.READY
    return replicas[0].state
